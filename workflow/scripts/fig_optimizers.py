"""Rule `fig_optimizers`, the optimizer study: final loss vs nu0, one panel per architecture
(dense RNN, 2x2 block-diagonal RNN, LRU), one line per optimizer, mean +- SEM at each optimizer's
best lr (METHODS §1.6 aggregation: an lr with a diverged seed is not eligible).  Open markers: no
eligible lr (published NaN-skipping mean); a point where every run diverged is left out (and
marked x at the top of the panel).  Works with whatever cells the tier configured (none: empty
panels).

input.best (the optimizers best-lr tables) -> output.pdf (+ .png and fig_optimizers.csv beside
it), output.table (the best-lr / divergence table) and output.numbers (the numbers the paper
section quotes)."""

import numpy as np
import pandas as pd

from curse_of_memory.claims import optimizers as co
from curse_of_memory.io import write_text
from curse_of_memory.plotting import style
from curse_of_memory.plotting.axes import quiet_minor_labels
from curse_of_memory.runlog import snakemake_log

FIG3_TICKS = [0.36, 0.84, 0.96, 0.99]


def plot(c: pd.DataFrame, path, tier=None):
    """Draw the three panels from :func:`co.curves` rows and save (PDF, PNG, CSV of ``c``)."""
    fig, axes = style.figure(5.5, 1.6, ncols=len(co.ARCHS), sharey=True)
    nus = sorted(c["nu0"].unique()) if len(c) else FIG3_TICKS
    ticks = nus if len(nus) <= 4 else FIG3_TICKS
    for ax, (arch, title) in zip(axes, co.ARCHS.items()):
        ax.set_title(title)
        for opt, label in co.OPTIMIZERS.items():
            d = c[(c["arch"] == arch) & (c["optimizer"] == opt)].sort_values("nu0")
            if d.empty:
                continue
            color = co.COLORS[opt]
            ok = d[~d["all_diverged"]]
            ax.plot(ok["x"], ok["loss"], color=color, lw=0.8, label=label)
            for _, r in ok.iterrows():
                ax.errorbar(
                    r["x"],
                    r["loss"],
                    yerr=0 if not np.isfinite(r["sem"]) else r["sem"],
                    marker="o",
                    markersize=2,
                    color=color,
                    elinewidth=0.5,
                    capsize=0,
                    mfc="white" if r["flagged"] else color,
                )
            dead = d[d["all_diverged"]]
            if len(dead):
                ax.plot(
                    dead["x"],
                    [0.97] * len(dead),
                    "x",
                    color=color,
                    markersize=3,
                    transform=ax.get_xaxis_transform(),
                    clip_on=False,
                )
        ax.set_xticks(co.x_of(ticks))
        ax.set_xticklabels([f"{v:g}" for v in ticks])
        ax.set_xlim(-0.4, 6.4)
        ax.set_xlabel(r"$\nu_0$")
    axes[0].set_ylabel("Final loss")
    if len(c) and np.isfinite(c["loss"]).any():
        for ax in axes:
            ax.set_yscale("log")
        quiet_minor_labels(axes[0])
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
    style.save(fig, path, data=c, tier=tier)


def main(smk):
    frames = [pd.read_parquet(p) for p in smk.input.best]
    best = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=co.BEST_COLUMNS)
    c = co.curves(best)
    tier = smk.params.tier
    plot(c, smk.output.pdf, tier=tier)
    write_text(smk.output.table, co.lr_table(c, smk.params.grids, tier))
    write_text(smk.output.numbers, co.numbers_tex(co.numbers(c)))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(c)


if "snakemake" in globals():  # not when a test imports plot()
    with snakemake_log(snakemake):
        main(snakemake)
