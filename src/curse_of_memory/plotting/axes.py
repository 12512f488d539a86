"""Axes shared by several figures (so each figure script keeps only what is its own)."""

from __future__ import annotations

from matplotlib.ticker import NullFormatter

from curse_of_memory.plotting.style import COLORS

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

# Figs 5 and 13: the colour of each (architecture, gradient group), in legend order, and of the
# first and last layer of each architecture.
SIGNAL_GROUP_COLORS = {
    ("lru", "all_but_lambda"): COLORS["signal_lru_all_but_lambda"],
    ("lru", "nu"): COLORS["signal_lru"],
    ("lru", "theta"): COLORS["signal_lru_theta"],
    ("crnn", "all_but_lambda"): COLORS["signal_crnn"],
    ("crnn", "lambda"): COLORS["signal_crnn_lambda"],
    ("gru", "all_but_seq"): COLORS["signal_gru_all_but_seq"],
    ("gru", "seq"): COLORS["signal_gru"],
}
SIGNAL_LAYER_COLORS = {
    arch: (COLORS[f"signal_{arch}_first_layer"], COLORS[f"signal_{arch}"])
    for arch in ("crnn", "lru", "gru")
}


def memory_axis(ax):
    """Figs 1A and 2: x = -log10(1 - lambda) with ticks labelled by lambda; log y, no minor
    ticks."""
    ax.set_xticks([0, 2, 4])
    ax.set_xticklabels(["0", "0.99", "0.9999"])
    ax.set_xlabel(r"$\lambda$")
    ax.set_xlim(0, 4)
    ax.set_yscale("log")
    ax.minorticks_off()


def nu_axis(ax):
    """Figs 5 and 13: log-log against T_mem, ticks at T_mem = 1, 10, 100 labelled
    nu = 0, 0.9, 0.99."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([1, 10, 100])
    ax.set_xticklabels(["0", "0.9", "0.99"])
    ax.minorticks_off()
    ax.set_xlabel(r"$\nu$")


def quiet_minor_labels(ax):
    """Hide the minor tick labels of a log y axis that spans at least one decade (so major labels
    exist); Figs 3, 11 and the optimizer study."""
    low, high = ax.get_ylim()
    if low > 0 and high / low >= 10:
        ax.yaxis.set_minor_formatter(NullFormatter())
