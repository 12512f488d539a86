"""Marks shared by the training figures: the paper-tier reference run drawn beside a reduced run,
the values read off the paper's published figures, and task points whose every seed diverged.

* ``reference(ax, x, y, color)``: hollow markers joined by a dotted line, labelled
  ``REFERENCE_LABEL`` once per axis;
* ``published(ax, x, y, color="0.45")``: crosses (grey by default), labelled ``PUBLISHED_LABEL``
  once per axis;
* ``median(ax, x, y, color)``: a short horizontal bar at the seed median beside a plotted seed
  mean (a mean carried by one or two seeds stands apart from its bar), labelled ``MEDIAN_LABEL``
  once per axis;
* ``seed_mean(ax, x, y, sem, color)``: a seed mean with its SEM as an error bar;
* ``diverged(ax, x, color)``: a cross at the top edge of the axis for each x whose seeds all
  diverged (no finite loss to plot), labelled ``DIVERGED_LABEL`` once per axis.
"""

from __future__ import annotations

import numpy as np

REFERENCE_LABEL = "paper tier (reference run)"
DIVERGED_LABEL = "all seeds diverged"
PUBLISHED_LABEL = "published (read off the figure)"
MEDIAN_LABEL = "seed median"


def _labelled(ax, label: str) -> bool:
    return label in [h.get_label() for h in ax.get_lines()] + [c.get_label() for c in ax.containers]


def reference(ax, x, y, color, *, markersize: float = 3.0) -> None:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(y) & (y > 0)
    if not ok.any():
        return
    label = None if _labelled(ax, REFERENCE_LABEL) else REFERENCE_LABEL
    ax.plot(
        x[ok],
        y[ok],
        ls=":",
        lw=0.7,
        marker="o",
        ms=markersize,
        mfc="white",
        mec=color,
        mew=0.7,
        color=color,
        zorder=3,
        label=label,
    )


def _marks(ax, x, y, color, label, legend_color, legend, **style) -> None:
    """Unconnected markers at the finite positive (x, y), in ``color``; one legend entry per
    axis in ``legend_color``, whatever the colours of the marks."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (y > 0)
    if not ok.any():
        return
    ax.plot(x[ok], y[ok], color=color, ls="none", **style)
    if legend and not _labelled(ax, label):
        ax.plot([], [], color=legend_color, ls="none", label=label, **style)


def published(ax, x, y, color="0.45", *, markersize: float = 3.5, legend: bool = True) -> None:
    _marks(ax, x, y, color, PUBLISHED_LABEL, "0.45", legend, marker="x", ms=markersize, mew=0.8,
           zorder=5)  # fmt: skip


def median(ax, x, y, color, *, markersize: float = 4.0) -> None:
    _marks(ax, x, y, color, MEDIAN_LABEL, "0.3", True, marker="_", ms=markersize, mew=0.9,
           zorder=4)  # fmt: skip


def seed_mean(ax, x, y, sem, color, *, markersize: float = 2.0, **style) -> None:
    """One plotted seed mean: a filled dot with its SEM as an error bar (none where the SEM is
    not finite, e.g. a single seed); ``style`` is passed on (``mfc``, ``zorder``, ...)."""
    ax.errorbar(x, y, yerr=sem if np.isfinite(sem) else 0, marker="o", markersize=markersize,
                color=color, elinewidth=0.5, capsize=0, **style)  # fmt: skip


def diverged(ax, x, color) -> None:
    x = np.atleast_1d(np.asarray(x, float))
    if not len(x):
        return
    label = None if _labelled(ax, DIVERGED_LABEL) else DIVERGED_LABEL
    ax.plot(
        x,
        np.full(len(x), 0.96),
        ls="none",
        marker="x",
        ms=4,
        mew=0.8,
        color=color,
        zorder=4,
        transform=ax.get_xaxis_transform(),
        clip_on=False,
        label=label,
    )


def all_diverged(best, column: str = "mean") -> np.ndarray:
    """Rows of a best-lr table with no finite loss in ``column`` because seeds diverged (every seed
    of every lr, for the default rule; every seed of the chosen lr, for the published one)."""
    mean = best[column].to_numpy(float)
    if "n_diverged_total" in best:
        return ~np.isfinite(mean) & (best["n_diverged_total"].to_numpy(float) > 0)
    return ~np.isfinite(mean)
