"""The claims check: every claim of the paper as a named, falsifiable check on the produced data.

Each check has an id, the figure it is about (the figure file stem), the claim in words, an explicit
criterion, and an evaluator that reads the pipeline's outputs and returns named numbers plus a
verdict.  **The criteria and their thresholds (the constants in ``T`` below) were fixed on
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
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

# --- thresholds, fixed before any result existed (see module docstring) --------------------------
T = {
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


# --- small numeric helpers -------------------------------------------------------------------
def _f(x) -> float:
    return float(np.asarray(x, dtype=float))


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
    if not math.isfinite(y) and "n_diverged_total" in df.columns and df.loc[i, "n_diverged_total"] > 0:
        _all_diverged(df.loc[i], f"{col} = {float(df.loc[i, col]):g}")
    return y


def _all_diverged(row, where: str):
    cell = f"{row['cell']} " if "cell" in row.index else ""
    raise NotEvaluated(f"all seeds diverged at {cell}{where} (no finite loss at any lr)")


def _one(df, **eq):
    """The single row of ``df`` matching column == value (floats compared with isclose)."""
    m = np.ones(len(df), bool)
    for k, v in eq.items():
        col = df[k]
        m &= np.isclose(col.astype(float), float(v)) if isinstance(v, (int, float)) else (col == v)
    rows = df[m]
    if len(rows) != 1:
        raise NotEvaluated(f"expected one row with {eq}, found {len(rows)}")
    return rows.iloc[0]


def _finite(values: dict) -> None:
    bad = [k for k, v in values.items() if not (isinstance(v, (int, float)) and math.isfinite(v))]
    if bad:
        raise NotEvaluated(f"non-finite values {bad} (diverged or missing points)")


# =============================================================================================
# Fig 3 — final loss vs nu0 (A) and the ablation (B); from results/tables/fig3_*_best.parquet
# =============================================================================================
_BEST = ["cell", "nu0", "theta0", "mean"]


def _fig3a(src):
    best = src.table("fig3_left_best", _BEST)
    out = {}
    for cell in ("rnn", "lru"):
        d = best[best["cell"] == cell].sort_values("nu0")
        if d.empty:
            raise NotEvaluated(f"fig3_left has no '{cell}' cell in this tier")
        out[cell] = d
    return out


@claim(
    "fig3.gap_at_099", "fig3", "C3",
    "At nu0 = 0.99 the dense RNN is orders of magnitude worse than the LRU.",
    "mean final loss (best lr) RNN / LRU at nu0 = 0.99 >= 100",
)
def _fig3_gap(src):
    d = _fig3a(src)
    v = {"rnn_099": _at(d["rnn"], "nu0", 0.99, "mean"), "lru_099": _at(d["lru"], "nu0", 0.99, "mean")}
    _finite(v)
    v["ratio"] = v["rnn_099"] / v["lru_099"]
    return v, v["ratio"] >= T["orders"]


@claim(
    "fig3.rnn_degrades", "fig3", "C3",
    "The dense RNN's final loss rises by orders of magnitude as nu0 -> 1.",
    "RNN mean final loss at nu0 = 0.99 / at nu0 = 0.36 >= 100",
)
def _fig3_rnn(src):
    d = _fig3a(src)["rnn"]
    v = {"rnn_036": _at(d, "nu0", 0.36, "mean"), "rnn_099": _at(d, "nu0", 0.99, "mean")}
    _finite(v)
    v["ratio"] = v["rnn_099"] / v["rnn_036"]
    return v, v["ratio"] >= T["orders"]


@claim(
    "fig3.small_nu0_similar", "fig3", "C3",
    "At small nu0 both models reach low losses of similar size.",
    "max/min of the RNN and LRU mean final losses at nu0 = 0.36 <= 30",
)
def _fig3_small(src):
    d = _fig3a(src)
    v = {"rnn_036": _at(d["rnn"], "nu0", 0.36, "mean"), "lru_036": _at(d["lru"], "nu0", 0.36, "mean")}
    _finite(v)
    v["ratio"] = max(v.values()) / min(v.values())
    return v, v["ratio"] <= T["similar"]


@claim(
    "fig3.gap_widens", "fig3", "C3",
    "The RNN/LRU gap opens at intermediate nu0 and widens towards 0.99.",
    "RNN/LRU loss ratio at nu0 = 0.99 > ratio at nu0 = 0.84",
)
def _fig3_widens(src):
    d = _fig3a(src)
    v = {}
    for nu in (0.84, 0.99):
        v[f"ratio_{int(round(nu * 100)):03d}"] = _at(d["rnn"], "nu0", nu, "mean") / _at(
            d["lru"], "nu0", nu, "mean"
        )
    _finite(v)
    return v, v["ratio_099"] > v["ratio_084"]


_ABLATION = ["block-diagonal", "more-neurons", "crnn", "gamma", "lru"]


def _fig3b(src):
    right = src.table("fig3_right_best", _BEST)
    rnn = _at(_fig3a(src)["rnn"], "nu0", 0.99, "mean")
    vals = {"rnn": rnn}
    for cell in _ABLATION:
        d = right[right["cell"] == cell]
        if d.empty:
            raise NotEvaluated(f"fig3_right has no '{cell}' cell in this tier")
        vals[cell.replace("-", "_")] = _at(d, "nu0", 0.99, "mean")
    _finite(vals)
    return vals


@claim(
    "fig3.block_diagonal_closes_gap", "fig3", "C3",
    "2x2 block-diagonal connectivity closes almost the entire RNN-LRU gap, by orders of magnitude.",
    "RNN / block-diagonal >= 100 and log10(RNN/block-diagonal) >= 0.8 log10(RNN/LRU) (nu0 = 0.99)",
)
def _fig3_block(src):
    v = _fig3b(src)
    v = {"rnn": v["rnn"], "block_diagonal": v["block_diagonal"], "lru": v["lru"]}
    v["gain"] = v["rnn"] / v["block_diagonal"]
    v["gap_fraction"] = math.log10(v["gain"]) / math.log10(v["rnn"] / v["lru"])
    return v, v["gain"] >= T["orders"] and v["gap_fraction"] >= T["gap_fraction"]


@claim(
    "fig3.variants_similar", "fig3", "C3",
    "After block-diagonality, more neurons, complex numbers, gamma and exp change the loss by small "
    "factors only; the dense RNN is far worse than every variant.",
    "max/min over the 5 variants after the RNN <= 30, and RNN >= 100 x the worst variant",
)
def _fig3_variants(src):
    v = _fig3b(src)
    var = [v[k.replace("-", "_")] for k in _ABLATION]
    v["spread"] = max(var) / min(var)
    v["rnn_over_worst"] = v["rnn"] / max(var)
    return v, v["spread"] <= T["similar"] and v["rnn_over_worst"] >= T["orders"]


# =============================================================================================
# Fig 10 bottom — final loss vs theta0; Fig 11 — heads (aggregated tables)
# =============================================================================================
@claim(
    "fig10.lru_lowest", "fig10", "C3",
    "Concentrated teacher phases (as published): the LRU is the lowest at every theta0 and the "
    "dense RNN is poor at every theta0.",
    "at every theta0 of the published-remap grid: LRU <= cRNN and RNN >= 10 x LRU",
)
def _fig10_lowest(src):
    t = _fig10(src)
    v, ok = {}, True
    for th, g in t.groupby("theta0"):
        m = dict(zip(g["cell"], g["mean"]))
        if not {"lru", "crnn", "rnn"} <= set(m):
            raise NotEvaluated(f"theta0 = {th}: needs lru, crnn and rnn cells")
        v[f"lru_{th:g}"], v[f"crnn_{th:g}"], v[f"rnn_{th:g}"] = m["lru"], m["crnn"], m["rnn"]
        ok &= m["lru"] <= m["crnn"] and m["rnn"] >= T["order"] * m["lru"]
    _finite(v)
    return v, bool(ok)


def _fig10(src):
    """Fig 10 bottom per (cell, theta0), as published (results/tables/fig10.parquet, remap =
    published: the quirked remap where it was trained, the default rows where both coincide)."""
    t = src.table("fig10", ["model", "remap", "theta0", "mean"])
    t = t[t["remap"] == "published"].rename(columns={"model": "cell"})
    if t.empty:
        raise NotEvaluated("results/tables/fig10.parquet has no remap = published rows")
    return t


@claim(
    "fig10.crnn_flat_lru_improves", "fig10", "C3",
    "The cRNN stays roughly flat across theta0; the LRU improves as theta0 shrinks.",
    "cRNN max/min over theta0 <= 10, and LRU loss at the smallest theta0 < at the largest",
)
def _fig10_flat(src):
    t = _fig10(src)
    c = t[t["cell"] == "crnn"].sort_values("theta0")
    lr = t[t["cell"] == "lru"].sort_values("theta0")
    if c.empty or lr.empty:
        raise NotEvaluated("needs crnn and lru cells")
    v = {
        "crnn_spread": float(c["mean"].max() / c["mean"].min()),
        "lru_small": float(lr["mean"].iloc[0]),
        "lru_large": float(lr["mean"].iloc[-1]),
    }
    _finite(v)
    return v, v["crnn_spread"] <= T["order"] and v["lru_small"] < v["lru_large"]


@claim(
    "fig11.loss_falls_with_heads", "fig11", "C3",
    "The loss falls with the number of heads: little from 1 to 8 heads, by orders of magnitude at "
    "16 and 32 heads.",
    "loss(1 head)/loss(32) >= 100 and log10(L1/L8) < log10(L8/L32)",
)
def _fig11_loss(src):
    best = src.table("fig11_best", ["cell", "mean"])
    m = dict(zip(best["cell"], best["mean"]))
    need = ["heads-1", "heads-8", "heads-32"]
    if not set(need) <= set(m):
        raise NotEvaluated(f"needs cells {need} (this tier has {sorted(m)})")
    v = {"L1": m["heads-1"], "L8": m["heads-8"], "L32": m["heads-32"]}
    _finite(v)
    v["ratio_1_32"] = v["L1"] / v["L32"]
    ok = v["ratio_1_32"] >= T["orders"] and math.log10(v["L1"] / v["L8"]) < math.log10(v["L8"] / v["L32"])
    return v, ok


_A_GROUPS = ("A", "a", "rec", "recurrent")


def _fig11_curves(src, prefixes=("elr_",)) -> dict:
    """Per head count (cell) at its best lr: the history rows (sorted by epoch) with one column per
    prefix, named by the prefix (``elr_``: seed mean of the per-epoch "Mean LR" of A; ``elrpos_``:
    seed mean of its geometric mean over the positive entries; ``nonpos_``: share of entries <= 0)."""
    best = src.table("fig11_best", ["cell", "lr"])
    hist = src.table("fig11_history", ["cell", "lr", "epoch"])
    cols = {}
    for pre in prefixes:
        col = next((pre + g for g in _A_GROUPS if pre + g in hist.columns), None)
        if col is None:
            what = {"elr_": "the Mean-LR column of A (elr_A)",
                    "elrpos_": "the column elrpos_A (seed mean of the per-epoch pos_mean of A: "
                               "geometric mean over its positive effective lrs)",
                    "nonpos_": "the column nonpos_A (share of A's effective lrs <= 0)"}.get(pre, pre + "A")
            raise NotEvaluated(f"fig11_history lacks {what}")
        cols[pre] = col
    curves = {}
    for _, row in best.iterrows():
        h = hist[(hist["cell"] == row["cell"]) & np.isclose(hist["lr"], row["lr"])].sort_values("epoch")
        curves[row["cell"]] = pd.DataFrame({"epoch": h["epoch"].to_numpy(), "lr": float(row["lr"]),
                                            **{pre: h[c].to_numpy(float) for pre, c in cols.items()}})
    return curves


def _geomean(x) -> float:
    x = np.asarray(x, float)
    x = x[np.isfinite(x) & (x > 0)]
    if x.size == 0:
        raise NotEvaluated("no positive effective lr in any epoch")
    return float(10 ** np.mean(np.log10(x)))


def _fig11_elr_rise_old(src):
    c = {k: d["elr_"].to_numpy() for k, d in _fig11_curves(src).items()}
    if "heads-1" not in c or "heads-32" not in c:
        raise NotEvaluated("needs cells heads-1 and heads-32")
    g = {k: float(10 ** np.mean(np.log10(np.clip(v, 1e-30, None)))) for k, v in c.items()}
    v = {"elr_1": g["heads-1"], "elr_32": g["heads-32"]}
    _finite(v)
    v["ratio"] = v["elr_32"] / v["elr_1"]
    return v, v["ratio"] >= T["orders"]


_FIG11_RISE_OLD = "geometric mean over epochs of the Mean-LR of A at the best lr: 32 heads / 1 head >= 100"
_FIG11_NONPOS_REASON = (
    "the Mean-LR counts every entry with e <= 0 (a negative first moment) as 1e-8, a floor that "
    "enters the geometric mean as a tiny rate; the second-moment scaling the paper discusses is "
    "measured on the positive entries, with the non-positive share reported beside")


@claim(
    "fig11.elr_rises_with_heads", "fig11", "C3",
    "Adam's effective learning rate on A rises by orders of magnitude from 1 head to 32 heads.",
    "geometric mean over epochs of the geometric mean over A's positive effective lrs (seed mean, "
    "best lr): 32 heads / 1 head >= 100; the share of entries <= 0 is reported beside",
    superseded=[Superseded(_FIG11_RISE_OLD, _fig11_elr_rise_old, "2026-11-30", _FIG11_NONPOS_REASON)],
)
def _fig11_elr_rise(src):
    c = _fig11_curves(src, ("elrpos_",))
    if "heads-1" not in c or "heads-32" not in c:
        raise NotEvaluated("needs cells heads-1 and heads-32")
    v = {"elr_1": _geomean(c["heads-1"]["elrpos_"]), "elr_32": _geomean(c["heads-32"]["elrpos_"])}
    _finite(v)
    v["ratio"] = v["elr_32"] / v["elr_1"]
    try:
        n = _fig11_curves(src, ("nonpos_",))
        v["nonpos_frac_1"] = float(np.nanmean(n["heads-1"]["nonpos_"]))
        v["nonpos_frac_32"] = float(np.nanmean(n["heads-32"]["nonpos_"]))
    except NotEvaluated:
        pass
    return v, v["ratio"] >= T["orders"]


def _fig11_tail_old(src):
    c = {k: d["elr_"].to_numpy() for k, d in _fig11_curves(src).items()}
    v = {f"last_over_max_{k}": float(x[-1] / np.nanmax(x)) for k, x in c.items() if len(x)}
    _finite(v)
    return v, all(x <= 1 / T["order"] for x in v.values())


def _probe_lr(src, cell: str, lr: float, epochs) -> np.ndarray:
    """The scheduled lr the effective-lr probe used after each epoch (update number epoch x
    steps_per_epoch), from the cell's configuration in results/runs/fig11/<cell>/summary.json."""
    import torch

    from curse_of_memory.training.schedule import lr_at

    cfg = src.json(f"runs/fig11/{cell}/summary.json").get("config") or {}
    spec, steps, spe = cfg.get("schedule"), cfg.get("steps"), cfg.get("steps_per_epoch")
    if not (isinstance(spec, dict) and steps and spe):
        raise NotEvaluated(f"runs/fig11/{cell}/summary.json lacks the schedule, steps or steps_per_epoch")
    base = torch.tensor([float(lr)], dtype=torch.float64)
    return np.array([float(lr_at(spec, int(e) * int(spe), int(steps), base)[0]) for e in epochs])


