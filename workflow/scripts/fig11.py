"""Fig 11: final loss vs number of heads (left); the effective lr ("Mean LR", METHODS §1.5) of the
recurrent matrix A over training at each head count's best lr (right).  In a reduced tier the
paper-tier reference run's losses are drawn beside this run's as hollow markers; a head count
whose every seed diverged is a cross at the top of the left panel."""

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from curse_of_memory.plotting import overlay, style
from curse_of_memory.runlog import snakemake_log


def heads(cell):
    return int(str(cell).split("-")[-1])


def a_column(history):
    cols = [c for c in history.columns if c.startswith("elr_")]
    for name in ("elr_A", "elr_a", "elr_W"):
        if name in cols:
            return name
    cols = [c for c in cols if c[4:].lower().startswith("a")]
    return cols[0] if cols else None


def quiet_minor_labels(ax):
    """Hide minor tick labels of a log axis when it spans at least one decade (major labels exist)."""
    low, high = ax.get_ylim()
    if low > 0 and high / low >= 10:
        ax.yaxis.set_minor_formatter(NullFormatter())


with snakemake_log(snakemake):
    best = (
        pd.concat([pd.read_parquet(p) for p in snakemake.input.best], ignore_index=True)
        if snakemake.input.best
        else pd.DataFrame(columns=["cell", "lr", "mean", "sem"])
    )
    hist = (
        pd.concat([pd.read_parquet(p) for p in snakemake.input.history], ignore_index=True)
        if snakemake.input.history
        else pd.DataFrame(columns=["cell", "lr", "epoch"])
    )
    best = best.assign(heads=[heads(c) for c in best["cell"]]).sort_values("heads")

    fig, (ax_l, ax_r) = style.figure(3.5, 1.35, ncols=2)
    ax_l.plot(best["heads"], best["mean"], color="0.6", lw=0.75, zorder=1)
    ax_l.errorbar(
        best["heads"],
        best["mean"],
        yerr=best["sem"].fillna(0),
        marker="o",
        markersize=2.5,
        ls="none",
        color=style.COLORS["rnn"],
        elinewidth=0.5,
        zorder=2,
    )
    dead = overlay.all_diverged(best)
    overlay.diverged(ax_l, best["heads"].to_numpy(float)[dead], style.COLORS["rnn"])
    refs = [pd.read_parquet(p) for p in snakemake.input.reference]
    ref = (
        pd.concat(refs, ignore_index=True)
        if refs
        else pd.DataFrame(columns=["cell", "lr", "mean", "sem"])
    )
    ref = ref.assign(heads=[heads(c) for c in ref["cell"]]).sort_values("heads")
    overlay.reference(ax_l, ref["heads"], ref["mean"], style.COLORS["rnn"])
    if ax_l.get_legend_handles_labels()[0]:
        ax_l.legend(loc="lower left")
    ax_l.set_xscale("log", base=2)
    ax_l.set_xticks([1, 2, 4, 8, 16, 32])
    ax_l.set_xticklabels(["1", "2", "4", "8", "16", "32"])
    ax_l.minorticks_off()
    if np.isfinite(pd.concat([best["mean"], ref["mean"]]).astype(float)).any():
        ax_l.set_yscale("log")
        quiet_minor_labels(ax_l)
    ax_l.set_xlabel("Number of heads")
    ax_l.set_ylabel("Final loss")

    col = a_column(hist)
    curves = []
    cmap = mpl.colormaps["viridis"]
    for i, (_, r) in enumerate(best.iterrows()):
        if col is None or not np.isfinite(r["lr"]):
            continue
        d = hist[(hist["cell"] == r["cell"]) & np.isclose(hist["lr"], r["lr"])].sort_values("epoch")
        color = cmap(i / max(1, len(best) - 1))
        ax_r.plot(d["epoch"], d[col], color=color, label=str(r["heads"]))
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
        ax_r.set_yscale("log")
        quiet_minor_labels(ax_r)
        ax_r.legend(title="Heads", loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax_r.set_xlabel("Epoch")
    ax_r.set_ylabel("Effective lr of A")
    fig.tight_layout()
    cols = ["heads", "cell", "lr", "mean", "sem", "n_seeds", "n_diverged_total", "flagged", "edge"]
    left = best[cols].assign(source="this run", all_diverged=dead)
    if len(ref):
        left = pd.concat(
            [
                left,
                ref[cols].assign(
                    source="paper-tier reference", all_diverged=overlay.all_diverged(ref)
                ),
            ],
            ignore_index=True,
        )
    right = (
        pd.concat(curves, ignore_index=True)
        if curves
        else pd.DataFrame(columns=["heads", "lr", "epoch", "elr_A"])
    )
    style.save(
        fig, snakemake.output.pdf, data={"left": left, "right": right}, tier=snakemake.params.tier
    )
