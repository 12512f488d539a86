"""Fig 3: final loss vs nu0 for the LRU and the dense RNN (A); the RNN -> LRU ablation at
nu0 = 0.99 (B).  fig3.pdf uses the default aggregation and marks the gamma-init as-published point
as an open marker; fig3_published.pdf uses the published NaN-skipping rule and the published
gamma init.  Works with whatever cells the tier configured."""

import math

import numpy as np
from matplotlib.ticker import NullFormatter
import pandas as pd

from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

# Panel B order, labels and colours (SPEC §5 Fig 3)
ABLATION = [
    ("fig3_left", "rnn", "RNN", "rnn"),
    ("fig3_right", "block-diagonal", "block diagonal", "block_diagonal"),
    ("fig3_right", "more-neurons", "more neurons", "more_neurons"),
    ("fig3_right", "crnn", "complex numbers", "crnn"),
    ("fig3_right", "gamma", r"$\gamma$ norm.", "gamma"),
    ("fig3_right", "lru", "LRU", "lru"),
]
GAMMA_PUBLISHED = ("fig3_right", "gamma-published")


def x_of(nu0):
    return 6 - np.log2(100 * (1 - np.asarray(nu0, dtype=float)))


def cols(published):
    return ("mean_published", "sem_published", "lr_published") if published else ("mean", "sem", "lr")


def plot(best, path, published, tier):
    m, s, lr = cols(published)
    fig, (ax_a, ax_b) = style.figure(3.0, 1.45, ncols=2, gridspec_kw={"width_ratios": [1, 1.25]})
    left = best[best["experiment"] == "fig3_left"].sort_values("nu0")
    rows_a = []
    for cell, color_key, label in (("rnn", "rnn", "RNN"), ("lru", "lru", "LRU")):
        d = left[left["cell"] == cell]
        if d.empty:
            continue
        x = x_of(d["nu0"])
        ax_a.errorbar(x, d[m], yerr=d[s].fillna(0), marker="o", markersize=2, color=style.COLORS[color_key],
                      label=label, capsize=0, elinewidth=0.5)
        rows_a.append(pd.DataFrame({"model": cell, "nu0": d["nu0"], "x": x, "loss": d[m], "sem": d[s],
                                    "lr": d[lr], "n_seeds": d["n_seeds"], "n_diverged": d["n_diverged_total"],
                                    "flagged": d["flagged"]}))
    ticks = [0.36, 0.84, 0.96, 0.99]
    ax_a.set_xticks(x_of(ticks))
    ax_a.set_xticklabels([f"{v:g}" for v in ticks])  # the true nu0 values (SPEC §7 item 13)
    ax_a.set_xlim(-0.4, 6.4)
    ax_a.set_yscale("log")
    quiet_minor_labels(ax_a)
    ax_a.set_xlabel(r"$\nu_0$")
    ax_a.set_ylabel("Final loss")
    if rows_a:
        ax_a.legend(loc="best", handlelength=1.2)

    rows_b = []
    at99 = best[np.isclose(best["nu0"], 0.99)]
    for i, (exp, cell, label, color_key) in enumerate(ABLATION):
        if published and cell == "gamma":
            exp, cell = GAMMA_PUBLISHED
        d = at99[(at99["experiment"] == exp) & (at99["cell"] == cell)]
        val = float(d[m].iloc[0]) if len(d) else math.nan
        err = float(d[s].iloc[0]) if len(d) else math.nan
        rows_b.append({"x": i, "label": label, "experiment": exp, "cell": cell, "loss": val, "sem": err,
                       "lr": float(d[lr].iloc[0]) if len(d) else math.nan,
                       "flagged": bool(d["flagged"].iloc[0]) if len(d) else None, "marker": "filled"})
    b = pd.DataFrame(rows_b)
    ax_b.plot(b["x"], b["loss"], color="0.6", lw=0.75, zorder=1)
    for _, r in b.iterrows():
        if np.isfinite(r["loss"]):
            ax_b.errorbar(r["x"], r["loss"], yerr=0 if not np.isfinite(r["sem"]) else r["sem"], marker="o",
                          markersize=2.5, color=style.COLORS[ABLATION[int(r["x"])][3]], zorder=2, elinewidth=0.5)
    if not published:  # the gamma-init as-published point (SPEC §7 item 5), open marker at x = 4
        d = at99[(at99["experiment"] == GAMMA_PUBLISHED[0]) & (at99["cell"] == GAMMA_PUBLISHED[1])]
        if len(d) and np.isfinite(d[m].iloc[0]):
            ax_b.errorbar(4, d[m].iloc[0], yerr=np.nan_to_num(d[s].iloc[0]), marker="o", markersize=2.5,
                          mfc="white", color=style.COLORS["gamma"], zorder=3, elinewidth=0.5,
                          label=r"$\gamma$ init as published")
            ax_b.legend(loc="upper right")
            b = pd.concat([b, pd.DataFrame([{"x": 4, "label": "gamma norm. (init as published)",
                                             "experiment": GAMMA_PUBLISHED[0], "cell": GAMMA_PUBLISHED[1],
                                             "loss": float(d[m].iloc[0]), "sem": float(d[s].iloc[0]),
                                             "lr": float(d[lr].iloc[0]), "flagged": bool(d["flagged"].iloc[0]),
                                             "marker": "open"}])], ignore_index=True)
    ax_b.set_xticks(range(len(ABLATION)))
    ax_b.set_xticklabels([a[2] for a in ABLATION], rotation=90)
    ax_b.set_xlim(-0.5, len(ABLATION) - 0.5)
    if np.isfinite(b["loss"]).any():
        ax_b.set_yscale("log")
        quiet_minor_labels(ax_b)
    fig.tight_layout()
    style.save(fig, path, data={"left": pd.concat(rows_a) if rows_a else pd.DataFrame(), "right": b}, tier=tier)


def quiet_minor_labels(ax):
    """Hide minor tick labels of a log axis when it spans at least one decade (major labels exist)."""
    low, high = ax.get_ylim()
    if low > 0 and high / low >= 10:
        ax.yaxis.set_minor_formatter(NullFormatter())


with snakemake_log(snakemake):
    frames = [pd.read_parquet(p) for p in list(snakemake.input.left) + list(snakemake.input.right)]
    best = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["experiment", "cell", "nu0", "theta0", "mean", "sem", "lr", "mean_published",
                 "sem_published", "lr_published", "n_seeds", "n_diverged_total", "flagged"])
    plot(best, snakemake.output.pdf, published=False, tier=snakemake.params.tier)
    plot(best, snakemake.output.published, published=True, tier=snakemake.params.tier)