_FIG11_TAIL_OLD = "for every head count: Mean-LR of A at the last epoch <= 0.1 x its maximum over epochs"


@claim(
    "fig11.elr_falls_at_end", "fig11", "fig",
    "Every effective-LR curve falls sharply at the end of training, because of the cosine decay.",
    "for every head count at its best lr: the plotted Mean-LR of A at the last epoch <= 0.1 x its "
    "maximum over epochs, and Adam's own factor (the geometric mean over A's positive effective lrs "
    "divided by the scheduled lr of the probe) at the last epoch >= 0.1 x its maximum over epochs, "
    "i.e. the fall is the schedule's, not Adam's",
    superseded=[Superseded(
        _FIG11_TAIL_OLD, _fig11_tail_old, "2026-11-30",
        "the probe is proportional to the scheduled lr, which the cosine decay takes to 1e-7 at the "
        "last epoch: the plotted curve falls by about 1e-4 whatever Adam does, so the old criterion "
        "held by construction; the paper's 'because of the cosine decay' is tested by removing the "
        "schedule")],
)
def _fig11_tail(src):
    c = _fig11_curves(src, ("elr_", "elrpos_"))
    if not c:
        raise NotEvaluated("fig11_best has no cells")
    v, ok = {}, True
    for cell, d in c.items():
        if not len(d):
            raise NotEvaluated(f"fig11_history has no epochs for {cell} at its best lr")
        plotted = d["elr_"].to_numpy()
        own = d["elrpos_"].to_numpy() / _probe_lr(src, cell, d["lr"].iloc[0], d["epoch"])
        if not np.isfinite(own[-1]):
            raise NotEvaluated(f"{cell}: no positive effective lr of A at the last epoch")
        v[f"last_over_max_{cell}"] = float(plotted[-1] / np.nanmax(plotted))
        v[f"adam_last_over_max_{cell}"] = float(own[-1] / np.nanmax(own))
        ok &= v[f"last_over_max_{cell}"] <= 1 / T["order"] and v[f"adam_last_over_max_{cell}"] >= 1 / T["order"]
    _finite(v)
    return v, bool(ok)


