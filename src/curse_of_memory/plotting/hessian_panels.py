"""The three-row Hessian panels of SPEC §5 (Figs 4, 9, 10 top) and the effective-LR strip plots.

``hessian_column(axes, H, sizes, labels, pads)`` draws, in three stacked axes:

1. the matrix H on a RdBu SymLog scale (linthresh 1, linscale 1.75, symmetric ±max|H|), with NaN
   gaps (drawn white) of widths ``pads`` between parameter groups and the group labels on the top
   and left axes;
2. the top eigenvectors (eigh, descending eigenvalue) as rows, with the same gaps, PRGn on [−1, 1];
3. the sorted eigenvalues on a log y axis from 1e−8 to 10 × the largest (or ``eig_top``).

Labels are taken from the caller's explicit group order (SPEC §7 item 14), never from a sorted
parameter dict.  ``strip(ax, groups, base_lr)`` draws log10 of per-entry effective learning rates per
group, counting (and annotating) entries with e ≤ 0 that a log axis cannot show.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np

from curse_of_memory.analysis.hessian import eig_desc, padded

EIG_FLOOR = 1e-8


def _cmap(name: str):
    cmap = plt.get_cmap(name).copy()
    cmap.set_bad("white")
    return cmap


def hessian_column(axes: Sequence, H, sizes: Sequence[int], labels: Sequence[str],
                   pads: Sequence[int], *, n_vecs: int = 10, eig_top: float | None = None,
                   title: str | None = None, colorbar: bool = True) -> dict:
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
    w, vecs = eig_desc(H)
    k = min(n_vecs, len(w))
    vmax = float(np.abs(H).max()) or 1.0

    # 1. the matrix
    Hp, centres = padded(H, sizes, pads)
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
        ticks = [t for t in (-vmax, -1e3, -1, 0, 1, 1e3, vmax)
                 if abs(t) <= vmax and (abs(t) == vmax or abs(t) < vmax / 10 or t == 0)]
        cb.set_ticks(sorted(set(ticks)))
        cb.ax.set_yticklabels([_fmt(t) for t in sorted(set(ticks))])

    # 2. the top eigenvectors
    Vp, _ = padded(vecs[:k], sizes, pads, axes=(1,))
    im_v = ax_v.imshow(Vp, cmap=_cmap("PRGn"), vmin=-1, vmax=1, interpolation="nearest",
                       aspect="auto")
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


def strip(ax, groups: Sequence[tuple[str, np.ndarray]], base_lr: float, *, seed: int = 0,
          jitter: dict | float = 0.06, color: str = "#2970B1", size: float = 0.8,
          ylim: tuple[float, float] | None = None) -> list[dict]:
    """Strip plot of log10(e) per group at x = group index + N(0, jitter) (SPEC §5 Fig 4 bottom).

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
        n_bad = int((~ok).sum())
        if n_bad:
            ax.annotate(f"{n_bad}≤0", (i, 1.0), xycoords=("data", "axes fraction"), ha="center",
                        va="bottom", fontsize=4.5, color="#B22222")
        le = np.log10(e[ok]) if ok.any() else np.array([np.nan])
        out.append({"group": label, "x": i, "n": int(e.size), "n_nonpos": n_bad,
                    "log10_min": float(np.nanmin(le)), "log10_median": float(np.nanmedian(le)),
                    "log10_max": float(np.nanmax(le)), "jitter_x": xs})
    ax.axhline(np.log10(base_lr), color="0.6", lw=0.6, zorder=0)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g[0] for g in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_ylabel(r"$\log_{10}$ eff. lr")
    return out
