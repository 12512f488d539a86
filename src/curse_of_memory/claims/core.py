"""The claims registry and its evaluation: every claim of the paper as a named, falsifiable check
on the produced data.

Each check has an id, the figure it is about (the figure file stem), the claim in words, an explicit
criterion, and an evaluator that reads the pipeline's outputs and returns named numbers plus a
verdict.  **The criteria and their thresholds (``THRESHOLDS`` below) were fixed on
2026-11-26, before any figure of this pipeline had been produced**, from the paper's summary and
each figure's expected outcome; they are never loosened after a failure (git history shows when
each was written).

A criterion is replaced only when it is shown to measure something other than the paper's
statement.  The replaced criterion stays in the code as a :class:`Superseded` entry of its check
(old text, old evaluator, date, reason); :func:`evaluate` runs it too and stores its verdict under
``superseded`` beside the new one, and docs/CLAIMS.md ("Criterion changes") logs each change with
the old verdict.

Outcomes (``status``): ``pass``, ``fail``, or ``not evaluated`` when an input is missing (a partial
run, a figure not built in this tier) or lacks the columns the check needs.  ``pass`` is a bool and
is ``True`` only for ``status == "pass"``: a check that could not run is never a pass.

Inputs are located through :class:`Sources` (the figure folder, the aggregated tables and the other
results folders), so unit tests can point it at synthetic data.

The checks themselves are registered by the section modules of this package (``training``,
``theory``, ``real_data``, ``optimizers``; imported by ``__init__.py``); their output (LaTeX, HTML,
console summary) is in ``render.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

# --- thresholds, fixed before any result existed (see module docstring) --------------------------
THRESHOLDS = {
    "orders": 100.0,  # "orders of magnitude" = at least a factor 100
    "order": 10.0,  # "by an order of magnitude" / "flat" = within a factor 10
    "similar": 30.0,  # "similar size" = within a factor 30 (1.5 decades)
    "gap_fraction": 0.8,  # "almost the entire gap" = >= 80 % of the gap in log10
    "grid_tol": 0.002,  # Fig 1B: argmin within 2 grid steps of the teacher
    "slope_margin": 0.5,  # Fig 1A: sensitivity slope exceeds activity slope by >= 0.5
    "saturated_slope": 0.25,  # Fig 2: log-log slope over the last half-decade of a saturated curve
    "rho1_slope": (0.9, 1.1),  # Fig 2: the rho = 1 curves grow like (1-lambda)^-1
    "opt_rel": 0.05,  # Fig 6: opt curvature equals 1 (pi^2) within 5 %
    "theory_factor": 2.0,  # Fig 15: theory and empirical mean agree within a factor 2
    "zero": 1e-6,  # Fig 14: exact zeros (float32 Jacobians)
}


class NotEvaluated(Exception):
    """An input of a check is missing or incomplete; the check is reported, not passed."""


@dataclass
class Sources:
    """Where the checks read from (defaults: the pipeline's layout, docs/LAYOUT.md)."""

    figures: Path = Path("paper/figures")
    tables: Path = Path("results/tables")
    results: Path = Path("results")
    _cache: dict = field(default_factory=dict, repr=False)

    def _read(self, path: Path, columns=()):
        key = str(path)
        if key not in self._cache:
            if not path.exists():
                raise NotEvaluated(f"{path} not built")
            try:
                self._cache[key] = (
                    pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
                )
            except Exception as exc:  # a corrupt input is reported, not passed
                raise NotEvaluated(f"{path} unreadable ({type(exc).__name__})") from exc
        df = self._cache[key]
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise NotEvaluated(f"{path} lacks columns {missing}")
        return df

    def csv(self, name: str, columns=()) -> pd.DataFrame:
        """A figure's plotted numbers, ``paper/figures/<name>``."""
        return self._read(Path(self.figures) / name, columns)

    def table(self, name: str, columns=()) -> pd.DataFrame:
        """An aggregated table, ``results/tables/<name>.parquet``."""
        return self._read(Path(self.tables) / f"{name}.parquet", columns)

    def result(self, relpath: str, columns=()) -> pd.DataFrame:
        return self._read(Path(self.results) / relpath, columns)

    def json(self, relpath: str) -> dict:
        path = Path(self.results) / relpath
        if not path.exists():
            raise NotEvaluated(f"{path} not built")
        return json.loads(path.read_text())


@dataclass(frozen=True)
class Superseded:
    """A criterion a check used before it was replaced: its text, its evaluator (kept in the code
    so that its verdict can still be reported), the date of the change and why it was made."""

    criterion: str
    evaluate: Callable[[Sources], tuple[dict, bool]]
    changed: str
    reason: str


@dataclass(frozen=True)
class Claim:
    id: str
    figure: str
    paper: str  # the paper's claim it supports: C1..C4, or "fig" for a figure-only statement
    claim: str
    criterion: str
    evaluate: Callable[[Sources], tuple[dict, bool]]
    superseded: tuple[Superseded, ...] = ()


CLAIMS: list[Claim] = []


def claim(id, figure, paper, claim, criterion, superseded=()):
    """Register a check.  ``superseded``: the :class:`Superseded` criteria it replaced, oldest
    first (their verdicts are reported beside the current one)."""

    def register(fn):
        if any(c.id == id for c in CLAIMS):
            raise ValueError(f"duplicate claim id {id}")
        CLAIMS.append(Claim(id, figure, paper, claim, criterion, fn, tuple(superseded)))
        return fn

    return register


PAPER_CLAIMS = {
    "C1": "The curse of memory: sensitivity to the recurrent parameters outgrows the activity as "
    "memory lengthens; the loss sharpens near long-memory optima.",
    "C2": "Normalisation plus reparametrisation bound both quantities (the angle stays hard).",
    "C3": "Diagonal (block-diagonal) connectivity plus Adam mitigate the curse; the dense RNN "
    "degrades.",
    "C4": "Signal propagation in deep networks at initialisation: diagonal theory predicts "
    "cRNN, LRU and GRU behaviour.",
    "fig": "Statements about a figure only (not one of the four claims).",
}


# --- small numeric helpers -------------------------------------------------------------------
def _log_slope(x, y, lo, hi):
    """Least-squares slope of log10 y against log10 x over lo <= x <= hi."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    m = (x >= lo) & (x <= hi) & (y > 0) & np.isfinite(y)
    if m.sum() < 2:
        raise NotEvaluated(f"fewer than 2 points with x in [{lo}, {hi}]")
    return float(np.polyfit(np.log10(x[m]), np.log10(y[m]), 1)[0])


def _at(df, col, value, ycol):
    """ycol at the row whose ``col`` is nearest ``value``; a row with no finite value because its
    seeds diverged makes the check 'not evaluated', saying where."""
    i = (df[col] - value).abs().idxmin()
    y = float(df.loc[i, ycol])
    if (
        not math.isfinite(y)
        and "n_diverged_total" in df.columns
        and df.loc[i, "n_diverged_total"] > 0
    ):
        _all_diverged(df.loc[i], f"{col} = {float(df.loc[i, col]):g}")
    return y


def _all_diverged(row, where: str):
    cell = f"{row['cell']} " if "cell" in row.index else ""
    raise NotEvaluated(f"all seeds diverged at {cell}{where} (no finite loss at any lr)")


def _finite(values: dict) -> None:
    bad = [k for k, v in values.items() if not (isinstance(v, (int, float)) and math.isfinite(v))]
    if bad:
        raise NotEvaluated(f"non-finite values {bad} (diverged or missing points)")


# --- evaluation -------------------------------------------------------------------------------
def _run(fn, src) -> tuple[str, dict, str | None]:
    """(status, values, reason) of one evaluator; never raises.  Non-finite values become None."""
    values, reason = {}, None
    try:
        raw, passed = fn(src)
        values = {k: (float(x) if x is not None else None) for k, x in raw.items()}
        status = "pass" if bool(passed) else "fail"
    except NotEvaluated as exc:
        status, reason = "not evaluated", str(exc)
    except Exception as exc:  # a bug in a check is reported, never a pass
        status, reason = "not evaluated", f"check raised {type(exc).__name__}: {exc}"
    values = {k: (v if v is None or math.isfinite(v) else None) for k, v in values.items()}
    return status, values, reason


def evaluate(src: Sources | None = None, claims=None) -> list[dict]:
    """Run every check; never raises for a failing or unevaluable check.

    A check whose criterion was replaced also carries ``superseded``: one record per old
    criterion, ``{"criterion", "status", "values", "changed", "reason"}`` (``reason``: why it was
    replaced; ``note``: why the old evaluator could not run, when it could not)."""
    src = src or Sources()
    out = []
    for c in claims or CLAIMS:
        rec = {
            "id": c.id,
            "figure": c.figure,
            "paper_claim": c.paper,
            "claim": c.claim,
            "criterion": c.criterion,
        }
        status, values, reason = _run(c.evaluate, src)
        rec |= {"values": values, "pass": status == "pass", "status": status}
        if reason is not None:
            rec["reason"] = reason
        if c.superseded:
            rec["superseded"] = []
            for old in c.superseded:
                st, vals, why = _run(old.evaluate, src)
                entry = {
                    "criterion": old.criterion,
                    "status": st,
                    "values": vals,
                    "changed": old.changed,
                    "reason": old.reason,
                }
                if why is not None:
                    entry["note"] = why
                rec["superseded"].append(entry)
        out.append(rec)
    return out
