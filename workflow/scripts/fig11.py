"""Rule `fig11`, Fig 11: final loss vs number of heads (left); the effective lr ("Mean LR",
METHODS §1.5) of the recurrent matrix A over training at each head count's best lr (right).  In a
reduced tier the paper-tier reference run's losses are drawn beside this run's as hollow markers;
a head count whose every seed diverged is a cross at the top of the left panel.  Panels and
colours: ``curse_of_memory.figures.FIG11``.

input.best / input.history (the fig11 tables), input.reference -> output.pdf (+ .png and the
plotted numbers fig11_{left,right}.csv beside it, one row per point with its ``source``)."""

import matplotlib as mpl
import numpy as np
import pandas as pd

from curse_of_memory import figures
from curse_of_memory import published as P
from curse_of_memory.plotting import overlay, style
from curse_of_memory.plotting.axes import quiet_minor_labels
from curse_of_memory.plotting.sources import PUBLISHED, REFERENCE, THIS_RUN, rows, stack
from curse_of_memory.runlog import snakemake_log

COLOR = style.COLORS[figures.FIG11.panel("left").series[0].color]  # every head count
COLORMAP = figures.FIG11.panel("right").colormap  # one colour per head count

COLUMNS = [
    "heads",
    "cell",
    "lr",
    "mean",
    "sem",
    "median",
    "n_seeds",
    "n_diverged_total",
    "flagged",
    "edge",
]


def heads(cell):
    return int(str(cell).split("-")[-1])


def a_column(history):
    cols = [c for c in history.columns if c.startswith("elr_")]
    for name in ("elr_A", "elr_a", "elr_W"):
        if name in cols:
            return name
    cols = [c for c in cols if c[4:].lower().startswith("a")]
    return cols[0] if cols else None


def read_tables(paths, columns):
    """The tables at ``paths`` in one (an empty table with ``columns`` when there are none)."""
    return (
        pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
        if paths
        else pd.DataFrame(columns=columns)
    )


def loss_panel(ax, best, ref, pub):
    """Left: final loss against heads (this run, crosses at the top where every seed diverged,
    the reference, the published readings as grey crosses); returns the all-diverged mask of
    ``best``."""
    ax.plot(best["heads"], best["mean"], color="0.6", lw=0.75, zorder=1)
    ax.errorbar(
        best["heads"],
        best["mean"],
        yerr=best["sem"].fillna(0),
        marker="o",
        markersize=2.5,
        ls="none",
        color=COLOR,
        elinewidth=0.5,
        zorder=2,
    )
    dead = overlay.all_diverged(best)
    overlay.diverged(ax, best["heads"].to_numpy(float)[dead], COLOR)
    if "median" in best:
        overlay.median(ax, best["heads"], best["median"], COLOR)
    overlay.reference(ax, ref["heads"], ref["mean"], COLOR)
    overlay.published(ax, pub["x"], pub["published"])
    if ax.get_legend_handles_labels()[0]:  # above the panel: the points fill the axes
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), borderaxespad=0, fontsize=5)
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 2, 4, 8, 16, 32])
    ax.set_xticklabels(["1", "2", "4", "8", "16", "32"])
    ax.minorticks_off()
    if np.isfinite(pd.concat([best["mean"], ref["mean"]]).astype(float)).any():
        ax.set_yscale("log")
        quiet_minor_labels(ax)
    ax.set_xlabel("Number of heads")
    ax.set_ylabel("Final loss")
    return dead


def elr_panel(ax, best, hist, pub):
    """Right: the effective lr of A over training at each head count's best lr, and the
    published readings near epoch 50 as crosses in each head count's colour; returns the
    plotted curves."""
    col = a_column(hist)
    curves = []
    cmap = mpl.colormaps[COLORMAP]
    for i, (_, r) in enumerate(best.iterrows()):
        color = cmap(i / max(1, len(best) - 1))
        p = pub[np.isclose(pub["x"], r["heads"])]
        overlay.published(ax, np.full(len(p), 50.0), p["published"], color, legend=False)
        if col is None or not np.isfinite(r["lr"]):
            continue
        d = hist[(hist["cell"] == r["cell"]) & np.isclose(hist["lr"], r["lr"])].sort_values("epoch")
        ax.plot(d["epoch"], d[col], color=color, label=str(r["heads"]))
        curves.append(
            pd.DataFrame(
                {
                    "heads": r["heads"],
                    "lr": r["lr"],
                    "epoch": d["epoch"],
                    "elr_A": d[col],
                    "loss_mean": d["loss_mean"],
                }
            )
        )
    if curves:
        ax.set_yscale("log")
        quiet_minor_labels(ax)
        ax.legend(title="Heads", loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Effective lr of A")
    return curves


def main(smk):
    best = read_tables(smk.input.best, ["cell", "lr", "mean", "sem"])
    hist = read_tables(smk.input.history, ["cell", "lr", "epoch"])
    best = best.assign(heads=[heads(c) for c in best["cell"]]).sort_values("heads")
    ref = read_tables(smk.input.reference, ["cell", "lr", "mean", "sem"])
    ref = ref.assign(heads=[heads(c) for c in ref["cell"]]).sort_values("heads")

    readings = P.load(smk.input.readings)
    pub_l = P.points(readings, "11", "left")
    pub_r = P.points(readings, "11", "right", "effective_lr_A_epoch50")

    fig, (ax_l, ax_r) = style.figure(3.5, 1.35, ncols=2)
    dead = loss_panel(ax_l, best, ref, pub_l)
    curves = elr_panel(ax_r, best, hist, pub_r)
    fig.tight_layout()
    parts = [rows(THIS_RUN, best.reindex(columns=COLUMNS)).assign(all_diverged=dead)]
    if len(ref):
        theirs = rows(REFERENCE, ref.reindex(columns=COLUMNS))
        parts.append(theirs.assign(all_diverged=overlay.all_diverged(ref)))
    parts.append(rows(PUBLISHED, {"heads": pub_l["x"], "mean": pub_l["published"]}))
    left = stack(parts)
    right = stack(curves, ["heads", "lr", "epoch", "elr_A"])
    right = stack(
        [
            rows(THIS_RUN, right),
            rows(PUBLISHED, {"heads": pub_r["x"], "epoch": 50, "elr_A": pub_r["published"]}),
        ]
    )
    style.save(fig, smk.output.pdf, data={"left": left, "right": right}, tier=smk.params.tier)


with snakemake_log(snakemake):
    main(snakemake)
