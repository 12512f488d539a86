"""The claims registry and its evaluation: every claim of the paper as a named, falsifiable check
on the produced data.

Each check has an id, the figure it is about (the figure file stem), the claim in words, an explicit
criterion, the kind of evidence it reads (``KINDS``: trained runs, a closed form or constructed
optimum, a measurement at initialisation, or a prediction of the project beyond the paper), and an
evaluator that reads the pipeline's outputs and returns named numbers plus a verdict.  The
criteria and their thresholds (``THRESHOLDS`` below) were first written on 2026-11-26;
docs/CLAIMS.md lists, check by check, whether the criterion in force was chosen after data
existed, and logs every replacement ("Criterion changes").

A criterion is replaced only when it is shown to measure something other than the paper's
statement.  The replaced criterion stays in the code as a :class:`Superseded` entry of its check
(old text, old evaluator, date, reason); :func:`evaluate` runs it too and stores its verdict under
``superseded`` beside the new one, and docs/CLAIMS.md ("Criterion changes") logs each change with
the old verdict.

Outcomes (``status``, ``STATUSES``): ``pass``, ``fail``, ``not evaluated`` (an input is missing,
lacks the columns the check needs, lacks a point the check reads, or holds a non-finite value
where the check reads one: a verdict is never judged on numbers the check does not have) or
``error`` (the check itself raised: a defect of the check, reported with the exception's one
line).  ``pass`` is a bool and is ``True`` only for ``status == "pass"``.

A check that reads seed means of the aggregated tables is judged a second time on the seed
medians (``rec["median"]``); where the two verdicts differ the record says so
(``rec["median_verdict"]``).

Inputs are located through :class:`Sources` (the figure folder, the aggregated tables and the other
results folders), so unit tests can point it at synthetic data.

The checks themselves are registered by the section modules of this package (``training``,
``theory``, ``real_data``, ``optimizers``; imported by ``__init__.py``); their output (LaTeX, HTML,
console summary) is in ``render.py``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

# --- thresholds (docs/CLAIMS.md: when each was written, and whether after data existed) ----------
THRESHOLDS = {
    "orders": 100.0,  # "orders of magnitude" / "by decades" = at least a factor 100
    "order": 10.0,  # "by an order of magnitude" / "flat" = within a factor 10
    "similar": 30.0,  # "similar size" / "similar magnitude" = within a factor 30 (1.5 decades)
    "gap_fraction": 0.8,  # "almost the entire gap" = >= 80 % of the gap in log10
    "grid_tol": 0.002,  # Fig 1B: argmin within 2 grid steps of the teacher
    "slope_margin": 0.5,  # Fig 1A: sensitivity slope exceeds activity slope by >= 0.5
    "saturated_slope": 0.25,  # Fig 2: log-log slope over the last half-decade of a saturated curve
    "rho1_slope": (0.9, 1.1),  # Fig 2: the rho = 1 curves grow like (1-lambda)^-1
    "opt_rel": 0.05,  # Fig 6: opt curvature equals 1 (pi^2) within 5 %
    "theory_factor": 2.0,  # Fig 15: theory and empirical mean agree within a factor 2
    "zero": 1e-6,  # Fig 14: exact zeros (float32 Jacobians)
    "noise_se": 2.0,  # Fig 12 (2026-12-07): "positive" = above 2 standard errors of the estimate
}

STATUSES = ("pass", "fail", "not evaluated", "error")

# What a check reads (``claim(..., kind=...)``): the claims summary counts each kind apart.
KINDS = {
    "trained": "trained runs",
    "theory": "closed form or constructed optimum",
    "init": "measured at initialisation",
    "prediction": "project prediction",
}

# How to read a result (``rec["reading"]``): every non-passing check is one of these.
READINGS = {
    "pass": "pass",
    "disagrees": "disagrees with the paper at this tier",
    "replaced": "criterion replaced (old verdict shown)",
    "finding": "finding beyond the paper (a project prediction, not a claim of the paper)",
    "not evaluated": "not evaluated",
    "error": "error",
}


class NotEvaluated(Exception):
    """An input of a check is missing or incomplete; the check is reported, not passed."""


@dataclass
class Sources:
    """Where the checks read from (defaults: the pipeline's layout, docs/LAYOUT.md).

    ``statistic = "median"``: every aggregated table read with its ``mean`` column returns the seed
    median in that column instead (its ``median`` column, or, for tables written before that column
    existed, the median over the per-run final losses of ``runs/members.parquet`` at the same lr,
    computed by the same rule as the mean).  ``mean_read`` records whether a check read a seed
    mean."""

    figures: Path = Path("paper/figures")
    tables: Path = Path("results/tables")
    results: Path = Path("results")
    _cache: dict = field(default_factory=dict, repr=False)
    statistic: str = "mean"
    mean_read: bool = field(default=False, repr=False)

    def _exists(self, path: Path) -> bool:
        return Path(path).exists()

    def _load(self, path: Path) -> pd.DataFrame:
        key = str(path)
        if key not in self._cache:
            if not self._exists(path):
                raise NotEvaluated(f"{path} not built")
            try:
                self._cache[key] = (
                    pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
                )
            except Exception as exc:  # a corrupt input is reported, not passed
                raise NotEvaluated(f"{path} unreadable ({type(exc).__name__})") from exc
        return self._cache[key]

    def _read(self, path: Path, columns=()):
        df = self._load(path)
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise NotEvaluated(f"{path} lacks columns {missing}")
        return df

    def csv(self, name: str, columns=()) -> pd.DataFrame:
        """A figure's plotted numbers, ``paper/figures/<name>``."""
        return self._read(Path(self.figures) / name, columns)

    def table(self, name: str, columns=()) -> pd.DataFrame:
        """An aggregated table, ``results/tables/<name>.parquet`` (with ``statistic =
        "median"``: the seed median in its ``mean`` column)."""
        df = self._read(Path(self.tables) / f"{name}.parquet", columns)
        if "mean" in columns:
            self.mean_read = True
            if self.statistic == "median":
                df = df.assign(mean=_seed_medians(self, name, df))
        return df

    def result(self, relpath: str, columns=()) -> pd.DataFrame:
        return self._read(Path(self.results) / relpath, columns)

    def json(self, relpath: str) -> dict:
        path = Path(self.results) / relpath
        if not path.exists():
            raise NotEvaluated(f"{path} not built")
        return json.loads(path.read_text())

    def median_view(self) -> Sources:
        """The same inputs (and cache), read with the seed median in place of the seed mean."""
        return dataclasses.replace(self, statistic="median", mean_read=False)


_MEMBERS = "runs/members.parquet"  # per-run final losses of a packed run (the shipped reference)


def _seed_medians(src: Sources, name: str, df: pd.DataFrame) -> pd.Series:
    """The seed median of each row of an aggregated table: its ``median`` column, else the
    ``median`` of the row's experiment best table, else the median over ``runs/members.parquet``
    at the row's cell, task point and lr (NaN when a seed diverged, as the mean; over the finite
    seeds for a ``flagged`` row, as its NaN-skipping mean)."""
    if "median" in df.columns:
        return df["median"].astype(float)
    lacking = [c for c in ("nu0", "theta0", "lr") if c not in df.columns]
    if lacking or not ({"cell", "model"} & set(df.columns)):
        raise NotEvaluated(f"{name} has no median column (nor the columns to find its runs)")
    out = []
    for _, row in df.iterrows():
        exp = _experiment_of(name, row)
        cell = row["cell"] if "cell" in row.index else row.get("model")
        key = (cell, float(row["nu0"]), float(row["theta0"]), float(row["lr"]))
        out.append(_median_of(src, exp, key, bool(row.get("flagged", False))))
    return pd.Series(out, index=df.index, dtype=float)


def _experiment_of(name: str, row) -> str:
    if "experiment" in row.index and isinstance(row["experiment"], str):
        return row["experiment"]
    if name == "fig10" and "source" in row.index:  # fig10.parquet: rows of both remaps
        return "fig10_published" if str(row["source"]).startswith("fig10_published") else "fig10"
    return name.removesuffix("_best")


def _median_of(src: Sources, exp: str, key: tuple, flagged: bool) -> float:
    cell, nu0, theta0, lr = key
    where = f"{exp}/{cell} at nu0 = {nu0:g}, theta0 = {theta0:g}, lr = {lr:g}"
    best = Path(src.tables) / f"{exp}_best.parquet"
    if src._exists(best):
        b = src._load(best)
        if "median" in b.columns:
            hit = b[
                (b["cell"] == cell)
                & np.isclose(b["nu0"], nu0)
                & np.isclose(b["theta0"], theta0)
                & np.isclose(b["lr"], lr)
            ]
            if len(hit) == 1:
                return float(hit["median"].iloc[0])
    path = Path(src.results) / _MEMBERS
    if not src._exists(path):
        raise NotEvaluated(
            f"no seed median for {where}: the table has no median column and {path} is absent"
        )
    m = src._load(path)
    runs = m[
        (m["experiment"].astype(str) == exp)
        & (m["cell"].astype(str) == str(cell))
        & np.isclose(m["nu0"], nu0)
        & np.isclose(m["theta0"], theta0)
        & np.isclose(m["lr"], lr)
    ]
    if runs.empty:
        raise NotEvaluated(f"no per-run losses for {where} in {path}")
    loss = runs["final_train_loss"].to_numpy(float)
    loss = np.where(runs["diverged_step"].to_numpy() < 0, loss, np.nan)
    finite = loss[np.isfinite(loss)]
    if flagged:
        return float(np.median(finite)) if len(finite) else math.nan
    return float(np.median(loss)) if len(finite) == len(loss) else math.nan


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
    paper: str  # the paper's claim it supports: C1..C4, "fig" (a figure only), "beyond" (ours)
    claim: str
    criterion: str
    evaluate: Callable[[Sources], tuple[dict, bool]]
    superseded: tuple[Superseded, ...] = ()
    kind: str = "trained"  # a key of KINDS


CLAIMS: list[Claim] = []


def claim(id, figure, paper, claim, criterion, *, kind, superseded=()):
    """Register a check.  ``kind``: a key of :data:`KINDS` (what the check reads; ``prediction``
    exactly for ``paper = "beyond"``).  ``superseded``: the :class:`Superseded` criteria it
    replaced, oldest first (their verdicts are reported beside the current one)."""
    if kind not in KINDS:
        raise ValueError(f"{id}: kind {kind!r} is not one of {sorted(KINDS)}")
    if paper not in PAPER_CLAIMS:
        raise ValueError(f"{id}: paper claim {paper!r} is not one of {sorted(PAPER_CLAIMS)}")
    if (kind == "prediction") != (paper == "beyond"):
        raise ValueError(f"{id}: a project prediction is filed under 'beyond', and only it")

    def register(fn):
        if any(c.id == id for c in CLAIMS):
            raise ValueError(f"duplicate claim id {id}")
        CLAIMS.append(Claim(id, figure, paper, claim, criterion, fn, tuple(superseded), kind))
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
    "beyond": "The project's own predictions beyond the paper (the optimizer study); not claims of "
    "the paper, counted apart from them.",
}


