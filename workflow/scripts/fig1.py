"""Rule `fig1`, Fig 1 (METHODS §5): the curse of memory.  A: E[(d_lam h)^2] vs lam for
rho-correlated inputs; B: 1-D loss vs real lam; C: 1-D loss vs theta - theta*.  Numbers:
curse_of_memory.theory.figdata.

params.theory -> output.pdf (+ .png and the plotted numbers fig1_{A,B,C}.csv beside it)."""

import numpy as np

from curse_of_memory.plotting import style
from curse_of_memory.plotting.axes import memory_axis
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.theory.figdata import fig1_data, lam_star_colors, rho_colors


def main(smk):
    p = smk.params.theory
    data = fig1_data(p["rhos"], p["lambda_stars"], p["fig1_points"])
    fig, axes = style.figure(5.9, 1.5, ncols=5, gridspec_kw={"width_ratios": [5, 1.6, 5, 5, 1.2]})
    ax_a, leg_a, ax_b, ax_c, leg_c = axes
    A = data["A"]
    for rho, col in zip(p["rhos"], rho_colors(p["rhos"])):
        d = A[(A["curve"] == "rho") & (A["rho"] == rho)]
        ax_a.plot(d["x"], d["y"], color=col, label=f"{rho:g}")
    ref = A[A["curve"] == "variance"]
    ax_a.plot(ref["x"], ref["y"], color="0.6", ls="--", label=r"variance $h_t$")
    memory_axis(ax_a)
    ax_a.set_ylabel(r"$\mathbb{E}[(\mathrm{d}_\lambda h_t)^2]$")
    ax_a.set_title(r"Sensitivity $\mathrm{d}_\lambda h_t$")
    h, lab = ax_a.get_legend_handles_labels()
    leg_a.axis("off")
    leg_a.legend(h, lab, title=r"$\rho$", loc="center left", handlelength=1.2, borderaxespad=0)

    cols = lam_star_colors(p["lambda_stars"])
    B, Cc = data["B"], data["C"]
    for ls_, col in zip(p["lambda_stars"], cols):
        d = B[B["lam_star"] == ls_]
        y = d["loss"].where(d["loss"] > 0)
        ax_b.plot(d["lam"], y, color=col)
        d = Cc[Cc["lam_star"] == ls_]
        y = d["loss"].where(d["loss"] > 0)
        ax_c.plot(d["theta"], y, color=col, label=f"{ls_:.2f}")
    ax_b.set_xlim(0, 1.02)
    ax_b.set_yscale("log")
    ax_b.set_xlabel(r"$\lambda$")
    ax_b.set_ylabel("Loss")
    ax_b.set_title("Loss vs magnitude")
    ax_c.set_yscale("log")
    ax_c.set_xticks([-np.pi, 0, np.pi])
    ax_c.set_xticklabels([r"$-\pi$", "0", r"$\pi$"])
    ax_c.set_xlabel(r"$\theta - \theta^*$")
    ax_c.set_title("Loss vs angle")
    h, lab = ax_c.get_legend_handles_labels()
    leg_c.axis("off")
    leg_c.legend(h, lab, title=r"$\lambda^*$", loc="center left", handlelength=1.2, borderaxespad=0)
    fig.tight_layout(w_pad=0.3)
    style.panel_letters([ax_a, ax_b, ax_c], x=-0.2)  # the caption's A, B, C
    tier = style.theory_tier(
        smk.params.tier, p, smk.config.get("theory"), ("rhos", "lambda_stars", "fig1_points")
    )
    style.save(fig, smk.output.pdf, data=data, tier=tier)  # theory: stamped only if reduced


with snakemake_log(snakemake):
    main(snakemake)
