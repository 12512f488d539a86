"""Values read off the paper's published figures (resources/published/, ±20 %).

``load(path) -> DataFrame`` reads and validates ``readings.csv`` (one row per published point:
figure, panel, series, x_name, x, quantity, published, note); ``points(df, figure, panel,
quantity)`` selects one panel's points.  The readings are facts to compare with, never targets
(resources/published/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from curse_of_memory.errors import UserError

READINGS = Path("resources/published/readings.csv")
COLUMNS = ["figure", "panel", "series", "x_name", "x", "quantity", "published", "note"]
#: how far a reading can be off: values are read by eye off log-scale plots
READING_ACCURACY = 0.2
LABEL = "published (read off the figure)"


def load(path=READINGS) -> pd.DataFrame:
    """The readings, validated: every column present, ``published`` positive and finite."""
    path = Path(path)
    if not path.exists():
        raise UserError(
            f"{path}: the published readings are missing; restore them with "
            f"`git checkout -- {path}`"
        )
    try:
        df = pd.read_csv(path, dtype={"figure": str, "panel": str, "series": str})
    except Exception as exc:
        raise UserError(f"{path}: not a readable CSV ({type(exc).__name__}: {exc})") from exc
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; expected {COLUMNS}")
    vals = pd.to_numeric(df["published"], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(vals) & (vals > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 2  # header is line 1
        raise UserError(f"{path}:{row}: 'published' must be a positive number")
    df["published"] = vals
    df["x"] = pd.to_numeric(df["x"], errors="coerce")
    df["note"] = df["note"].fillna("")
    return df


def points(df: pd.DataFrame, figure: str, panel: str, quantity: str = "final_train_loss"):
    """One panel's readings (rows of ``df``), sorted by series then x."""
    sel = df[(df["figure"] == str(figure)) & (df["panel"] == panel) & (df["quantity"] == quantity)]
    return sel.sort_values(["series", "x"]).reset_index(drop=True)