# =============================================================================================
# Figures whose data format is read from their CSVs (theory, Hessians, real data).
# Each check states the columns it needs; a figure not yet built reports "not evaluated".
# =============================================================================================
# Further checks live in sibling modules named ``claims_<topic>.py`` (e.g. claims_figures.py, an
# experiment beyond the paper): each registers its checks with ``@claim`` on import.
def _load_claim_modules():
    import importlib
    import pkgutil

    import curse_of_memory.analysis as pkg

    for mod in sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)):
        if mod.startswith("claims_"):
            importlib.import_module(f"curse_of_memory.analysis.{mod}")


_load_claim_modules()


# =============================================================================================
# Evaluation, JSON and LaTeX output
# =============================================================================================
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
        rec = {"id": c.id, "figure": c.figure, "paper_claim": c.paper, "claim": c.claim,
               "criterion": c.criterion}
        status, values, reason = _run(c.evaluate, src)
        rec |= {"values": values, "pass": status == "pass", "status": status}
        if reason is not None:
            rec["reason"] = reason
        if c.superseded:
            rec["superseded"] = []
            for old in c.superseded:
                st, vals, why = _run(old.evaluate, src)
                entry = {"criterion": old.criterion, "status": st, "values": vals,
                         "changed": old.changed, "reason": old.reason}
                if why is not None:
                    entry["note"] = why
                rec["superseded"].append(entry)
        out.append(rec)
    return out


