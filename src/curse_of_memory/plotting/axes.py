"""Axes shared by several figures (so each figure script keeps only what is its own)."""

from __future__ import annotations

# Display names of the architectures and gradient groups of Figs 5 and 13 (the GRU's groups are
# named relative to its recurrent cell, so Fig 5's legend reads "GRU: cell", "GRU: all but cell").
SIGNAL_LABELS = {
    "crnn": "cRNN",
    "lru": "LRU",
    "gru": "GRU",
    "all_but_lambda": r"all but $\lambda$",
    "lambda": r"$\lambda$",
    "nu": r"$\nu$",
    "theta": r"$\theta$",
    "seq": "cell",
    "all_but_seq": "all but cell",
}


def memory_axis(ax):
    """Figs 1A and 2: x = -log10(1 - lambda) with ticks labelled by lambda; log y, no minor ticks."""
    ax.set_xticks([0, 2, 4])
    ax.set_xticklabels(["0", "0.99", "0.9999"])
    ax.set_xlabel(r"$\lambda$")
    ax.set_xlim(0, 4)
    ax.set_yscale("log")
    ax.minorticks_off()


def nu_axis(ax):
    """Figs 5 and 13: log-log against T_mem, ticks at T_mem = 1, 10, 100 labelled nu = 0, 0.9, 0.99."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([1, 10, 100])
    ax.set_xticklabels(["0", "0.9", "0.99"])
    ax.minorticks_off()
    ax.set_xlabel(r"$\nu$")
