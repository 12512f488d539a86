"""Rule `fig_optimizers`, the optimizer study: final loss vs nu0, one panel per architecture
(dense RNN, 2x2 block-diagonal RNN, LRU), one line per optimizer (panels, order, labels and
colours: ``curse_of_memory.figures.FIG_OPTIMIZERS``), mean +- SEM at each optimizer's
best lr (METHODS §1.6 aggregation: an lr with a diverged seed is not eligible).  Open markers: no
eligible lr (published NaN-skipping mean); a point where every run diverged is left out (and
marked x at the top of the panel).  Where the paper-tier reference run holds the study and this
run is a reduced tier, its points are drawn beside this run's as hollow markers on dotted lines.
At the paper scale (the reference, or this run at tier=paper) a point whose best lr is the
largest (smallest) value of the cell's paper grid carries a small triangle pointing up (down): the
optimum may lie outside the grid.  Works with whatever cells the tier configured (none: empty
panels).

input.best (the optimizers best-lr tables), input.reference (the reference's, if shipped),
input.provenance (the reference's provenance.json, if it holds the study) ->
output.pdf (+ .png and fig_optimizers.csv beside it, one row per plotted point with its
``source``), output.table (this run's best-lr / divergence table), output.reference_table (the
same at paper scale, from the reference), output.extension (the grid-edge rule's before/after
at the paper's scale; empty when the reference records no retrain of the study's cells) and
output.numbers (the numbers the paper section quotes; ``Ref``-prefixed: the reference's)."""

from pathlib import Path

import numpy as np
import pandas as pd

from curse_of_memory.claims import optimizers as co
from curse_of_memory.figures import FIG_OPTIMIZERS
from curse_of_memory.io import write_text
from curse_of_memory.plotting import overlay, style
from curse_of_memory.plotting.axes import quiet_minor_labels
from curse_of_memory.plotting.sources import REFERENCE, THIS_RUN, rows, stack
from curse_of_memory.provenance import read_provenance
from curse_of_memory.runlog import snakemake_log

FIG3_TICKS = [0.36, 0.84, 0.96, 0.99]
EDGE_LABEL = "best lr at the paper grid's top / bottom edge"


def _edge_marks(ax, d, color):
    """Triangles above (top edge) or below (bottom edge) the points of ``d`` whose best lr is at
    an edge of the cell's paper grid (column ``edge_side``: "top" | "bottom" | "")."""
    if "edge_side" not in d:
        return
    for side, marker, offset in (("top", "^", 1.6), ("bottom", "v", 1 / 1.6)):
        e = d[(d["edge_side"] == side) & np.isfinite(d["loss"])]
        if len(e):
            ax.plot(e["x"], e["loss"] * offset, ls="none", marker=marker, ms=2.5, mew=0.5,
                    mfc="none", mec=color, zorder=4)  # fmt: skip


def plot(c: pd.DataFrame, path, tier=None, ref: pd.DataFrame | None = None):
    """Draw the three panels from :func:`co.curves` rows (``ref``: the reference's, drawn beside)
    and save (PDF, PNG, CSV of the plotted rows with their source)."""
    panels = FIG_OPTIMIZERS.panels  # one per architecture, one series per optimizer
    fig, axes = style.figure(5.5, 1.6, ncols=len(panels), sharey=True)
    both = pd.concat([c, ref]) if ref is not None and len(ref) else c
    nus = sorted(both["nu0"].unique()) if len(both) else FIG3_TICKS
    ticks = nus if len(nus) <= 4 else FIG3_TICKS
    edges = False
    for ax, panel in zip(axes, panels):
        arch = panel.name
        ax.set_title(panel.title)
        for series in panel.series:
            opt, label, color = series.key, series.label, style.COLORS[series.color]
            d = c[(c["arch"] == arch) & (c["optimizer"] == opt)].sort_values("nu0")
            if len(d):
                ok = d[~d["all_diverged"]]
                ax.plot(ok["x"], ok["loss"], color=color, lw=0.8, label=label)
                for _, r in ok.iterrows():
                    overlay.seed_mean(ax, r["x"], r["loss"], r["sem"], color,
                                      mfc="white" if r["flagged"] else color)  # fmt: skip
                overlay.diverged(ax, d.loc[d["all_diverged"], "x"], color)
                if tier == "paper":
                    _edge_marks(ax, d, color)
                    edges |= bool(d.get("edge_side", pd.Series(dtype=object)).ne("").any())
            if ref is not None:
                r = ref[(ref["arch"] == arch) & (ref["optimizer"] == opt)].sort_values("nu0")
                if len(r):
                    overlay.reference(ax, r["x"], r["loss"], color, markersize=2.5)
                    _edge_marks(ax, r, color)
                    edges |= bool(r.get("edge_side", pd.Series(dtype=object)).ne("").any())
        ax.set_xticks(co.x_of(ticks))
        ax.set_xticklabels([f"{v:g}" for v in ticks])
        ax.set_xlim(-0.4, 6.4)
        ax.set_xlabel(r"$\nu_0$")
    axes[0].set_ylabel("Final loss")
    if len(both) and np.isfinite(both["loss"]).any():
        for ax in axes:
            ax.set_yscale("log")
        quiet_minor_labels(axes[0])
    if edges:
        axes[0].plot([], [], ls="none", marker="^", ms=2.5, mfc="none", mec="0.3", label=EDGE_LABEL)
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        axes[-1].legend(
            handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), handlelength=1.2
        )
    fig.tight_layout()
    parts = [rows(THIS_RUN, c)] + ([rows(REFERENCE, ref)] if ref is not None else [])
    style.save(fig, path, data=stack(parts), tier=tier)


def _curves(paths, grids) -> pd.DataFrame:
    frames = [pd.read_parquet(p) for p in paths]
    best = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=co.BEST_COLUMNS)
    return co.edge_sides(co.curves(best), grids)


def main(smk):
    paper_grids = smk.params.paper_grids
    c = _curves(smk.input.best, paper_grids)
    ref = _curves(smk.input.reference, paper_grids) if smk.input.reference else None
    tier = smk.params.tier
    plot(c, smk.output.pdf, tier=tier, ref=ref)
    write_text(smk.output.table, co.lr_table(c, smk.params.grids, tier))
    write_text(
        smk.output.reference_table,
        co.lr_table(ref, paper_grids, "paper", reference=True) if ref is not None else "",
    )
    # the reference as it stands: drawn beside this run, or this run itself (runs=reference)
    prov = read_provenance(Path(smk.input.provenance[0]).parent) if smk.input.provenance else None
    write_text(smk.output.extension, co.extension_tex(prov, ref if ref is not None else c))
    defs = co.numbers(c)
    defs |= co.numbers(ref if ref is not None else c.iloc[:0], prefix="Ref")
    write_text(smk.output.numbers, co.numbers_tex(defs))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(c)
        if ref is not None:
            print(ref)


if "snakemake" in globals():  # not when a test imports plot()
    with snakemake_log(snakemake):
        main(snakemake)
