"""The appendix hyperparameter tables (Tables 1-3) from the pipeline's own configuration.

Each table is a list of rows (setting, value per model); values come from the paper-scale cell
settings in config.yaml plus the learning rate the pipeline selected (in the tier that ran).
Rendered as Markdown and as a LaTeX booktabs table float (caption, label ``tab:table<n>``)
that fits the text width.
"""

from __future__ import annotations

import math
import re

from curse_of_memory.cell import DEFAULTS

TABLES = {
    1: {
        "title": "Figure 3A: dense RNN and LRU on the teacher-student task",
        "cells": [("fig3a", "rnn"), ("fig3a", "lru")],
        "theta0": False,
    },
    2: {
        "title": "Figure 3B: from the dense RNN to the LRU at nu0 = 0.99",
        "cells": [
            ("fig3a", "rnn"),
            ("fig3b", "block-diagonal"),
            ("fig3b", "more-neurons"),
            ("fig3b", "crnn"),
            ("fig3b", "gamma"),
            ("fig3b", "lru"),
        ],
        "theta0": False,
        "nu0": 0.99,
    },
    3: {
        "title": "Figure 10: concentrating the teacher's eigenvalue phases",
        "cells": [("fig10", "lru"), ("fig10", "crnn"), ("fig10", "rnn")],
        "theta0": True,
    },
}
FOOTNOTE = (
    "The dense RNN is initialised with nu_min = 0 (eigenvalue moduli tanh|l|) rather than "
    "with the teacher's distribution, which gave better results."
)
FLAGGED = (
    "flagged: every learning rate of the grid had a diverged seed; the lr shown is the "
    "as-published rule's choice (lowest mean over the seeds that did not diverge)."
)


def _g(x):
    return f"{x:g}"


def _init(cell):
    m = cell["model"]
    if m["name"] == "rnn":
        heads = m.get("heads", 1)
        block = m.get("hidden", DEFAULTS["model"]["hidden"]) // heads
        kind = "dense" if heads == 1 else f"{heads} heads of {block}x{block}"
        return f"{kind}, nu_min = 0*"
    if m["name"] == "lru":
        return "ring [nu0, 1], phases [-theta0, theta0]"
    return f"S4 ({m.get('init', 'default')} init)"


def _model(cell):
    m = cell["model"]
    if m["name"] == "lru":
        return f"LRU param={m.get('param')} gamma={m.get('gamma')}"
    if m["name"] == "rnn":
        return f"linear RNN, {m.get('heads', 1)} head(s)"
    return m["name"]


def _selected(best, exp, cell, nu0=None):
    if best is None or len(best) == 0:
        return "not run in this tier"
    d = best[(best["experiment"] == exp) & (best["cell"] == cell)]
    if nu0 is not None:
        d = d[(d["nu0"] - nu0).abs() < 1e-9]
    if d.empty:
        return "not run in this tier"
    parts = []
    for _, r in d.sort_values(["nu0", "theta0"]).iterrows():
        lr = "n/a" if not math.isfinite(r["lr"]) else _g(r["lr"])
        flag = " (flagged)" if r.get("flagged", False) else ""
        key = f"theta0={_g(r['theta0'])}" if d["theta0"].nunique() > 1 else f"nu0={_g(r['nu0'])}"
        parts.append(lr + flag if len(d) == 1 else f"{key}: {lr}{flag}")
    return "; ".join(parts)


