"""The claims check: every claim of the paper as a named, falsifiable check on the produced data.

Each check has an id, the figure it is about (the figure file stem), the claim in words, an explicit
criterion, and an evaluator that reads the pipeline's outputs and returns named numbers plus a
verdict.  **The criteria and their thresholds (the constants in ``T`` below) were fixed on
2026-11-26, before any figure of this pipeline had been produced**, from SPEC §0 and each figure's
"Expected" in SPEC §5; they are never loosened after a failure (git history shows when each was
written).

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
class Claim:
    id: str
    figure: str
    paper: str  # the SPEC §0 claim it supports: C1..C4, or "fig" for a figure-only statement
    claim: str
    criterion: str
    evaluate: Callable[[Sources], tuple[dict, bool]]


CLAIMS: list[Claim] = []


def claim(id, figure, paper, claim, criterion):
    def register(fn):
        if any(c.id == id for c in CLAIMS):
            raise ValueError(f"duplicate claim id {id}")
        CLAIMS.append(Claim(id, figure, paper, claim, criterion, fn))
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
    """ycol at the row whose ``col`` is nearest ``value``."""
    i = (df[col] - value).abs().idxmin()
    return float(df.loc[i, ycol])


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
        vals[cell.replace("-", "_")] = float(d["mean"].iloc[0])
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


def _fig11_elr(src):
    best = src.table("fig11_best", ["cell", "lr"])
    hist = src.table("fig11_history", ["cell", "lr", "epoch"])
    col = next((c for c in ("elr_A", "elr_a", "elr_rec", "elr_recurrent") if c in hist.columns), None)
    if col is None:
        raise NotEvaluated("fig11_history lacks the effective-LR column of A (elr_A)")
    curves = {}
    for _, row in best.iterrows():
        h = hist[(hist["cell"] == row["cell"]) & np.isclose(hist["lr"], row["lr"])].sort_values("epoch")
        curves[row["cell"]] = h[col].to_numpy(float)
    return curves


@claim(
    "fig11.elr_rises_with_heads", "fig11", "C3",
    "Adam's effective learning rate on A rises by orders of magnitude from 1 head to 32 heads.",
    "geometric mean over epochs of the Mean-LR of A at the best lr: 32 heads / 1 head >= 100",
)
def _fig11_elr_rise(src):
    c = _fig11_elr(src)
    if "heads-1" not in c or "heads-32" not in c:
        raise NotEvaluated("needs cells heads-1 and heads-32")
    g = {k: float(10 ** np.mean(np.log10(np.clip(v, 1e-30, None)))) for k, v in c.items()}
    v = {"elr_1": g["heads-1"], "elr_32": g["heads-32"]}
    _finite(v)
    v["ratio"] = v["elr_32"] / v["elr_1"]
    return v, v["ratio"] >= T["orders"]


@claim(
    "fig11.elr_falls_at_end", "fig11", "fig",
    "Every effective-LR curve falls sharply at the end of training (cosine decay).",
    "for every head count: Mean-LR of A at the last epoch <= 0.1 x its maximum over epochs",
)
def _fig11_tail(src):
    c = _fig11_elr(src)
    v = {f"last_over_max_{k}": float(x[-1] / np.nanmax(x)) for k, x in c.items() if len(x)}
    _finite(v)
    return v, all(x <= 1 / T["order"] for x in v.values())


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
def evaluate(src: Sources | None = None, claims=None) -> list[dict]:
    """Run every check; never raises for a failing or unevaluable check."""
    src = src or Sources()
    out = []
    for c in claims or CLAIMS:
        rec = {"id": c.id, "figure": c.figure, "paper_claim": c.paper, "claim": c.claim,
               "criterion": c.criterion, "values": {}, "pass": False}
        try:
            values, passed = c.evaluate(src)
            rec["values"] = {k: (float(x) if x is not None else None) for k, x in values.items()}
            rec["status"] = "pass" if bool(passed) else "fail"
            rec["pass"] = bool(passed)
        except NotEvaluated as exc:
            rec["status"], rec["reason"] = "not evaluated", str(exc)
        except Exception as exc:  # a bug in a check is reported, never a pass
            rec["status"] = "not evaluated"
            rec["reason"] = f"check raised {type(exc).__name__}: {exc}"
        rec["values"] = {k: (v if v is None or math.isfinite(v) else None) for k, v in rec["values"].items()}
        out.append(rec)
    return out


def summary(records: list[dict]) -> str:
    """A few lines: counts, then every failing check with its numbers."""
    n = {s: sum(r["status"] == s for r in records) for s in ("pass", "fail", "not evaluated")}
    figs = sorted({r["figure"] for r in records}, key=_fig_key)
    lines = [
        f"claims: {n['pass']} pass, {n['fail']} fail, {n['not evaluated']} not evaluated "
        f"({len(records)} checks over {len(figs)} figures)"
    ]
    for r in records:
        if r["status"] == "fail":
            vals = ", ".join(f"{k}={_fmt(v)}" for k, v in r["values"].items())
            lines.append(f"  FAIL {r['id']}: {r['criterion']} [{vals}]")
    return "\n".join(lines)


def print_run_summary(path="results/claims.json", tex_hint: str | None = None) -> None:
    """End-of-run message (Snakemake ``onsuccess``): the claims summary, and the TeX hint if any.
    Never raises: a finished run is not failed by its summary."""
    path = Path(path)
    if path.exists():
        try:
            print(summary(json.loads(path.read_text())) + f"  (details: {path})")
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
_TEX_MAP = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "λ": r"$\lambda$", "ν": r"$\nu$", "ρ": r"$\rho$", "θ": r"$\theta$", "γ": r"$\gamma$",
    "π": r"$\pi$", "ω": r"$\omega$", "Δ": r"$\Delta$", "σ": r"$\sigma$", "∂": r"$\partial$",
    "≥": r"$\geq$", "≤": r"$\leq$", "→": r"$\to$", "×": r"$\times$", "±": r"$\pm$",
    "≈": r"$\approx$", "−": "-", "·": r"$\cdot$", "²": r"$^2$", "³": r"$^3$", "≪": r"$\ll$",
    "<": r"$<$", ">": r"$>$", "|": r"$|$", "*": r"$^*$",
}


def tex_escape(text: str, breakable: bool = False) -> str:
    """Plain/Unicode text -> LaTeX (pdflatex-safe: every character outside ASCII is mapped).

    ``breakable``: allow line breaks after ``/``, ``_`` and ``.`` (identifiers, paths in narrow
    table columns)."""
    brk = {"/": r"/\allowbreak{}", "_": r"\_\allowbreak{}", ".": r".\allowbreak{}"} if breakable else {}
    out = "".join(brk.get(ch, _TEX_MAP.get(ch, ch)) for ch in str(text))
    out = out.replace("$$", "")  # adjacent math snippets merge
    return out.encode("ascii", "replace").decode("ascii")


_STATUS_TEX = {
    "pass": r"\textcolor{passgreen}{pass}",
    "fail": r"\textcolor{failred}{\textbf{FAIL}}",
    "not evaluated": r"\textcolor{gray}{not eval.}",
}


def to_latex(records: list[dict], tier: str) -> str:
    """A longtable: id, criterion, measured values, outcome (booktabs)."""
    n = {s: sum(r["status"] == s for r in records) for s in ("pass", "fail", "not evaluated")}
    lines = [
        "% generated by curse_of_memory.analysis.claims -- do not edit",
        r"\begin{longtable}{@{}p{0.25\linewidth}p{0.32\linewidth}p{0.24\linewidth}l@{}}",
        r"\caption{Claims check (" + tex_escape(tier) + f" tier): {n['pass']} pass, {n['fail']} fail, "
        f"{n['not evaluated']} not evaluated. Criteria were fixed before any result existed; a "
        r"check whose input was not built is reported as not evaluated, never as pass.}"
        r"\label{tab:claims}\\",
        r"\toprule",
        r"check & criterion & measured & outcome \\",
        r"\midrule\endfirsthead",
        r"\toprule check & criterion & measured & outcome \\ \midrule\endhead",
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
            measured = ", ".join(f"{tex_escape(k, True)}\\,=\\,{tex_escape(_fmt(v))}" for k, v in r["values"].items())
        lines.append(
            r"\raggedright\texttt{" + tex_escape(r["id"], breakable=True) + r"}\newline{\footnotesize "
            + tex_escape(r["claim"]) + "} & " + r"\raggedright " + tex_escape(r["criterion"])
            + " & " + r"\raggedright{\footnotesize " + measured + "} & "
            + _STATUS_TEX[r["status"]] + r" \tabularnewline"
        )
    lines.append(r"\end{longtable}")
    return "\n".join(lines) + "\n"


def to_html(records: list[dict], tier: str) -> str:
    """The claims as one HTML table, for `snakemake --report`."""
    from html import escape

    colour = {"pass": "#1a7f37", "fail": "#b22222", "not evaluated": "#777"}
    rows = []
    for r in sorted(records, key=lambda r: _fig_key(r["figure"])):
        measured = r.get("reason") if r["status"] == "not evaluated" else ", ".join(
            f"{k}={_fmt(v)}" for k, v in r["values"].items())
        rows.append(
            f"<tr><td><code>{escape(r['id'])}</code><br><small>{escape(r['claim'])}</small></td>"
            f"<td>{escape(r['criterion'])}</td><td><small>{escape(measured or '')}</small></td>"
            f"<td style='color:{colour[r['status']]}'><b>{escape(r['status'])}</b></td></tr>"
        )
    head = escape(summary(records).splitlines()[0])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Claims check</title></head><body>"
        f"<h2>Claims check ({escape(tier)} tier)</h2><p>{head}</p>"
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        "<tr><th>check</th><th>criterion</th><th>measured</th><th>outcome</th></tr>"
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
