"""Rule `diagnostics`: what a researcher checks first (not in the paper), for one experiment.

input.metrics (every cell's run), input.by_lr, input.best -> output[0] = results/diagnostics/
<experiment>/ holding one PDF per cell: left, the learning curve of every member (colour = lr);
right, final loss vs lr per task point with the chosen lr marked (open circle) and a flag when it
sits at the edge of the grid.  Also <cell>.csv (loss vs lr, chosen lr) and flags.csv (edge /
flagged / diverged per point; a point whose every seed of every lr diverged is listed with
all_diverged = True and no lr)."""

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd

from curse_of_memory.io import write_csv
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

FLAG_COLUMNS = [
    "cell",
    "nu0",
    "theta0",
    "lr",
    "edge",
    "flagged",
    "all_diverged",
    "n_diverged_total",
]


def learning_curves(ax, m):
    """Training loss of every member against epoch, coloured by lr."""
    lrs = sorted(m["lr"].unique())
    cmap = mpl.colormaps["plasma"]
    color = {lr: cmap(i / max(1, len(lrs) - 1) * 0.85) for i, lr in enumerate(lrs)}
    for _, d in m.groupby("member"):
        lr = d["lr"].iloc[0]
        ax.plot(d["epoch"], d["train_loss"], color=color[lr], lw=0.4, alpha=0.6)
    for lr in lrs:
        ax.plot([], [], color=color[lr], label=f"lr {lr:g}")
    if np.isfinite(m["train_loss"]).any():
        ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Training loss (every member)")
    ax.legend(fontsize=4, loc="upper right")


def loss_vs_lr(ax, cell, t, b):
    """Final loss against lr per task point, the chosen lr circled; returns the flag rows."""
    flags = []
    points = t[["nu0", "theta0"]].drop_duplicates().to_numpy()
    pcmap = mpl.colormaps["viridis"]
    for i, (nu0, theta0) in enumerate(points):
        d = t[(t["nu0"] == nu0) & (t["theta0"] == theta0)].sort_values("lr")
        c = pcmap(i / max(1, len(points) - 1))
        y = d["mean"].where(np.isfinite(d["mean"]), d["mean_nan"])
        ax.plot(
            d["lr"],
            y,
            marker=".",
            markersize=3,
            color=c,
            label=f"$\\nu_0$={nu0:g}, $\\theta_0$={theta0:g}",
        )
        sel = b[(b["nu0"] == nu0) & (b["theta0"] == theta0)]
        if len(sel) and not np.isfinite(sel["lr"].iloc[0]):  # every seed of every lr diverged
            flags.append(
                {
                    "cell": cell,
                    "nu0": nu0,
                    "theta0": theta0,
                    "lr": np.nan,
                    "edge": False,
                    "flagged": True,
                    "all_diverged": True,
                    "n_diverged_total": int(sel["n_diverged_total"].iloc[0]),
                }
            )
        elif len(sel):
            r = sel.iloc[0]
            ax.plot([r["lr"]], [r["mean"]], marker="o", mfc="none", markersize=5, color=c)
            flags.append(
                {
                    "cell": cell,
                    "nu0": nu0,
                    "theta0": theta0,
                    "lr": r["lr"],
                    "edge": bool(r["edge"]),
                    "flagged": bool(r["flagged"]),
                    "all_diverged": False,
                    "n_diverged_total": int(r["n_diverged_total"]),
                }
            )
            if r["edge"]:
                ax.annotate(
                    "edge",
                    (r["lr"], r["mean"]),
                    fontsize=4,
                    color="red",
                    xytext=(2, 2),
                    textcoords="offset points",
                )
    ax.set_xscale("log")
    if np.isfinite(t["mean_nan"]).any():
        ax.set_yscale("log")
    ax.set_xlabel("Learning rate")
    ax.set_ylabel("Final loss (seed mean)")
    ax.legend(fontsize=3.5, loc="best")
    return flags


def main(smk):
    out = Path(smk.output[0])
    out.mkdir(parents=True, exist_ok=True)
    by_lr = pd.read_parquet(smk.input.by_lr)
    best = pd.read_parquet(smk.input.best)
    flags = []
    for cell, m_path in zip(smk.params.cells, smk.input.metrics):
        m = pd.read_parquet(m_path)
        t = by_lr[by_lr["cell"] == cell]
        b = best[best["cell"] == cell]
        fig, (ax_c, ax_l) = style.figure(5.0, 2.0, ncols=2)
        learning_curves(ax_c, m)
        flags += loss_vs_lr(ax_l, cell, t, b)
        ax_c.set_title(f"{smk.wildcards.experiment} / {cell}")
        fig.tight_layout()
        style.save(fig, out / f"{cell}.pdf", data=t, tier=smk.params.tier, png=False)
    flags = pd.DataFrame(flags, columns=FLAG_COLUMNS)
    write_csv(out / "flags.csv", flags)
    print(flags.to_string())


with snakemake_log(snakemake):
    main(snakemake)