def _counts(records) -> dict:
    return {s: sum(r["status"] == s for r in records) for s in ("pass", "fail", "not evaluated")}


SUMMARY_MAX_LINES = 25
SUMMARY_LINE_CHARS = 160
DETAILS = "results/claims.json, paper/tables/claims.tex; criteria: docs/CLAIMS.md"


def _clip(text: str, n: int = SUMMARY_LINE_CHARS) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def summary(records: list[dict], details: str | None = DETAILS) -> str:
    """At most 25 lines: the counts, one line (<= 160 characters) per failing check with its
    numbers, then where the details are."""
    n = _counts(records)
    figs = sorted({r["figure"] for r in records}, key=_fig_key)
    changed = sum(bool(r.get("superseded")) for r in records)
    head = (f"claims: {n['pass']} pass, {n['fail']} fail, {n['not evaluated']} not evaluated "
            f"({len(records)} checks over {len(figs)} figures"
            + (f"; {changed} with a replaced criterion" if changed else "") + ")")
    lines = [_clip(head)]
    ref = [r["reference"]["status"] for r in records if r.get("reference")]
    if ref:
        lines.append(_clip(f"  paper-tier reference: {ref.count('pass')} pass, {ref.count('fail')} fail, "
                           f"{ref.count('not evaluated')} not evaluated ({len(ref)} training checks)"))
    dead = [r["id"] for r in records if str(r.get("reason", "")).startswith("all seeds diverged")]
    if dead:
        lines.append(_clip(f"  not evaluated, all seeds diverged: {', '.join(dead)} "
                           "(results/diagnostics/<experiment>/flags.csv)"))
    fails = [r for r in records if r["status"] == "fail"]
    room = SUMMARY_MAX_LINES - len(lines) - (1 if details else 0)
    shown = fails if len(fails) <= room else fails[: room - 1]
    for r in shown:
        vals = ", ".join(f"{k}={_fmt(v)}" for k, v in r["values"].items())
        lines.append(_clip(f"  FAIL {r['id']}: {vals}"))
    if len(shown) < len(fails):
        lines.append(f"  ... and {len(fails) - len(shown)} more FAIL")
    if details:
        lines.append(_clip(f"details: {details}"))
    return "\n".join(lines)