# --- small numeric helpers -------------------------------------------------------------------
def _log_slope(x, y, lo, hi):
    """Least-squares slope of log10 y against log10 x over lo <= x <= hi; a non-finite or
    non-positive y in the range makes the check not evaluated (it is not skipped)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    m = (x >= lo) & (x <= hi)
    if not np.all(np.isfinite(y[m]) & (y[m] > 0)):
        raise NotEvaluated(f"non-finite or non-positive values with x in [{lo:g}, {hi:g}]")
    if m.sum() < 2:
        raise NotEvaluated(f"fewer than 2 points with x in [{lo}, {hi}]")
    return float(np.polyfit(np.log10(x[m]), np.log10(y[m]), 1)[0])


def _at(df, col, value, ycol):
    """ycol at the row whose ``col`` equals ``value`` (relative tolerance 1e-6).  No such row,
    or a row with no finite value (its seeds diverged, saying where), makes the check 'not
    evaluated': a missing point is never replaced by its neighbour."""
    hit = df[np.isclose(df[col].astype(float), value, rtol=1e-6, atol=0)]
    cell = f"{df['cell'].iloc[0]} " if "cell" in df.columns and len(df) else ""
    if len(hit) != 1:
        raise NotEvaluated(f"{len(hit)} rows at {cell}{col} = {value:g} (needs exactly one)")
    y = float(hit[ycol].iloc[0])
    if not math.isfinite(y):
        row = hit.iloc[0]
        if "n_diverged_total" in hit.columns and row["n_diverged_total"] > 0:
            _all_diverged(row, f"{col} = {float(row[col]):g}")
        raise NotEvaluated(f"non-finite {ycol} at {cell}{col} = {value:g}")
    return y


