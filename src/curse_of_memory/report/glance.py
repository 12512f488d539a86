"""Reproduction at a glance: every value read off the paper's figures beside this project's.

``compare(readings, sources, primary) -> DataFrame`` gives one row per published reading
(resources/published/readings.csv) with the matching number of every source — this run, the
paper-tier reference on the paper's teacher, the paper-tier reference on the second teacher —
the ratio of the primary source to the published value, and whether it lies within
``FACTOR`` (3×) of it.  A source is a :class:`Source`: a label and a dict of the tables it holds
(``fig3a_best``, ``fig3b_best``, ``fig10_best``, ``fig11_best``, ``fig11_history``,
``autocorrelation_fit``).  ``deviations(table, notes)`` lists the rows beyond the factor with
what was checked and found (resources/published/deviations.yaml); ``latex(...)`` writes the
PDF's section.

Which number of ours answers which reading:

* Fig 3A / 10 (bottom) / 11 (left): the seed mean of the final training loss at the best lr
  (the ``mean`` of the ``*_best`` tables), at the reading's ν0, θ0 or head count; Fig 3B's
  ``rnn`` is Fig 3A's dense RNN at ν0 = 0.99, the other series are the cells of Fig 3B; Fig 10
  at θ0 < π reads the run with the as-published teacher remap, the one the paper's code used
  (at θ0 = π both remaps give the same teacher);
* Fig 11 (right): the effective learning rate of A (geometric mean over its entries) at
  epoch 50 of 100, at the best lr of the head count;
* Fig 12: the autocorrelation c(0), the amplitude and the decay per token of the exponential
  fit over lags ≥ 1 of
  this run's embeddings (not the paper's BERT-base embeddings of Wikipedia unless the run was
  configured with them: docs/DATA.md).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from curse_of_memory.errors import UserError

FACTOR = 3.0  # "within 3x": far beyond the ±20 % of a reading, inside an order of magnitude
DEVIATION_NOTES = Path("resources/published/deviations.yaml")
TABLES = (
    "fig3a_best",
    "fig3b_best",
    "fig10_best",
    "fig10_published_best",
    "fig11_best",
    "fig11_history",
)


@dataclass
class Source:
    key: str  # column name: this_run, paper_teacher, second_teacher
    label: str  # column heading
    tables: dict = field(default_factory=dict)  # name -> DataFrame (or dict for the fit)


def load_source(key: str, label: str, paths=(), fit_json=None) -> Source:
    """A source from table files (``<name>.parquet`` with a name of ``TABLES``; others are
    ignored) and an optional autocorrelation fit JSON."""
    tables = {}
    for path in map(Path, paths):
        if path.stem in TABLES and path.exists():
            tables[path.stem] = pd.read_parquet(path)
    if fit_json is not None and Path(fit_json).exists():
        tables["autocorrelation_fit"] = json.loads(Path(fit_json).read_text())
    return Source(key, label, tables)


def table_paths(folder) -> list[Path]:
    """The ``TABLES`` files of a reference folder (``<folder>/tables/``) that exist."""
    return [p for n in TABLES if (p := Path(folder) / "tables" / f"{n}.parquet").exists()]


def _best(tables, name, cell, column, x, experiment=None):
    df = tables.get(name)
    if df is None or df.empty:
        return math.nan
    sel = df[df["cell"] == cell]
    if experiment is not None:
        sel = sel[sel["experiment"] == experiment]
    sel = sel[np.isclose(sel[column].astype(float), float(x), rtol=0, atol=1e-6)]
    return float(sel["mean"].iloc[0]) if len(sel) else math.nan


def _elr_epoch50(tables, heads):
    best, hist = tables.get("fig11_best"), tables.get("fig11_history")
    if best is None or hist is None or "elr_A" not in hist:
        return math.nan
    cell = f"heads-{int(heads)}"
    row = best[best["cell"] == cell]
    if row.empty or not np.isfinite(row["lr"].iloc[0]):
        return math.nan
    h = hist[(hist["cell"] == cell) & np.isclose(hist["lr"], row["lr"].iloc[0])]
    h = h[h["epoch"] == 50]
    return float(h["elr_A"].iloc[0]) if len(h) else math.nan


def value(tables: dict, r) -> float:
    """This source's number for one reading (NaN when the source does not hold it)."""
    fig, panel, series, x, q = str(r["figure"]), r["panel"], r["series"], r["x"], r["quantity"]
    if fig == "3" and panel == "A":
        return _best(tables, "fig3a_best", series, "nu0", x)
    if fig == "3" and panel == "B":
        if series == "rnn":
            return _best(tables, "fig3a_best", "rnn", "nu0", x)
        return _best(tables, "fig3b_best", series, "nu0", x)
    if fig == "10":  # the paper's code ran Fig 10 with the as-published remap (METHODS §3.2)
        name = "fig10_published_best" if x < 3.14 - 1e-6 else "fig10_best"
        return _best(tables, name, series, "theta0", x)
    if fig == "11" and q == "final_train_loss":
        return _best(tables, "fig11_best", f"heads-{int(x)}", "nu0", 0.99)
    if fig == "11" and q == "effective_lr_A_epoch50":
        return _elr_epoch50(tables, x)
    if fig == "12":
        fit = tables.get("autocorrelation_fit", {}).get("default", {})
        key = {"autocorrelation_spike": "c0_value", "fit_amplitude": "a1"}.get(q, "r1")
        return float(fit.get(key, math.nan))
    return math.nan


