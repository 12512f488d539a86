"""Rule `fig7`, Fig 7 (METHODS §5): learning the angle.  Six trajectories (polar / exp / opt x
real Adam / the as-published sign descent) run in lock-step in float64
(curse_of_memory.theory.toy.learn_angle).  fig7.pdf: real Adam (default); fig7_published.pdf:
sign descent (METHODS §7 item 10).  Top row: loss contours over the raw (omega_nu, omega_theta)
plane, trajectory (black), target (yellow star, at the true target for opt, METHODS §7); bottom
row: loss against step.

params.theory -> output.pdf / output.published (+ .png and the plotted numbers beside each, for
its three trajectories: <stem>_loss.csv (every csv_every-th step: step, trajectory, param,
variant, loss, loss_window_min/max over the steps the row stands for, w_nu, w_theta),
<stem>_contour.csv (param, w_nu, w_theta, loss clipped to [1e-2, 1e2]), <stem>_summary.csv (one
row per trajectory, computed from every step: final_loss = mean over the last 5 % of steps,
final_loss_min/max, last_loss, mid_loss, ...; curse_of_memory.theory.figdata)) and output.npz
(keys: names (6,), loss (steps+1, 6), w (steps+1, 6, 2), target_w (6, 2), init_w (6, 2),
lam_star)."""

import numpy as np
from matplotlib.colors import LogNorm

from curse_of_memory.io import atomic_path
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.theory.figdata import FIG7_WINDOWS, fig7_contour, fig7_tables
from curse_of_memory.theory.toy import FIG7_PARAMS, learn_angle

LEVELS = np.logspace(-2, 2, 50)


def plot(res, variant, path, tables, tier, contour_n):
    fig, axes = style.figure(6.5, 3.0, nrows=2, ncols=3, gridspec_kw={"height_ratios": [1, 0.6]})
    rows = [k for k, v in enumerate(res["variant"]) if v == variant]
    for j, param in enumerate(FIG7_PARAMS):
        k = next(r for r in rows if res["param"][r] == param)
        ax = axes[0, j]
        wn, wt, L = fig7_contour(param, contour_n, res["lam_star"])
        cs = ax.contourf(wn, wt, L, levels=LEVELS, cmap="Blues_r", norm=LogNorm(1e-2, 1e2))
        cs.set_rasterized(True)
        ax.plot(res["w"][:, k, 0], res["w"][:, k, 1], color="k", lw=0.6)
        ax.plot(
            *res["target_w"][k],
            marker="*",
            color=style.COLORS["target"],
            markersize=6,
            markeredgecolor="k",
            markeredgewidth=0.3,
            ls="none",
        )
        (x0, x1), (y0, y1) = FIG7_WINDOWS[param]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(param)
        ax.set_xlabel(r"$\omega_\nu$", labelpad=1)
        ax.set_ylabel(r"$\omega_\theta$", labelpad=1)
        bx = axes[1, j]
        steps = np.arange(res["loss"].shape[0])
        y = res["loss"][:, k]
        bx.plot(steps, np.where(y > 0, y, np.nan), color="k", lw=0.5)
        bx.set_yscale("log")
        bx.set_ylim(5e-5, 100)
        bx.set_xlim(0, steps[-1])
        bx.set_xticks([0, steps[-1] // 2, steps[-1]])
        bx.set_xlabel("Step", labelpad=1)
        bx.set_ylabel("Loss", labelpad=1)
    fig.tight_layout(h_pad=0.5, w_pad=0.8, rect=(0, 0, 0.93, 1))
    cax = fig.add_axes([0.94, 0.45, 0.012, 0.5])
    cb = fig.colorbar(cs, cax=cax, ticks=[1e-2, 1e-1, 1, 10, 100])
    cb.set_label("Loss")
    cb.outline.set_linewidth(0.5)
    sel = {
        "loss": tables["loss"][tables["loss"]["variant"] == variant],
        "summary": tables["summary"][tables["summary"]["variant"] == variant],
        "contour": tables["contour"],
    }
    style.save(fig, path, data=sel, tier=tier)


def main(smk):
    p = smk.params.theory["fig7"]
    res = learn_angle(steps=p["steps"], lr=p["lr"])
    tables = fig7_tables(res, contour_n=p["contour_points"], every=p["csv_every"])
    with atomic_path(smk.output.npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, **{k: res[k] for k in ("names", "loss", "w", "target_w", "init_w", "lam_star")}
            )
    tier = style.theory_tier(
        smk.params.tier, smk.params.theory, smk.config.get("theory"), ("fig7",)
    )
    plot(res, "adam", smk.output.pdf, tables, tier, p["contour_points"])  # stamped only if reduced
    plot(res, "sign", smk.output.published, tables, tier, p["contour_points"])
    print(tables["summary"].to_string())


with snakemake_log(snakemake):
    main(snakemake)