def _all_diverged(row, where: str):
    cell = f"{row['cell']} " if "cell" in row.index else ""
    raise NotEvaluated(f"all seeds diverged at {cell}{where} (no finite loss at any lr)")


def _finite(values: dict) -> None:
    bad = [k for k, v in values.items() if not (isinstance(v, (int, float)) and math.isfinite(v))]
    if bad:
        raise NotEvaluated(f"non-finite values {bad} (diverged or missing points)")


def _values(df, col, what) -> np.ndarray:
    """The column as floats; a non-finite entry makes the check not evaluated (pandas' max, min
    and mean would skip it silently)."""
    x = np.asarray(df[col], dtype=float)
    if not np.all(np.isfinite(x)):
        raise NotEvaluated(f"{what}: {int(np.sum(~np.isfinite(x)))} non-finite {col} value(s)")
    return x


def _key(v):
    return round(float(v), 9) if isinstance(v, (int, float, np.number)) else v


def _fmt_keys(keys) -> str:
    return ", ".join(f"{k:g}" if isinstance(k, float) else str(k) for k in list(keys)[:4]) + (
        ", ..." if len(keys) > 4 else ""
    )


def _need(have, want, what, rtol=1e-6) -> None:
    """Every value of ``want`` must be among ``have`` (numbers to ``rtol`` relative): a missing
    curve or point of the figure makes the check not evaluated."""
    have = [float(h) if isinstance(h, (int, float, np.number)) else h for h in have]
    missing = [
        w
        for w in want
        if not any(
            (np.isclose(w, h, rtol=rtol, atol=0) if isinstance(h, float) else w == h) for h in have
        )
    ]
    if missing:
        raise NotEvaluated(f"{what} lacks {_fmt_keys(missing)}")