def compare(readings: pd.DataFrame, sources: list[Source], primary: dict) -> pd.DataFrame:
    """One row per reading: the published value, every source's value, the primary source's
    ratio to the published value and whether it is within ``FACTOR``.  ``primary`` maps a
    figure ("3", "10", "11", "12") to the key of the source compared (the paper-tier reference
    on the paper's teacher for the trained figures; this run for Fig 12's data)."""
    rows = []
    for _, r in readings.iterrows():
        row = {
            k: r[k] for k in ("figure", "panel", "series", "x_name", "x", "quantity", "published")
        }
        for s in sources:
            row[s.key] = value(s.tables, r)
        key = primary.get(str(r["figure"]))
        ours = row.get(key, math.nan) if key else math.nan
        row["compared"] = key or ""
        row["ratio"] = ours / r["published"] if np.isfinite(ours) and ours > 0 else math.nan
        row["within"] = (
            bool(1 / FACTOR <= row["ratio"] <= FACTOR) if np.isfinite(row["ratio"]) else None
        )
        rows.append(row)
    return pd.DataFrame(rows)


def count_within(table: pd.DataFrame, key: str) -> tuple[int, int]:
    """(points within ``FACTOR``, points with a number) for one source's column."""
    ratio = table[key].to_numpy(float) / table["published"].to_numpy(float)
    ok = np.isfinite(ratio) & (ratio > 0)
    return int(((ratio >= 1 / FACTOR) & (ratio <= FACTOR) & ok).sum()), int(ok.sum())