def print_run_summary(path="results/claims.json", tex_hint: str | None = None) -> None:
    """End-of-run message (Snakemake ``onsuccess``): the claims summary (at most 25 lines), and the
    TeX hint if any.  Never raises: a finished run is not failed by its summary."""
    path = Path(path)
    if path.exists():
        try:
            details = DETAILS.replace("results/claims.json", str(path), 1)
            print(summary(json.loads(path.read_text()), details))
        except Exception as exc:
            print(f"claims: could not read {path} ({exc})")
    if tex_hint:
        print(tex_hint)


def _fig_key(stem):
    m = re.match(r"fig(\d+)", stem)
    return (int(m.group(1)) if m else 99, stem)


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-2:
        return f"{v:.2e}"
    return f"{v:.3g}"


# -- LaTeX --------------------------------------------------------------------------------------
# Every character that the claim texts, criteria, reasons and errata use is mapped to pdflatex-safe
# ASCII: text replacements, or math snippets (merged into one $...$ when adjacent).  Runs of
# superscript / subscript characters become one ^{...} / _{...} group.
_TEX_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "—": "---", "–": "--", "‒": "--", "―": "---", "…": r"\ldots{}", "‘": "`", "’": "'",
    "“": "``", "”": "''", "„": ",,", "«": r"\guillemotleft{}", "»": r"\guillemotright{}",
    "§": r"\S{}", "¶": r"\P{}", "©": r"\textcopyright{}", "®": r"\textregistered{}",
    "½": "1/2", "¼": "1/4", "¾": "3/4", "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,",
    "é": r"\'e", "è": r"\`e", "ü": r'\"u', "ö": r'\"o', "ä": r'\"a',
}
_TEX_MATH = {
    # Greek
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta",
    "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "µ": r"\mu", "ν": r"\nu",
    "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "ς": r"\varsigma", "τ": r"\tau",
    "υ": r"\upsilon", "φ": r"\phi", "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi",
    "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    # operators and relations
    "∂": r"\partial", "∇": r"\nabla", "√": r"\surd", "∞": r"\infty", "∑": r"\sum",
    "∏": r"\prod", "∫": r"\int", "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "≈": r"\approx",
    "≃": r"\simeq", "∼": r"\sim", "≡": r"\equiv", "≪": r"\ll", "≫": r"\gg", "≲": r"\lesssim",
    "≳": r"\gtrsim", "∝": r"\propto", "→": r"\to", "←": r"\leftarrow", "↦": r"\mapsto",
    "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "↔": r"\leftrightarrow", "×": r"\times",
    "·": r"\cdot", "⋅": r"\cdot", "∘": r"\circ", "⊙": r"\odot", "⊗": r"\otimes", "±": r"\pm",
    "∓": r"\mp", "÷": r"\div", "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq",
    "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset", "∀": r"\forall", "∃": r"\exists",
    "−": "-", "′": "'", "″": "''", "°": r"^\circ", "ŷ": r"\hat{y}",
    "‖": r"\|", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⟨": r"\langle", "⟩": r"\rangle", "ℓ": r"\ell", "ℝ": r"\mathbb{R}", "ℂ": r"\mathbb{C}",
    "<": "<", ">": ">", "|": "|",
}
_TEX_SUP = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
            "⁸": "8", "⁹": "9", "⁺": "+", "⁻": "-", "⁼": "=", "⁽": "(", "⁾": ")", "ⁿ": "n",
            "ⁱ": "i", "ᵀ": "T", "*": "*"}