def _same_grid(df, by, over, what) -> list:
    """The values of ``over`` shared by every group of ``by``: a point present in one group but
    missing from another makes the check not evaluated (instead of a curve with a hole)."""
    grids = {k: frozenset(map(_key, g[over])) for k, g in df.groupby(by, sort=True)}
    union = frozenset().union(*grids.values()) if grids else frozenset()
    short = {k: sorted(union - s) for k, s in grids.items() if s != union}
    if short:
        k, miss = next(iter(short.items()))
        raise NotEvaluated(f"{what}: {k} lacks {over} = {_fmt_keys(miss)}")
    return sorted(union)


# --- evaluation -------------------------------------------------------------------------------
def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:200]


def _run(fn, src, judged: bool = True) -> tuple[str, dict, str | None]:
    """(status, values, reason) of one evaluator; never raises.  A non-finite or missing value
    makes a judged evaluator 'not evaluated'; a replaced criterion (``judged=False``) keeps its
    verdict as it was computed, with the non-finite values named in its reason.  Non-finite values
    are written as None."""
    values, reason = {}, None
    try:
        raw, passed = fn(src)
        values = {k: (float(x) if x is not None else None) for k, x in raw.items()}
        status = "pass" if bool(passed) else "fail"
    except NotEvaluated as exc:
        status, reason = "not evaluated", str(exc)
    except Exception as exc:  # a defect of the check: reported as such, never a pass
        status, reason = "error", _one_line(exc)
    bad = [k for k, v in values.items() if v is None or not math.isfinite(v)]
    if bad and status in ("pass", "fail"):
        if judged:
            status = "not evaluated"
            reason = f"non-finite or missing values {bad}: no verdict on numbers the check lacks"
        else:
            reason = f"non-finite values {bad} entered this verdict"
    values = {k: (v if v is not None and math.isfinite(v) else None) for k, v in values.items()}
    return status, values, reason


def reading(rec: dict) -> str:
    """What a result is (a key of :data:`READINGS`): pass; a fail of a project prediction is a
    finding beyond the paper; a fail where a replaced criterion of the check passes on the same
    data is 'criterion replaced'; any other fail disagrees with the paper at this tier."""
    status = rec["status"]
    if status != "fail":
        return status
    if rec.get("kind") == "prediction":
        return "finding"
    if any(o.get("status") == "pass" for o in rec.get("superseded", [])):
        return "replaced"
    return "disagrees"


def judge(c: Claim, src: Sources) -> dict:
    """One check's verdict on ``src``: ``status``, ``values``, ``pass``, ``reason`` (not evaluated,
    error) and, for a check that reads seed means, ``median`` (its verdict on the seed medians)
    and ``median_verdict`` (a sentence, only when the two verdicts differ)."""
    src.mean_read = False
    status, values, reason = _run(c.evaluate, src)
    out = {"values": values, "pass": status == "pass", "status": status}
    if reason is not None:
        out["reason"] = reason
    if src.mean_read:
        st, vals, why = _run(c.evaluate, src.median_view())
        out["median"] = {"status": st, "values": vals} | ({"reason": why} if why else {})
        if {st, status} == {"pass", "fail"}:
            out["median_verdict"] = f"{st} on the seed medians (seed means: {status})"
    return out


def evaluate(src: Sources | None = None, claims=None) -> list[dict]:
    """Run every check; never raises for a failing, unevaluable or broken check.

    Each record: ``id``, ``figure``, ``paper_claim``, ``kind``, ``claim``, ``criterion``, the
    verdict of :func:`judge`, ``reading`` (:func:`reading`) and, for a check whose criterion was
    replaced, ``superseded``: one record per old criterion, ``{"criterion", "status", "values",
    "changed", "reason"}`` (``reason``: why it was replaced; ``note``: why the old evaluator could
    not run, or which non-finite values entered its verdict)."""
    src = src or Sources()
    out = []
    for c in claims or CLAIMS:
        rec = {
            "id": c.id,
            "figure": c.figure,
            "paper_claim": c.paper,
            "kind": c.kind,
            "claim": c.claim,
            "criterion": c.criterion,
        }
        rec |= judge(c, src)
        if c.superseded:
            rec["superseded"] = []
            for old in c.superseded:
                st, vals, why = _run(old.evaluate, src, judged=False)
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
        rec["reading"] = READINGS[reading(rec)]
        out.append(rec)
    return out