def load_notes(path=DEVIATION_NOTES) -> list[dict]:
    """The written investigations of the deviations: a list of {figure, panel, series, x (or
    absent: every x), checked, found}."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        notes = yaml.safe_load(path.read_text()) or []
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(notes, list) or any(not isinstance(n, dict) for n in notes):
        raise UserError(
            f"{path}: must be a list of mappings (figure, panel, series, checked, found)"
        )
    return notes


def _note_for(notes, r):
    for n in notes:
        if str(n.get("figure")) != str(r["figure"]) or n.get("panel") != r["panel"]:
            continue
        if n.get("series") not in (None, r["series"]):
            continue
        if "x" in n and not np.isclose(float(n["x"]), float(r["x"])):
            continue
        return n
    return None


def other_notes(devs: pd.DataFrame, notes: list[dict]) -> list[dict]:
    """Investigated deviations that no row of ``devs`` (the points beyond the factor) shows: a
    figure the readings do not cover, or a point now within the factor, listed after the table."""
    return [n for n in notes if not any(_note_for([n], r) for _, r in devs.iterrows())]


def deviations(table: pd.DataFrame, notes: list[dict]) -> pd.DataFrame:
    """The rows beyond ``FACTOR`` (or with no number of ours), with what was checked and found."""
    out = table[table["within"] != True].copy()  # noqa: E712 (None: no number of ours)
    checked, found = [], []
    for _, r in out.iterrows():
        n = _note_for(notes, r)
        checked.append(n.get("checked", "") if n else "not investigated yet")
        found.append(n.get("found", "") if n else "")
    out["checked"], out["found"] = checked, found
    return out


# --- LaTeX ---------------------------------------------------------------------------------------


def _num(v) -> str:
    if v is None or not np.isfinite(v):
        return "--"
    return f"{v:.2g}".replace("e-0", "e-").replace("e+0", "e")


def _tex(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&")):
        s = s.replace(a, b)
    for a, b in (("#", r"\#"), ("ν", r"$\nu$"), ("θ", r"$\theta$"), ("×", r"$\times$")):
        s = s.replace(a, b)
    return s


X_SYMBOL = {"nu0": r"$\nu_0$", "theta0": r"$\theta_0$", "heads": "heads", "lag": "lag"}


def latex(
    table: pd.DataFrame, devs: pd.DataFrame, sources: list[Source], tier: str, others=()
) -> str:
    """The section "Reproduction at a glance": the count, the table, the deviations (those of
    the readings, then ``others``: investigated deviations no reading covers)."""
    judged = table[table["within"].notna()]
    n_in, n = int((judged["within"] == True).sum()), len(judged)  # noqa: E712
    keys = [s.key for s in sources]
    lines = [
        r"\section*{Reproduction at a glance}\label{sec:glance}",
        r"\addcontentsline{toc}{section}{Reproduction at a glance}",
        rf"\textbf{{{n_in} of {n} published points within {FACTOR:g}$\times$}} of ours"
        + (f" ({len(table) - n} without a number of ours yet)" if len(table) > n else "")
        + ". Published values are read off the paper's figures ($\\pm$20\\,\\%, "
        r"\texttt{resources/published/}); ``ours'' is the paper-tier reference run on the "
        r"paper's own teacher draw for the training figures (Figs 3, 10 bottom, 11; Fig 10 at "
        r"$\theta_0 < \pi$ with the as-published teacher remap, as the paper's code ran) and this "
        r"run's embeddings for Fig 12; ratio = ours / published. The columns ``paper's "
        r"teacher'' and ``2nd teacher'' are the two paper-tier reference runs; the second teacher "
        r"is an independent draw of the same recipe (METHODS \S 3.1); this run is the "
        + _tex(tier)
        + " tier. Per column: "
        + "; ".join(
            f"{_tex(src.label)}: {a} of {b}"
            for src in sources
            for a, b in [count_within(table, src.key)]
            if b
        )
        + ".",
        "",
        r"{\scriptsize\setlength{\tabcolsep}{2.5pt}",
        r"\begin{longtable}{llllr" + "r" * len(keys) + "rc}",
        r"\toprule",
        "Fig & panel & series & $x$ & published & "
        + " & ".join(_tex(s.label) for s in sources)
        + r" & ratio & $\le 3\times$ \\",
        r"\midrule\endhead",
    ]
    for _, r in table.iterrows():
        mark = {True: "yes", False: r"\textbf{no}", None: "--"}[r["within"]]
        x = (
            ""
            if not np.isfinite(r["x"])
            else f"{X_SYMBOL.get(r['x_name'], r['x_name'])} {r['x']:g}"
        )
        if r["quantity"] == "effective_lr_A_epoch50":
            x += r" (e.l.r.\ of $A$)"
        elif r["quantity"] not in ("final_train_loss",):
            x = _tex(r["quantity"].replace("_", " "))
        cells = [
            str(r["figure"]),
            _tex(str(r["panel"])),
            _tex(str(r["series"])),
            x,
            _num(r["published"]),
            *[_num(r[k]) for k in keys],
            _num(r["ratio"]),
            mark,
        ]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{longtable}}", ""]
    lines.append(r"\subsection*{Deviations beyond " + f"{FACTOR:g}" + r"$\times$}")
    lines.append(
        "Each point of ours beyond the factor (ratio in brackets), with what was checked and "
        r"what was found (\texttt{resources/published/deviations.yaml})."
    )
    if devs.empty:
        lines.append("None.")
    else:
        lines += [
            r"{\small\begin{longtable}{p{0.17\linewidth}p{0.37\linewidth}p{0.37\linewidth}}",
            r"\toprule point (ratio) & what was checked & what was found \\",
            r"\midrule\endhead",
        ]
        groups: dict[tuple[str, str], list[str]] = {}  # one row per note, its points together
        for _, r in devs.iterrows():
            x = "" if not np.isfinite(r["x"]) else f" {r['x']:g}"
            point = f"Fig {r['figure']}{r['panel'] if r['panel'] in ('A', 'B') else ''} "
            point += f"{r['series']}{x} ({_num(r['ratio'])})"
            groups.setdefault((r["checked"], r["found"]), []).append(point)
        for (checked, found), points in groups.items():
            lines.append(f"{_tex('; '.join(points))} & {_tex(checked)} & {_tex(found)} " + r"\\")
        lines += [r"\bottomrule", r"\end{longtable}}"]
    if others:
        lines += [
            r"\subsection*{Other deviations investigated}",
            r"{\small\begin{longtable}{p{0.17\linewidth}p{0.37\linewidth}p{0.37\linewidth}}",
            r"\toprule point & what was checked & what was found \\",
            r"\midrule\endhead",
        ]
        for n in others:
            point = f"Fig {n.get('figure')} {n.get('panel', '')} {n.get('series', '')}".strip()
            lines.append(
                f"{_tex(point)} & {_tex(str(n.get('checked', '')))} & "
                f"{_tex(str(n.get('found', '')))} " + r"\\"
            )
        lines += [r"\bottomrule", r"\end{longtable}}"]
    return "\n".join(lines) + "\n"