_TEX_SUB = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7",
            "₈": "8", "₉": "9", "₊": "+", "₋": "-", "₌": "=", "₍": "(", "₎": ")"}
_TEX_BREAK = {"/": r"/\allowbreak{}", "_": r"\_\allowbreak{}", ".": r".\allowbreak{}"}


def _tex_fallback(ch: str) -> str:
    """A character outside every map: its ASCII base letter if it has one, else its code point."""
    import unicodedata

    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii() and c.isprintable())
    return "".join(_TEX_TEXT.get(c, c) for c in base) if base else f"[U+{ord(ch):04X}]"


def tex_escape(text: str, breakable: bool = False) -> str:
    """Plain/Unicode text -> LaTeX (pdflatex-safe ASCII: every character outside ASCII is mapped,
    none is replaced by "?").

    ``breakable``: allow line breaks after ``/``, ``_`` and ``.`` (identifiers, paths in narrow
    table columns)."""
    text, tokens, i = str(text), [], 0  # tokens: (is_math, snippet)
    while i < len(text):
        ch = text[i]
        for table, op in ((_TEX_SUP, "^"), (_TEX_SUB, "_")):
            if ch in table:
                j = i
                while j < len(text) and text[j] in table:
                    j += 1
                tokens.append((True, op + "{" + "".join(table[c] for c in text[i:j]) + "}"))
                i = j
                break
        else:
            if breakable and ch in _TEX_BREAK:
                tokens.append((False, _TEX_BREAK[ch]))
            elif ch in _TEX_MATH:
                tokens.append((True, _TEX_MATH[ch]))
            elif ch in _TEX_TEXT:
                tokens.append((False, _TEX_TEXT[ch]))
            elif ch.isascii():
                tokens.append((False, ch))
            else:
                tokens.append((False, _tex_fallback(ch)))
            i += 1
    out, math = [], []
    for is_math, snip in tokens + [(False, "")]:
        if is_math:
            math.append(snip)
            continue
        if math:
            out.append("$" + " ".join(math) + "$")
            math = []
        out.append(snip)
    return "".join(out)


