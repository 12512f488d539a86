"""The plotted rows of every source a figure draws, under one column name.

A training figure draws up to three sources beside each other (``curse_of_memory.figures``:
``THIS_RUN``, ``REFERENCE`` the paper-tier reference run, ``PUBLISHED`` the values read off the
paper's figure).  Its plotted numbers (the CSV beside the figure) hold the rows of all of them,
told apart by the column ``source`` (``SOURCE``) with one of those values.  Every training figure
builds its rows with :func:`rows` and joins them with :func:`stack`.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd

from curse_of_memory.figures import PUBLISHED, REFERENCE, SOURCES, THIS_RUN

SOURCE = "source"

__all__ = ["PUBLISHED", "REFERENCE", "SOURCE", "SOURCES", "THIS_RUN", "rows", "stack"]


def rows(
    source: str, columns: Mapping[str, Any] | pd.DataFrame, *, at: int | None = None
) -> pd.DataFrame:
    """One source's plotted rows: the table of ``columns`` (a DataFrame, or column name -> values
    or scalar) with the column ``source`` set to ``source``, inserted at position ``at`` (after
    the last column when ``None``)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r} (one of {SOURCES})")
    frame = pd.DataFrame(columns).copy()
    if SOURCE in frame:
        raise ValueError(f"the rows already hold a column {SOURCE!r}")
    frame.insert(len(frame.columns) if at is None else at, SOURCE, source)
    return frame


def stack(frames: Iterable[pd.DataFrame], columns: Iterable[str] = ()) -> pd.DataFrame:
    """The rows of ``frames`` in one table (in order, the columns of the first first); an empty
    table with ``columns`` when there are none."""
    frames = list(frames)
    if not frames:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames, ignore_index=True)