def build(n: int, cells: dict, best, tier: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of table ``n``; ``cells`` maps 'experiment/cell' to the paper-scale cell
    dict with its label; ``best`` the concatenated best-lr tables (or None)."""
    spec = TABLES[n]
    chosen = [(e, c) for e, c in spec["cells"] if f"{e}/{c}" in cells]
    cs = [cells[f"{e}/{c}"] for e, c in chosen]
    header = ["Setting"] + [c.get("label", c["cell"]) for c in cs]
    first = cs[0] if cs else None

    def row(name, fn):
        return [name] + [fn(c) for c in cs]

    rows = []
    if first:
        rows += [
            row("Model", _model),
            row("Batch size", lambda c: str(c["task"].get("batch", 128))),
            row("Sequence length", lambda c: str(c["task"].get("T", 300))),
            row(
                "Neurons (teacher / student)",
                lambda c: (
                    f"{c['task'].get('teacher_hidden', DEFAULTS['task']['teacher_hidden'])} / "
                    f"{c['model'].get('hidden', DEFAULTS['model']['hidden'])}"
                ),
            ),
            row("Input / output dimension", lambda c: "1 / 1"),
            row(
                "nu0",
                lambda c: ", ".join(
                    _g(v)
                    for v in sorted({p["nu0"] for p in c["points"]})
                    if spec.get("nu0") is None or v == spec["nu0"]
                ),
            ),
        ]
        if spec["theta0"]:
            rows.append(row("theta0", lambda c: ", ".join(_g(p["theta0"]) for p in c["points"])))
        rows += [
            row("Learning rates (grid search)", lambda c: ", ".join(_g(v) for v in c["lrs"])),
            row(
                "Optimizer",
                lambda c: (
                    c["optimizer"]["name"].replace("adam", "Adam")
                    + (
                        f", cosine decay to {_g(c['schedule'].get('lr_min', 1e-7))}"
                        if c["schedule"]["name"] == "cosine"
                        else ", constant lr"
                    )
                ),
            ),
            row("Initialization", _init),
            row("Iterations", lambda c: f"{c['steps']:,}"),
            row("Seeds", lambda c: str(len(c["seeds"]))),
            [f"Selected lr ({tier} tier)"]
            + [_selected(best, e, c, spec.get("nu0")) for e, c in chosen],
        ]
    return header, rows


def to_markdown(n, header, rows, tier):
    lines = [
        f"**Table {n}.** {TABLES[n]['title']} "
        f"(paper-scale settings; selected lr from the {tier} tier)",
        "",
    ]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if any("*" in c for r in rows for c in r):
        lines += ["", "\\* " + FOOTNOTE]
    if any("(flagged)" in c for r in rows for c in r):
        lines += ["", FLAGGED[0].upper() + FLAGGED[1:]]
    return "\n".join(lines) + "\n"


def _tex(s: str) -> str:
    if s.startswith("$") and s.endswith("$"):
        return s
    out = s
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("_", r"\_"),
        ("#", r"\#"),
    ):
        if "$" not in out:
            out = out.replace(a, b)
    out = (
        out.replace("nu0", r"$\nu_0$")
        .replace("nu\\_0", r"$\nu_0$")
        .replace("theta0", r"$\theta_0$")
    )
    out = out.replace("nu_min", r"$\nu_{\min}$").replace("nu\\_min", r"$\nu_{\min}$")
    return out.replace("*", r"$^*$")


def _tex_value(s: str) -> str:
    r"""A cell: numbers in a comma/semicolon list as LaTeX (1e-05 -> $10^{-5}$, 0.000316 ->
    $3.16\cdot10^{-4}$, 10,000 stays), the rest through :func:`_tex`."""

    def num(m):
        x = float(m.group(0))
        if x == 0 or 1e-2 <= abs(x) < 1e3 or float(x).is_integer():
            return m.group(0)
        e = math.floor(math.log10(abs(x)))
        mant = x / 10**e
        if abs(mant - round(mant)) < 1e-9 and round(mant) == 1:
            return f"$10^{{{e}}}$"
        return f"${mant:.3g}\\cdot10^{{{e}}}$"

    out = _tex(s)
    # only bare numbers (not inside an existing $...$ and not part of a word such as S4)
    parts = re.split(r"(\$[^$]*\$)", out)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])", num, parts[i])
    return "".join(parts)


def caption(n: int, tier: str) -> str:
    return (
        TABLES[n]["title"] + ": experimental details (paper-scale settings from config.yaml; "
        f"the last row is the learning rate the {tier} tier selected)."
    )


def to_latex(n, header, rows, tier):
    """A ``table`` float with caption and label ``tab:table<n>``, set in \\scriptsize with
    wrapping p{} columns that add up to the text width (any number of models), and the footnote
    as a table note inside the float."""
    k = max(len(header) - 1, 1)
    first = r">{\raggedright\arraybackslash}p{\dimexpr0.19\linewidth-\tabcolsep\relax}"
    other = (
        r">{\raggedright\arraybackslash}p{\dimexpr"
        + f"{0.81 / k:.4f}"
        + r"\linewidth-2\tabcolsep\relax}"
    )
    cols = "@{}" + first + other * k + "@{}"
    lines = [
        f"% Table {n}: {TABLES[n]['title']}. "
        "Generated by the pipeline from config.yaml; do not edit.",
        r"\begin{table}[htbp]",
        r"\centering\scriptsize\setlength{\tabcolsep}{3pt}",
        r"\caption{" + _tex(caption(n, tier)) + r"}\label{tab:table" + str(n) + "}",
        r"\begin{tabular}{" + cols + "}",
        r"\toprule",
        " & ".join(r"\textbf{" + _tex(h) + "}" for h in header) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join([_tex(r[0])] + [_tex_value(c) for c in r[1:]]) + r" \\" for r in rows]
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    notes = []
    if any("*" in c for r in rows for c in r):
        notes.append("$^*$" + _tex(FOOTNOTE))
    if any("(flagged)" in c for r in rows for c in r):
        notes.append(_tex(FLAGGED[0].upper() + FLAGGED[1:]))
    if notes:  # table notes inside the float, under the rule
        lines.append(r"\par\smallskip\parbox{\linewidth}{\raggedright " + r" \\ ".join(notes) + "}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