def tex_number(v) -> str:
    """A measured number for a table: 3 significant digits, powers of ten as 1.23\\times10^{-4}."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    v = float(v)
    if math.isinf(v):
        return r"$\infty$" if v > 0 else r"$-\infty$"
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-2:
        m, e = f"{v:.2e}".split("e")
        return rf"${m}{{\times}}10^{{{int(e)}}}$"
    if v == int(v):
        return f"{int(v)}"
    return f"{v:.3g}"


_STATUS_TEX = {
    "pass": r"\textcolor{passgreen}{pass}",
    "fail": r"\textcolor{failred}{\textbf{FAIL}}",
    "not evaluated": r"\textcolor{gray}{not eval.}",
}
NO_REFERENCE = "--"  # the paper-tier reference column of a record without a ``reference``
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


def _status_tex(status: str | None) -> str:
    return _STATUS_TEX.get(status, NO_REFERENCE) if status else NO_REFERENCE


def _reference_tex(rec: dict) -> str:
    """The paper-tier reference outcome of a record (``rec["reference"]["status"]``), or ``--``."""
    ref = rec.get("reference")
    return _status_tex(ref.get("status")) if isinstance(ref, dict) else NO_REFERENCE


def _values_tex(values: dict) -> str:
    """Measured numbers as ``name = value`` pairs (names with spaces for underscores)."""
    return "; ".join(
        r"\textit{" + tex_escape(str(k).replace("_", " "), breakable=True) + r"}\,=\," + tex_number(v)
        for k, v in values.items())


def _figure_label(stem: str) -> str:
    m = re.match(r"fig(\d+)$", stem)
    return m.group(1) if m else stem.replace("fig_", "").replace("_", " ")


def to_latex(records: list[dict], tier: str) -> str:
    """A longtable, one row per check: id and claim, criterion, measured values, outcome (with the
    old verdict when the criterion was replaced) and the paper-tier reference outcome (``--``
    where the record has none)."""
    n = _counts(records)
    head = (r"check & criterion & measured & outcome & paper-tier reference \\")
    lines = [
        "% generated by curse_of_memory.analysis.claims -- do not edit",
        r"{\footnotesize\setlength{\tabcolsep}{3pt}",
        r"\begin{longtable}{@{}>{\raggedright}p{0.24\linewidth}>{\raggedright}p{0.28\linewidth}"
        r">{\raggedright}p{0.22\linewidth}>{\raggedright}p{0.10\linewidth}"
        r">{\raggedright\arraybackslash}p{0.09\linewidth}@{}}",
        r"\caption{Claims check (" + tex_escape(tier) + f" tier): {n['pass']} pass, {n['fail']} fail, "
        f"{n['not evaluated']} not evaluated. Criteria were fixed before any result existed; a "
        r"replaced criterion (it measured something other than the paper's statement) is shown "
        r"with its old verdict. A check whose input was not built is reported as not evaluated, "
        r"never as pass.}\label{tab:claims}\\",
        r"\toprule",
        head,
        r"\midrule\endfirsthead",
        r"\toprule " + head + r" \midrule\endhead",
        r"\bottomrule\endlastfoot",
    ]
    last_fig = None
    for r in sorted(records, key=lambda r: _fig_key(r["figure"])):
        if r["figure"] != last_fig:
            if last_fig is not None:
                lines.append(r"\midrule")
            last_fig = r["figure"]
        if r["status"] == "not evaluated":
            measured = r"\textit{" + tex_escape(r.get("reason", ""), breakable=True) + "}"
        else:
            measured = _values_tex(r["values"])
        outcome = _STATUS_TEX[r["status"]]
        for old in r.get("superseded", []):
            outcome += (r"\newline{\scriptsize criterion replaced " + tex_escape(old["changed"])
                        + "; old: " + _status_tex(old["status"]) + "}")
        lines.append(
            r"\texttt{" + tex_escape(r["id"], breakable=True) + r"}\newline{\scriptsize "
            + tex_escape(r["claim"]) + "} & " + tex_escape(r["criterion"])
            + r" & {\scriptsize " + measured + "} & " + outcome + " & " + _reference_tex(r)
            + r" \tabularnewline"
        )
    lines += [r"\end{longtable}}"]
    return "\n".join(lines) + "\n"


def summary_to_latex(records: list[dict], tier: str) -> str:
    """One table, one row per paper claim (C1..C4, then figure-only statements): the figures whose
    checks support it, pass / fail / not-evaluated counts, the paper-tier reference counts (``--``
    where no record has a reference), and the failing checks with their first measured number
    (3 significant digits)."""
    n = _counts(records)
    rows = []
    for key in ("C1", "C2", "C3", "C4", "fig"):
        recs = [r for r in records if r.get("paper_claim") == key]
        if not recs:
            continue
        c = _counts(recs)
        figs = sorted({r["figure"] for r in recs}, key=_fig_key)
        refs = [r["reference"] for r in recs if isinstance(r.get("reference"), dict)]
        if refs:
            rc = {s: sum(x.get("status") == s for x in refs) for s in ("pass", "fail", "not evaluated")}
            ref = f"{rc['pass']} / {rc['fail']} / {rc['not evaluated']}"
        else:
            ref = NO_REFERENCE
        fails = []
        for r in recs:
            if r["status"] != "fail":
                continue
            first = next(iter(r["values"].items()), None)
            num = (r" (\textit{" + tex_escape(str(first[0]).replace("_", " ")) + r"}\,=\,"
                   + tex_number(first[1]) + ")") if first else ""
            fails.append(r"\texttt{" + tex_escape(r["id"], breakable=True) + "}" + num)
        changed = [r["id"] for r in recs if r.get("superseded")]
        issues = "; ".join(fails) if fails else NO_REFERENCE
        if changed:
            issues += (r"\newline{\scriptsize replaced criteria: "
                       + ", ".join(r"\texttt{" + tex_escape(i, breakable=True) + "}" for i in changed)
                       + "}")
        name = key if key != "fig" else "figure only"
        rows.append(
            r"\textbf{" + tex_escape(name) + r"}\newline{\scriptsize " + tex_escape(PAPER_CLAIMS[key])
            + "} & " + ", ".join(tex_escape(_figure_label(f)) for f in figs)
            + f" & {c['pass']} & {c['fail']} & {c['not evaluated']} & {ref} & " + issues
            + r" \tabularnewline"
        )
    return "\n".join([
        "% generated by curse_of_memory.analysis.claims -- do not edit",
        r"\begin{table}[htbp]\centering\footnotesize\setlength{\tabcolsep}{3pt}",
        r"\caption{Verdict per claim of the paper (" + tex_escape(tier) + f" tier): {n['pass']} "
        f"pass, {n['fail']} fail, {n['not evaluated']} not evaluated over {len(records)} checks. "
        r"Figures: the figures whose checks support the claim. Paper-tier reference: pass / fail / "
        r"not evaluated of the same checks at the paper's scale (-- where not available). Known "
        r"criterion issues: the failing checks, with their first measured number (details in "
        r"Table~\ref{tab:claims}).}\label{tab:claims-summary}",
        r"\begin{tabular}{@{}>{\raggedright}p{0.27\linewidth}>{\raggedright}p{0.11\linewidth}"
        r"ccc>{\raggedright}p{0.09\linewidth}>{\raggedright\arraybackslash}p{0.30\linewidth}@{}}",
        r"\toprule",
        r"paper claim & figures & pass & fail & not eval. & paper-tier reference & "
        r"known criterion issues (failing checks) \\",
        r"\midrule",
        *rows,
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ]) + "\n"


def to_html(records: list[dict], tier: str) -> str:
    """The claims as one HTML table, for `snakemake --report`."""
    from html import escape

    colour = {"pass": "#1a7f37", "fail": "#b22222", "not evaluated": "#777"}
    rows = []
    for r in sorted(records, key=lambda r: _fig_key(r["figure"])):
        measured = r.get("reason") if r["status"] == "not evaluated" else ", ".join(
            f"{k}={_fmt(v)}" for k, v in r["values"].items())
        old = "".join(f"<br><small>criterion replaced {escape(o['changed'])}; old: "
                      f"{escape(o['status'])}</small>" for o in r.get("superseded", []))
        ref = r.get("reference")
        ref = escape(ref.get("status", "")) if isinstance(ref, dict) else "&ndash;"
        rows.append(
            f"<tr><td><code>{escape(r['id'])}</code><br><small>{escape(r['claim'])}</small></td>"
            f"<td>{escape(r['criterion'])}</td><td><small>{escape(measured or '')}</small></td>"
            f"<td style='color:{colour[r['status']]}'><b>{escape(r['status'])}</b>{old}</td>"
            f"<td>{ref}</td></tr>"
        )
    head = escape(summary(records, None).splitlines()[0])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Claims check</title></head><body>"
        f"<h2>Claims check ({escape(tier)} tier)</h2><p>{head}</p>"
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        "<tr><th>check</th><th>criterion</th><th>measured</th><th>outcome</th>"
        "<th>paper-tier reference</th></tr>"
        + "".join(rows) + "</table></body></html>\n"
    )


def main(argv=None):
    """``python -m curse_of_memory.analysis.claims [--figures DIR] [--tables DIR] [--results DIR]``:
    evaluate what exists and print the summary (no files written)."""
    import argparse

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--figures", default="paper/figures")
    p.add_argument("--tables", default="results/tables")
    p.add_argument("--results", default="results")
    a = p.parse_args(argv)
    recs = evaluate(Sources(Path(a.figures), Path(a.tables), Path(a.results)))
    print(summary(recs))


if __name__ == "__main__":
    main()
