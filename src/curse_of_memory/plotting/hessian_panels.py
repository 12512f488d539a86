"""The three-row Hessian panels of METHODS §5 (Figs 4, 9, 10 top) and the effective-LR strip plots.

``hessian_column(axes, H, sizes, labels, pads)`` draws, in three stacked axes:

1. the matrix H on a RdBu SymLog scale (linthresh 1, linscale 1.75, symmetric ±max|H|), with NaN
   gaps (drawn white) of widths ``pads`` between parameter groups and the group labels on the top
   and left axes;
2. the top eigenvectors (eigh, descending eigenvalue) as rows, with the same gaps, PRGn on [−1, 1];
3. the sorted eigenvalues on a log y axis from 1e−8 to 10 × the largest (or ``eig_top``).

Labels are taken from the caller's explicit group order (METHODS §7 item 14), never from a sorted
parameter dict.  ``strip(ax, groups, base_lr)`` draws log10 of per-entry effective learning rates
per group, counting (and annotating) entries with e ≤ 0 that a log axis cannot show.

This module only draws: eigen-decompositions, effective learning rates, the probe ceiling and the
tidy tables of plotted numbers come from :mod:`curse_of_memory.hessian`.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np

from curse_of_memory import figures
from curse_of_memory import hessian as hs
from curse_of_memory.plotting import overlay, style
from curse_of_memory.plotting.sources import PUBLISHED, REFERENCE, THIS_RUN, rows

EIG_FLOOR = 1e-8


def _cmap(name: str):
    return plt.get_cmap(name).with_extremes(bad="white")


def hessian_column(
    axes: Sequence,
    H,
    sizes: Sequence[int],
    labels: Sequence[str],
    pads: Sequence[int],
    *,
    n_vecs: int = 10,
    eig_top: float | None = None,
    title: str | None = None,
    colorbar: bool = True,
) -> dict:
    """Draw one model's column (matrix, top eigenvectors, spectrum) into ``axes`` (3 axes).

    Returns the plotted numbers: ``eigvals`` (descending), ``eigvecs`` (rows, top ``n_vecs``),
    ``vmax`` (the colour-scale limit) and ``eig_ylim``.
    """
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] != sum(sizes):
        raise ValueError(f"H of shape {H.shape} does not match group sizes summing to {sum(sizes)}")
    if len(labels) != len(sizes):
        raise ValueError(f"{len(labels)} labels for {len(sizes)} groups")
    ax_h, ax_v, ax_e = axes
    w, vecs = hs.eig_desc(H)
    k = min(n_vecs, len(w))
    vmax = float(np.abs(H).max()) or 1.0

    # 1. the matrix
    Hp, centres = hs.padded(H, sizes, pads)
    norm = mcolors.SymLogNorm(linthresh=1.0, linscale=1.75, vmin=-vmax, vmax=vmax, base=10)
    im = ax_h.imshow(Hp, cmap=_cmap("RdBu"), norm=norm, interpolation="nearest", aspect="auto")
    ax_h.set_xticks(centres)
    ax_h.set_xticklabels(labels, rotation=90 if len(labels) > 4 else 0)
    ax_h.set_yticks(centres)
    ax_h.set_yticklabels(labels)
    ax_h.xaxis.tick_top()
    ax_h.tick_params(length=0, pad=1.5)
    for side in ax_h.spines.values():
        side.set_visible(False)
    if title:
        ax_h.set_title(title, pad=14 if len(labels) <= 4 else 18)
    if colorbar:
        cb = plt.colorbar(im, ax=ax_h, fraction=0.05, pad=0.02)
        cb.ax.tick_params(labelsize=4, length=1.5, width=0.4)
        cb.outline.set_linewidth(0.3)
        ticks = [
            t
            for t in (-vmax, -1e3, -1, 0, 1, 1e3, vmax)
            if abs(t) <= vmax and (abs(t) == vmax or abs(t) < vmax / 10 or t == 0)
        ]
        cb.set_ticks(sorted(set(ticks)))
        cb.ax.set_yticklabels([_fmt(t) for t in sorted(set(ticks))])

    # 2. the top eigenvectors
    Vp, _ = hs.padded(vecs[:k], sizes, pads, axes=(1,))
    im_v = ax_v.imshow(
        Vp, cmap=_cmap("PRGn"), vmin=-1, vmax=1, interpolation="nearest", aspect="auto"
    )
    ax_v.set_xticks([])
    ax_v.set_yticks([0, k - 1])
    ax_v.set_yticklabels(["1", str(k)])
    ax_v.set_ylabel("Top eigvec.", labelpad=1)
    ax_v.tick_params(length=0, pad=1)
    for side in ax_v.spines.values():
        side.set_visible(False)
    if colorbar:
        cb = plt.colorbar(im_v, ax=ax_v, fraction=0.05, pad=0.02, ticks=[-1, 0, 1])
        cb.ax.tick_params(labelsize=4, length=1.5, width=0.4)
        cb.outline.set_linewidth(0.3)

    # 3. the spectrum
    top = float(eig_top) if eig_top is not None else float(max(w[0], EIG_FLOOR))
    idx = np.arange(1, len(w) + 1)
    ax_e.semilogy(idx, np.where(w > 0, w, np.nan), ".", ms=2, color="k")
    ax_e.set_ylim(EIG_FLOOR, 10 * top)
    ax_e.set_xlim(0, len(w) + 1)
    ax_e.set_xlabel("Index eigenvalue", labelpad=1)
    ax_e.minorticks_off()
    ax_e.set_yticks([t for t in 10.0 ** np.arange(-8, 13, 4) if t <= 10 * top])
    return {"eigvals": w, "eigvecs": vecs[:k], "vmax": vmax, "eig_ylim": (EIG_FLOOR, 10 * top)}


def _fmt(t: float) -> str:
    if t == 0:
        return "0"
    e = int(np.floor(np.log10(abs(t))))
    m = abs(t) / 10**e
    sign = "-" if t < 0 else ""
    if abs(m - 1) < 1e-9:
        return f"{sign}$10^{{{e}}}$"
    return f"{sign}{m:.1f}e{e}"


def strip(
    ax,
    groups: Sequence[tuple[str, np.ndarray]],
    base_lr: float,
    *,
    seed: int = 0,
    jitter: dict | float = 0.06,
    color: str = style.COLORS["strip"],
    size: float = 0.8,
    ylim: tuple[float, float] | None = None,
) -> list[dict]:
    """Strip plot of log10(e) per group at x = group index + N(0, jitter) (METHODS §5 Fig 4 bottom).

    ``groups``: (label, per-entry effective lrs) in plotting order; ``jitter``: one std for all
    groups or {label: std} (default 0.06).  Entries with e ≤ 0 (or non-finite) cannot be shown on
    the log axis: they are counted, annotated above the group as "k≤0", and returned.
    Returns one summary dict per group.
    """
    rng = np.random.default_rng(seed)
    out = []
    for i, (label, e) in enumerate(groups):
        e = np.asarray(e, dtype=np.float64).reshape(-1)
        ok = np.isfinite(e) & (e > 0)
        sd = jitter.get(label, 0.06) if isinstance(jitter, dict) else float(jitter)
        xs = i + rng.normal(0.0, sd, size=e.size)
        ax.scatter(xs[ok], np.log10(e[ok]), s=size, color=color, linewidths=0, rasterized=False)
        stats = hs.log10_summary(e)
        if stats["n_nonpos"]:
            ax.annotate(
                f"{stats['n_nonpos']}≤0",
                (i, 1.0),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="bottom",
                fontsize=4.5,
                color=style.COLORS["warning"],
            )
        out.append({"group": label, "x": i, **stats, "jitter_x": xs})
    ax.axhline(np.log10(base_lr), color="0.6", lw=0.6, zorder=0)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g[0] for g in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_ylabel(r"$\log_{10}$ eff. lr")
    return out


# ------------------------------------------------------------------------------------------------
# Figure assembly (Figs 4, 9, 10) and the plotted numbers as tidy tables
# ------------------------------------------------------------------------------------------------


def hessian_columns(
    fig,
    models: Sequence[dict],
    *,
    eig_top: float | None = None,
    n_vecs: int = 10,
    height_ratios=(3, 1, 1),
    wspace: float = 0.45,
    hspace: float = 0.3,
) -> dict:
    """One three-row column per model dict (H, sizes, labels, pads, title, key) in ``fig``
    (a Figure or SubFigure).  Returns {"hessian", "spectrum", "eigvecs"} tidy DataFrames."""
    import pandas as pd

    gs = fig.add_gridspec(
        3, len(models), height_ratios=list(height_ratios), wspace=wspace, hspace=hspace
    )
    top = (
        eig_top
        if eig_top is not None
        else max(
            float(np.max(m["eigvals"] if "eigvals" in m else np.linalg.eigvalsh(m["H"])))
            for m in models
        )
    )
    rows_h, rows_s, rows_v = [], [], []
    for j, m in enumerate(models):
        axes = [fig.add_subplot(gs[i, j]) for i in range(3)]
        out = hessian_column(
            axes,
            m["H"],
            m["sizes"],
            m["labels"],
            m["pads"],
            n_vecs=n_vecs,
            eig_top=top,
            title=m.get("title"),
        )
        if j > 0:
            axes[1].set_ylabel("")
        tables = hs.hessian_tables(
            m["key"],
            m["H"],
            m["groups"],
            m["sizes"],
            out["eigvals"],
            out["eigvecs"],
            floor=EIG_FLOOR,
        )
        rows_h.append(tables["hessian"])
        rows_s.append(tables["spectrum"])
        rows_v.append(tables["eigvecs"])
    return {
        "hessian": pd.concat(rows_h, ignore_index=True),
        "spectrum": pd.concat(rows_s, ignore_index=True),
        "eigvecs": pd.concat(rows_v, ignore_index=True),
    }


def strip_rows(fig, runs: Sequence[dict], *, ylim=None, hspace: float = 0.55) -> dict:
    """One strip-plot row per run dict: key, title, groups [(name, label, e)], lr, step (or None),
    jitter ({name: std}), missing (a note drawn instead when the run is absent).

    Returns {"elr": per-entry table, "elr_summary": per-group table}."""
    import pandas as pd

    axes = fig.subplots(len(runs), 1, gridspec_kw={"hspace": hspace})
    axes = np.atleast_1d(axes)
    entries, summary = [], []
    for ax, run in zip(axes, runs):
        ax.set_title(run["title"], pad=10)
        if run.get("missing"):
            ax.text(
                0.5,
                0.5,
                run["missing"],
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=5,
                color="0.4",
                wrap=True,
            )
            ax.axis("off")
            continue
        labels = [(g[1], g[2]) for g in run["groups"]]
        jit = {g[1]: run.get("jitter", {}).get(g[0], 0.06) for g in run["groups"]}
        res = strip(ax, labels, run["lr"], jitter=jit, ylim=ylim, seed=run.get("seed", 0))
        for (name, label, e), r in zip(run["groups"], res):
            entries.append(
                pd.DataFrame(
                    {"model": run["key"], "group": name, **hs.elr_entries(e), "x": r["jitter_x"]}
                )
            )
            summary.append(
                {
                    "model": run["key"],
                    "group": name,
                    **hs.elr_summary(e, run["lr"], run.get("step")),
                    "variant": run.get("variant", "default"),
                    "source": run.get("source", ""),
                }
            )
    elr_cols = ["model", "group", "entry", "e", "log10_e", "nonpos", "x"]
    sum_cols = [
        "model",
        "group",
        "n",
        "n_nonpos",
        "log10_min",
        "log10_median",
        "log10_max",
        "frac_below_base_lr",
        "frac_below_ceiling_over_10",
        "base_lr",
        "ceiling",
        "step",
        "variant",
        "source",
    ]
    return {
        "elr": pd.concat(entries, ignore_index=True) if entries else pd.DataFrame(columns=elr_cols),
        "elr_summary": pd.DataFrame(summary, columns=sum_cols),
    }


def draw_note(draw: str | None, what: str = "teacher and batch") -> str | None:
    """The stamp of a figure drawn from the second draw (``None`` for the paper's, "jax")."""
    if draw is None or str(draw) == "jax":
        return None
    return f"{what}: second draw ({draw}), not the paper's"


def stamp(fig, note: str | None) -> None:
    """Write ``note`` small in the bottom-left corner of ``fig`` (nothing for ``None``)."""
    if note:
        fig.text(
            0.005,
            0.005,
            note,
            ha="left",
            va="bottom",
            fontsize=4.5,
            color=style.COLORS["warning"],
            alpha=0.8,
        )


def hessian_and_strips(
    models: Sequence[dict],
    runs: Sequence[dict],
    *,
    eig_top=None,
    n_vecs: int = 10,
    size=(5.9, 3.0),
    width_ratios=(4.0, 1.9),
    note: str | None = None,
):
    """Figs 4 / 9: Hessian columns (left, 4 in wide) and effective-lr strip rows (right);
    ``note`` (e.g. :func:`draw_note`) is stamped in the bottom-left corner.

    Returns (figure, {name: DataFrame} of plotted numbers)."""
    style.use()
    fig = plt.figure(figsize=size)
    stamp(fig, note)
    left, right = fig.subfigures(1, 2, width_ratios=list(width_ratios), wspace=0.02)
    data = hessian_columns(left, models, eig_top=eig_top, n_vecs=n_vecs)
    present = [r for r in runs if not r.get("missing")]
    ylim = None
    if present:
        vals = np.concatenate(
            [np.asarray(g[2], float).ravel() for r in present for g in r["groups"]]
        )
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if vals.size:
            lo, hi = np.log10(vals.min()), np.log10(max(vals.max(), max(r["lr"] for r in present)))
            ylim = (np.floor(lo - 0.3), np.ceil(hi + 0.3))
    data.update(strip_rows(right, runs, ylim=ylim))
    return fig, data


#: strip-plot jitter per group (METHODS §5 Fig 4: 0.06, 0.1 for the dense A)
JITTER = {"A": 0.1}


def strip_run(
    key: str,
    title: str,
    model_spec: dict | None,
    final_path,
    *,
    variant="default",
    member: int = 0,
    missing: str | None = None,
) -> dict:
    """A run dict for :func:`strip_rows`: one member's effective lrs from a cell's final.pt
    (:func:`curse_of_memory.hessian.trained_elr`) with the plot jitter, or a 'missing'
    placeholder."""
    if final_path is None or model_spec is None:
        return {
            "key": key,
            "title": title,
            "missing": missing or "not trained in this tier",
            "variant": variant,
        }
    return {
        "key": key,
        "title": title,
        **hs.trained_elr(final_path, model_spec, member),
        "jitter": JITTER,
        "variant": variant,
    }


#: Fig 10 bottom: (model, label, colour) in drawing order, from curse_of_memory.figures.FIG10
FIG10_MODELS = tuple(
    (s.key, s.label, style.COLORS[s.color]) for s in figures.FIG10.panel("loss").series
)


def theta0_label(theta0: float) -> str:
    """π/100, π/10, π ... for θ0 = π/k; a decimal otherwise."""
    k = np.pi / float(theta0)
    if abs(k - round(k)) < 1e-6 * k:
        k = int(round(k))
        return r"$\pi$" if k == 1 else rf"$\pi/{k}$"
    return f"{theta0:.3g}"


def theory_models(theory: dict) -> list[dict]:
    """Model dicts for :func:`hessian_columns` from the Fig 10 theory data (one per θ0)."""
    out = []
    for i, t0 in enumerate(np.asarray(theory["theta0"], dtype=float)):
        H = np.asarray(theory["H"][i])
        n = H.shape[0] // 2
        out.append(
            {
                "key": f"theta0={t0:.6g}",
                "H": H,
                "sizes": [n, n],
                "pads": [1],
                "labels": [r"$\mathrm{Re}\,\lambda$", r"$\mathrm{Im}\,\lambda$"],
                "groups": ["lambda_re", "lambda_im"],
                "title": r"$\theta_0$ = " + theta0_label(t0),
            }
        )
    return out


def loss_vs_theta0(ax, table, remap: str, reference=None, published=None):
    """Fig 10 bottom: final loss (mean ± SEM over seeds, best lr) against θ0/π, log–log.

    Flagged points (no eligible lr: the published NaN-skipping rule picked them) are open markers;
    a point whose every seed diverged is a cross at the top; ``reference`` (the paper-tier reference
    run's table of the same format) is drawn as hollow markers on a dotted line; ``published``
    (readings of the paper's figure: columns series, x = θ0, published) as crosses in each model's
    colour.  Returns the plotted rows as a DataFrame, each with its ``source`` (this run, the
    reference, published) and, for the runs, ``origin``: the table's ``source`` (which experiment
    the row comes from, results/tables/fig10.parquet)."""
    import pandas as pd

    out = []
    sub = table[table["remap"] == remap]
    for model, label, color in FIG10_MODELS:
        d = sub[sub["model"] == model].sort_values("theta0")
        if d.empty:
            continue
        x = d["theta0"].to_numpy(float) / np.pi
        y = d["mean"].to_numpy(float)
        err = d["sem"].fillna(0).to_numpy(float) if "sem" in d else np.zeros_like(y)
        flagged = d["flagged"].to_numpy(bool) if "flagged" in d else np.zeros(len(d), bool)
        ax.errorbar(
            x,
            y,
            yerr=err,
            color=color,
            marker="o",
            ms=2,
            lw=1,
            elinewidth=0.5,
            capsize=0,
            label=label,
        )
        if flagged.any():
            ax.plot(x[flagged], y[flagged], "o", ms=3.5, mfc="white", mec=color, mew=0.6)
        med = d["median"].to_numpy(float) if "median" in d else np.full_like(y, np.nan)
        overlay.median(ax, x, med, color)
        dead = ~np.isfinite(y) & (
            d["n_diverged"].to_numpy(float) > 0 if "n_diverged" in d else True
        )
        overlay.diverged(ax, x[dead], color)
        keep = {c: c for c in ("lr", "n_seeds", "n_diverged") if c in d}
        keep |= {"source": "origin"} if "source" in d else {}
        out.append(
            rows(
                THIS_RUN,
                {
                    "model": model,
                    "remap": remap,
                    "theta0": d["theta0"].to_numpy(),
                    "theta0_over_pi": x,
                    "loss": y,
                    "sem": err,
                    "median": med,
                    "flagged": flagged,
                    "all_diverged": dead,
                    **{to: d[c].to_numpy() for c, to in keep.items()},
                },
                at=2,
            )
        )
        if reference is not None:
            r = reference[
                (reference["remap"] == remap) & (reference["model"] == model)
            ].sort_values("theta0")
            if len(r):
                rx = r["theta0"].to_numpy(float) / np.pi
                overlay.reference(ax, rx, r["mean"], color)
                out.append(
                    rows(
                        REFERENCE,
                        {
                            "model": model,
                            "remap": remap,
                            "theta0": r["theta0"].to_numpy(),
                            "theta0_over_pi": rx,
                            "loss": r["mean"].to_numpy(float),
                            "sem": r["sem"].to_numpy(float) if "sem" in r else np.nan,
                            "flagged": r["flagged"].to_numpy(bool) if "flagged" in r else False,
                            **{to: r[c].to_numpy() for c, to in keep.items() if c in r},
                        },
                        at=2,
                    )
                )
        p = published[published["series"] == model] if published is not None else None
        if p is not None and len(p):
            px = p["x"].to_numpy(float) / np.pi
            overlay.published(ax, px, p["published"], color)
            out.append(
                rows(
                    PUBLISHED,
                    {
                        "model": model,
                        "remap": remap,
                        "theta0": p["x"].to_numpy(float),
                        "theta0_over_pi": px,
                        "loss": p["published"].to_numpy(float),
                    },
                    at=2,
                )
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\theta_0/\pi$")
    ax.set_ylabel("Final loss")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def fig10(
    theory: dict,
    table,
    remap: str,
    *,
    n_vecs: int = 10,
    note: str | None = None,
    reference=None,
    published=None,
):
    """Fig 10 as one figure: theory λ-Hessians (top, 3 columns) and the training result (bottom).
    Returns (figure, {name: DataFrame})."""
    style.use()
    fig = plt.figure(figsize=(5.5, 4.7))
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.2, 1.5], hspace=0.02)
    data = hessian_columns(top, theory_models(theory), n_vecs=n_vecs, wspace=0.5)
    ax = bottom.add_axes([0.12, 0.3, 0.31, 0.6])  # ≈ 1.7 × 0.9 in
    data["loss"] = loss_vs_theta0(ax, table, remap, reference, published)
    rho = float(theory.get("rho", np.nan))
    draw = str(theory["draw"]) if "draw" in theory else None
    stamp(fig, draw_note(draw, "top: networks"))
    bottom.text(
        0.62,
        0.55,
        f"Top: Gauss–Newton Hessian (theory), ρ = {rho:g}\n"
        f"Bottom: training, remap = {remap}" + (f"\n{note}" if note else ""),
        fontsize=5,
        va="center",
        ha="left",
        color="0.25",
        wrap=True,
    )
    return fig, data
