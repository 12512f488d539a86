"""The one plotting style of the paper (METHODS §1.7).  Every figure script uses this module.

Usage::

    from curse_of_memory.plotting import style
    style.use()                                   # rcParams for the whole paper
    fig, ax = style.figure(2.0, 1.35)             # size in inches
    ...
    style.save(fig, "paper/figures/fig3.pdf", data=df, tier="quick")  # PDF + PNG + CSV beside it

Fonts and sizes (LaTeX-ready, no TeX needed to plot): the paper folder (paper/main.tex) is set
like a NeurIPS paper, Times text and math (``mathptmx``) at a text width of 5.5 in.  Figures use
the matching faces without usetex: text in STIX (a Times design shipped with matplotlib, with
every Greek letter and the minus sign, falling back glyph by glyph to DejaVu Serif) and math in
mathtext's ``stix`` set; tick labels go through mathtext so powers of ten match.  Computer Modern
(``cmr10``) is not used: mathtext renders Unicode Greek outside ``$...$`` with the text font and
cmr10 has none, so a label like "ν0 $\\theta_0$" would show boxes.  Sizes follow METHODS §1.7
(6 pt, 2 x 1.35 in by default); main.tex includes each figure at its natural size (shrunk only if
wider than ``TEXT_WIDTH``), so 6 pt stays 6 pt.  Deviation from METHODS §1.7: the original used
"stixsans" mathtext and a sans-serif body; the serif STIX faces are used here so figures match
the report's body text.  PDFs are vector with TrueType (type 42) fonts embedded and no creation
date (byte-stable reruns).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Widths that fit the NeurIPS layout (inches).
TEXT_WIDTH = 5.5
COLUMN_WIDTH = 2.65

RC = {
    "font.size": 6,
    "axes.titlesize": 6,
    "axes.labelsize": 6,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "legend.title_fontsize": 6,
    "lines.linewidth": 1.0,
    "axes.linewidth": 0.5,
    "xtick.major.size": 2,
    "ytick.major.size": 2,
    "xtick.minor.size": 1,
    "ytick.minor.size": 1,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "mathtext.fontset": "stix",
    # A family list, not "serif": matplotlib falls back glyph by glyph along this list only.
    "font.family": ["STIXGeneral", "DejaVu Serif"],
    "axes.formatter.use_mathtext": True,
    "figure.dpi": 250,
    "savefig.dpi": 250,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "legend.frameon": False,
    "figure.figsize": (2.0, 1.35),
}

# Every colour a figure uses, by name (the series of curse_of_memory.figures name them here).  The
# first group are the original's colours (METHODS §5).
COLORS = {
    "rnn": "#AC4056",
    "block_diagonal": "#bc5447",
    "more_neurons": "#cc6837",
    "crnn": "#dc7c28",
    "gamma": "#ec9019",
    "lru": "#FCA50A",
    "gru": "#1F77B4",
    "strip": "#2970B1",
    # the optimizer study (one colour per optimizer, curse_of_memory.figures.FIG_OPTIMIZERS)
    "sgd_momentum": "#7f7f7f",
    "adam": "#AC4056",
    "adamw": "#FCA50A",
    "adafactor": "#2970B1",
    "muon": "#1a7f37",
    # Figs 5 and 13 (signal propagation): one hue per architecture, a shade per gradient group
    # (plotting.axes.SIGNAL_GROUP_COLORS) and a light tint for the first layer
    "signal_crnn": "#14A82F",
    "signal_crnn_lambda": "#02741E",
    "signal_crnn_first_layer": "#CDEED1",
    "signal_lru": "#FCA50A",
    "signal_lru_all_but_lambda": "#FCCB0A",
    "signal_lru_theta": "#DB680A",
    "signal_lru_first_layer": "#F9EBD2",
    "signal_gru": "#1F77B4",
    "signal_gru_all_but_seq": "#10418B",
    "signal_gru_first_layer": "#C4E0F0",
    # measured values drawn against a black fit or theory curve (Figs 12, 14, 15)
    "data": "#1F77B4",
    # the target (a star) of Fig 7's trajectories
    "target": "#FFD700",
    # warnings on a figure: the reduced-tier stamp, entries a log axis cannot show
    "warning": "#B22222",
}


def use() -> None:
    """Apply the paper's rcParams."""
    plt.rcParams.update(RC)


def figure(width: float = 2.0, height: float = 1.35, **subplots_kw):
    """A new figure of the given size in inches, with the style applied (``plt.subplots`` args)."""
    use()
    return plt.subplots(figsize=(width, height), **subplots_kw)


def mark_tier(fig, tier: str | None) -> None:
    """Stamp a reduced-tier figure visibly (nothing is drawn for the paper tier)."""
    if tier and tier != "paper":
        fig.text(
            0.995,
            0.005,
            f"{tier} tier",
            ha="right",
            va="bottom",
            fontsize=4.5,
            color=COLORS["warning"],
            alpha=0.8,
        )


def theory_tier(tier: str | None, resolved: dict | None, paper: dict | None, keys) -> str | None:
    """The tier to stamp on a theory figure: ``None`` (no stamp) when the figure's own settings,
    ``keys`` of the theory section, are the paper's in this run, as at the quick tier, where a
    theory figure is the paper's figure; ``tier`` when the tier coarsens one of them (the test
    tier's grids of Figs 6-8)."""
    res, pap = resolved or {}, paper or {}
    return tier if any(res.get(k) != pap.get(k) for k in keys) else None


def panel_letters(axes, letters="ABCDEFGH", x=-0.02, y=1.02, **kw) -> None:
    """Bold panel letters (A, B, ...) at the top left of each axis, as the captions name them."""
    for ax, letter in zip(axes, letters):
        ax.text(
            x,
            y,
            letter,
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontweight="bold",
            fontsize=kw.pop("fontsize", 7),
            **kw,
        )


def save(
    fig, path: str | os.PathLike, data=None, tier: str | None = None, png: bool = True
) -> None:
    """Save ``fig`` as PDF (``path``) and PNG beside it, atomically.

    ``data`` (a pandas DataFrame, or a dict of DataFrames) is the plotted numbers: written as
    ``<stem>.csv`` (or ``<stem>_<key>.csv``) beside the figure so that results can be checked
    without reading pixels.
    """
    from curse_of_memory.io import atomic_path, write_csv

    path = Path(path)
    mark_tier(fig, tier)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None})
    if png:
        with atomic_path(path.with_suffix(".png")) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": None})
    if data is not None:
        if isinstance(data, dict):
            for key, df in data.items():
                write_csv(path.with_name(f"{path.stem}_{key}.csv"), df)
        else:
            write_csv(path.with_suffix(".csv"), data)
    plt.close(fig)
