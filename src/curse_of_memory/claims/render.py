"""The claims check as output: the console summary (and the end-of-run message of a Snakemake
run), the LaTeX claims tables (every check; one row per claim of the paper, the project's own
predictions apart), the HTML table of ``snakemake --report``, and the LaTeX helpers the paper's
other generated tables share (:func:`tex_escape`, :func:`tex_number`).

Every function reads the records of :func:`curse_of_memory.claims.core.evaluate` (or
``results/claims.json``).  The paper's claims (C1-C4 and figure-only statements) are counted apart
from the project's predictions (``paper_claim == "beyond"``), and the paper's checks by what they
read (``kind``: trained runs, closed forms or constructed optima, measurements at
initialisation); every non-passing check carries its ``reading`` (core.READINGS)."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from html import escape
from pathlib import Path

from curse_of_memory.claims.core import KINDS, PAPER_CLAIMS, READINGS, STATUSES


def _counts(records) -> dict:
    return {s: sum(r["status"] == s for r in records) for s in STATUSES}


def _ours(records) -> list[dict]:
    """The project's predictions beyond the paper."""
    return [r for r in records if r.get("paper_claim") == "beyond"]


def _papers(records) -> list[dict]:
    """The checks of the paper's claims (C1-C4 and figure-only statements)."""
    return [r for r in records if r.get("paper_claim") != "beyond"]


def kind_counts(records) -> list[tuple[str, int, int]]:
    """(kind label, passing, checks) per kind of the paper's checks that occurs, in KINDS order."""
    out = []
    for key, label in KINDS.items():
        mine = [r for r in _papers(records) if r.get("kind") == key]
        if mine:
            out.append((label, sum(r["status"] == "pass" for r in mine), len(mine)))
    return out


def _counts_text(n: dict, fail_word: str = "fail") -> str:
    text = f"{n['pass']} pass, {n['fail']} {fail_word}, {n['not evaluated']} not evaluated"
    return text + (f", {n['error']} error" if n.get("error") else "")


SUMMARY_MAX_LINES = 25
SUMMARY_LINE_CHARS = 160
DETAILS = "results/claims.json, paper/tables/claims.tex; criteria: docs/CLAIMS.md"


def _clip(text: str, n: int = SUMMARY_LINE_CHARS) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _replaced_note(r: dict) -> str:
    old = [o for o in r.get("superseded", []) if o.get("status") == "pass"]
    return f" (criterion replaced {old[-1]['changed']}; old: pass)" if old else ""


def summary(records: list[dict], details: str | None = DETAILS) -> str:
    """At most 25 lines: the counts of the paper's checks (by kind), of the project's predictions,
    of the paper-tier reference; one line per check that raised (ERROR), fails (FAIL; FINDING for
    a project prediction) or changes its verdict on the seed medians (MEDIAN), with its numbers;
    then where the details are."""
    papers, ours = _papers(records), _ours(records)
    n = _counts(papers)
    figs = sorted({r["figure"] for r in papers}, key=_fig_key)
    changed = sum(bool(r.get("superseded")) for r in papers)
    head = (
        f"claims: {_counts_text(n)} "
        f"({len(papers)} checks of the paper's claims over {len(figs)} figures"
        + (f"; {changed} with a replaced criterion" if changed else "")
        + ")"
    )
    lines = [_clip(head)]
    kinds = kind_counts(records)
    if kinds:
        lines.append(_clip("  " + "; ".join(f"{k}: {p} of {m} pass" for k, p, m in kinds)))
    if ours:
        lines.append(
            _clip(
                f"  beyond the paper (project predictions): "
                f"{_counts_text(_counts(ours), 'not borne out')} ({len(ours)} checks)"
            )
        )
    ref = [r["reference"]["status"] for r in records if r.get("reference")]
    if ref:
        nr = {s: ref.count(s) for s in STATUSES}
        lines.append(
            _clip(f"  paper-tier reference: {_counts_text(nr)} ({len(ref)} training checks)")
        )
    dead = [r["id"] for r in records if str(r.get("reason", "")).startswith("all seeds diverged")]
    if dead:
        lines.append(
            _clip(
                f"  not evaluated, all seeds diverged: {', '.join(dead)} "
                "(results/diagnostics/<experiment>/flags.csv)"
            )
        )
    items = [f"  ERROR {r['id']}: {r.get('reason', '')}" for r in records if r["status"] == "error"]
    for r in records:
        if r["status"] == "fail":
            vals = ", ".join(f"{k}={_fmt(v)}" for k, v in r["values"].items())
            word = "FINDING" if r.get("paper_claim") == "beyond" else "FAIL"
            items.append(f"  {word} {r['id']}{_replaced_note(r)}: {vals}")
    items += [
        f"  MEDIAN {r['id']}: {r['median_verdict']}" for r in records if r.get("median_verdict")
    ]
    room = SUMMARY_MAX_LINES - len(lines) - (1 if details else 0)
    shown = items if len(items) <= room else items[: room - 1]
    lines += [_clip(x) for x in shown]
    if len(shown) < len(items):
        lines.append(f"  ... and {len(items) - len(shown)} more FAIL, FINDING or MEDIAN lines")
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
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "—": "---",
    "–": "--",
    "‒": "--",
    "―": "---",
    "…": r"\ldots{}",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "„": ",,",
    "«": r"\guillemotleft{}",
    "»": r"\guillemotright{}",
    "§": r"\S{}",
    "¶": r"\P{}",
    "©": r"\textcopyright{}",
    "®": r"\textregistered{}",
    "½": "1/2",
    "¼": "1/4",
    "¾": "3/4",
    "\u00a0": "~",
    "\u2009": r"\,",
    "\u202f": r"\,",
    "é": r"\'e",
    "è": r"\`e",
    "ü": r"\"u",
    "ö": r"\"o",
    "ä": r"\"a",
}
_TEX_MATH = {
    # Greek
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "ϵ": r"\epsilon",
    "ζ": r"\zeta",
    "η": r"\eta",
    "θ": r"\theta",
    "ϑ": r"\vartheta",
    "ι": r"\iota",
    "κ": r"\kappa",
    "λ": r"\lambda",
    "μ": r"\mu",
    "µ": r"\mu",
    "ν": r"\nu",
    "ξ": r"\xi",
    "π": r"\pi",
    "ρ": r"\rho",
    "σ": r"\sigma",
    "ς": r"\varsigma",
    "τ": r"\tau",
    "υ": r"\upsilon",
    "φ": r"\phi",
    "ϕ": r"\phi",
    "χ": r"\chi",
    "ψ": r"\psi",
    "ω": r"\omega",
    "Γ": r"\Gamma",
    "Δ": r"\Delta",
    "Θ": r"\Theta",
    "Λ": r"\Lambda",
    "Ξ": r"\Xi",
    "Π": r"\Pi",
    "Σ": r"\Sigma",
    "Υ": r"\Upsilon",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
    # operators and relations
    "∂": r"\partial",
    "∇": r"\nabla",
    "√": r"\surd",
    "∞": r"\infty",
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "≥": r"\geq",
    "≤": r"\leq",
    "≠": r"\neq",
    "≈": r"\approx",
    "≃": r"\simeq",
    "∼": r"\sim",
    "≡": r"\equiv",
    "≪": r"\ll",
    "≫": r"\gg",
    "≲": r"\lesssim",
    "≳": r"\gtrsim",
    "∝": r"\propto",
    "→": r"\to",
    "←": r"\leftarrow",
    "↦": r"\mapsto",
    "⇒": r"\Rightarrow",
    "⇔": r"\Leftrightarrow",
    "↔": r"\leftrightarrow",
    "×": r"\times",
    "·": r"\cdot",
    "⋅": r"\cdot",
    "∘": r"\circ",
    "⊙": r"\odot",
    "⊗": r"\otimes",
    "±": r"\pm",
    "∓": r"\mp",
    "÷": r"\div",
    "∈": r"\in",
    "∉": r"\notin",
    "⊂": r"\subset",
    "⊆": r"\subseteq",
    "∪": r"\cup",
    "∩": r"\cap",
    "∅": r"\emptyset",
    "∀": r"\forall",
    "∃": r"\exists",
    "−": "-",
    "′": "'",
    "″": "''",
    "°": r"^\circ",
    "ŷ": r"\hat{y}",
    "‖": r"\|",
    "⌈": r"\lceil",
    "⌉": r"\rceil",
    "⌊": r"\lfloor",
    "⌋": r"\rfloor",
    "⟨": r"\langle",
    "⟩": r"\rangle",
    "ℓ": r"\ell",
    "ℝ": r"\mathbb{R}",
    "ℂ": r"\mathbb{C}",
    "<": "<",
    ">": ">",
    "|": "|",
}
_TEX_SUP = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁺": "+",
    "⁻": "-",
    "⁼": "=",
    "⁽": "(",
    "⁾": ")",
    "ⁿ": "n",
    "ⁱ": "i",
    "ᵀ": "T",
    "*": "*",
}
_TEX_SUB = {
    "₀": "0",
    "₁": "1",
    "₂": "2",
    "₃": "3",
    "₄": "4",
    "₅": "5",
    "₆": "6",
    "₇": "7",
    "₈": "8",
    "₉": "9",
    "₊": "+",
    "₋": "-",
    "₌": "=",
    "₍": "(",
    "₎": ")",
}
_TEX_BREAK = {"/": r"/\allowbreak{}", "_": r"\_\allowbreak{}", ".": r".\allowbreak{}"}


def _tex_fallback(ch: str) -> str:
    """A character outside every map: its ASCII base letter if it has one, else its code point."""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii() and c.isprintable())
    return "".join(_TEX_TEXT.get(c, c) for c in base) if base else f"[U+{ord(ch):04X}]"


def tex_int(n: int) -> str:
    """An integer with thousands separators that LaTeX spaces as digits (68{,}600)."""
    return f"{int(n):,}".replace(",", "{,}")


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
    "error": r"\textcolor{failred}{\textbf{ERROR}}",
}
NO_REFERENCE = "--"  # the paper-tier reference column of a record without a ``reference``
# A reduced tier whose lr windows come from the reference (training.reduce.lr_centre: reference).
LR_CENTRED_NOTE = (
    "At this tier each training cell's learning-rate window is centred on the paper-tier "
    "reference run's best learning rates (README, Tiers): its verdicts on trained runs are not "
    "independent of the reference."
)
HISTORY_NOTE = (
    "Criteria were written before the results they judge unless docs/CLAIMS.md marks them as "
    "chosen after seeing data; a replaced criterion is shown with its old verdict."
)
OUTCOMES_NOTE = (
    "Not evaluated: an input not built, a point missing or a value not finite where the check "
    "reads one (never a pass); error: the check itself raised (a defect of the check)."
)


def _status_tex(status: str | None) -> str:
    return _STATUS_TEX.get(status, NO_REFERENCE) if status else NO_REFERENCE


def _reference_tex(rec: dict) -> str:
    """The paper-tier reference outcome of a record (``rec["reference"]["status"]``), or ``--``;
    with the seed medians' verdict where it differs."""
    ref = rec.get("reference")
    if not isinstance(ref, dict):
        return NO_REFERENCE
    out = _status_tex(ref.get("status"))
    if ref.get("median_verdict"):
        out += r"\newline{\scriptsize median: " + _status_tex(ref["median"]["status"]) + "}"
    return out


def _values_tex(values: dict) -> str:
    """Measured numbers as ``name = value`` pairs (names with spaces for underscores)."""
    return "; ".join(
        r"\textit{"
        + tex_escape(str(k).replace("_", " "), breakable=True)
        + r"}\,=\,"
        + tex_number(v)
        for k, v in values.items()
    )


def _figure_label(stem: str) -> str:
    m = re.match(r"fig(\d+)$", stem)
    return m.group(1) if m else stem.replace("fig_", "").replace("_", " ")


def _kinds_text(records) -> str:
    return "; ".join(f"{k}: {p} of {m} pass" for k, p, m in kind_counts(records))


def _outcome_tex(r: dict) -> str:
    """Status, what a non-passing result is, the seed medians' verdict where it differs, and the
    verdicts of replaced criteria."""
    out = _STATUS_TEX[r["status"]]
    if r["status"] == "fail" and r.get("reading"):
        out += r"\newline{\scriptsize " + tex_escape(r["reading"]) + "}"
    if r.get("median_verdict"):
        out += r"\newline{\scriptsize seed median: " + _status_tex(r["median"]["status"]) + "}"
    for old in r.get("superseded", []):
        out += (
            r"\newline{\scriptsize criterion replaced "
            + tex_escape(old["changed"])
            + "; old: "
            + _status_tex(old["status"])
            + "}"
        )
    return out


def _row_tex(r: dict) -> str:
    if r["status"] in ("not evaluated", "error"):
        measured = r"\textit{" + tex_escape(r.get("reason", ""), breakable=True) + "}"
    else:
        measured = _values_tex(r["values"])
    kind = KINDS.get(r.get("kind"), "")
    return (
        r"\texttt{"
        + tex_escape(r["id"], breakable=True)
        + r"}\newline{\scriptsize "
        + tex_escape(r["claim"])
        + "}"
        + (r"\newline{\scriptsize\textit{reads: " + tex_escape(kind) + "}}" if kind else "")
        + " & "
        + tex_escape(r["criterion"])
        + r" & {\scriptsize "
        + measured
        + "} & "
        + _outcome_tex(r)
        + " & "
        + _reference_tex(r)
        + r" \tabularnewline"
    )


def to_latex(records: list[dict], tier: str, lr_centred: bool = False) -> str:
    """A longtable, one row per check: id, claim and what it reads, criterion, measured values,
    outcome (with what a non-passing result is, the seed medians' verdict where it differs, and
    the old verdict when the criterion was replaced) and the paper-tier reference outcome (``--``
    where the record has none).  The project's own predictions come last, under their own
    heading.  ``lr_centred``: this tier's lr windows were centred on the reference's best lrs."""
    papers, ours = _papers(records), _ours(records)
    head = r"check & criterion & measured & outcome & paper-tier reference \\"
    caption = (
        r"\caption{Claims check ("
        + tex_escape(tier)
        + f" tier). The paper's claims: {_counts_text(_counts(papers))} over {len(papers)} checks"
        + (f" ({tex_escape(_kinds_text(records))})" if kind_counts(records) else "")
        + "."
        + (
            f" Beyond the paper, the project's own predictions (last rows, not claims of the "
            f"paper): {_counts_text(_counts(ours), 'not borne out')}."
            if ours
            else ""
        )
        + f" {HISTORY_NOTE} {OUTCOMES_NOTE}"
        + (f" {LR_CENTRED_NOTE}" if lr_centred else "")
        + r"}\label{tab:claims}\\"
    )
    lines = [
        "% generated by curse_of_memory.claims.render -- do not edit",
        r"{\footnotesize\setlength{\tabcolsep}{3pt}",
        r"\begin{longtable}{@{}>{\raggedright}p{0.24\linewidth}>{\raggedright}p{0.28\linewidth}"
        r">{\raggedright}p{0.22\linewidth}>{\raggedright}p{0.10\linewidth}"
        r">{\raggedright\arraybackslash}p{0.09\linewidth}@{}}",
        caption,
        r"\toprule",
        head,
        r"\midrule\endfirsthead",
        r"\toprule " + head + r" \midrule\endhead",
        r"\bottomrule\endlastfoot",
    ]
    last_fig = None
    for r in sorted(papers, key=lambda r: _fig_key(r["figure"])):
        if r["figure"] != last_fig:
            if last_fig is not None:
                lines.append(r"\midrule")
            last_fig = r["figure"]
        lines.append(_row_tex(r))
    if ours:
        lines += [
            r"\midrule",
            r"\multicolumn{5}{@{}l}{\textit{Beyond the paper: the project's own predictions "
            r"(not claims of the paper)}}\tabularnewline",
            r"\midrule",
        ]
        lines += [_row_tex(r) for r in ours]
    lines += [r"\end{longtable}}"]
    return "\n".join(lines) + "\n"


def _short_reason(reason: str, n: int = 70) -> str:
    """A not-evaluated reason for the summary table: file paths cut to their names, clipped."""
    text = re.sub(r"\S*/(\S+)", r"\1", str(reason or ""))
    return text if len(text) <= n else text[: n - 3] + "..."


def _first_value_tex(r: dict) -> str:
    first = next(iter(r["values"].items()), None)
    if not first:
        return ""
    return (
        r" (\textit{"
        + tex_escape(str(first[0]).replace("_", " "))
        + r"}\,=\,"
        + tex_number(first[1])
        + ")"
    )


def _id_tex(r: dict) -> str:
    return r"\texttt{" + tex_escape(r["id"], breakable=True) + "}"


def _non_passing_tex(recs: list[dict]) -> str:
    """Every non-passing check of a row, grouped by what it is (core.READINGS): disagreements
    and findings with their first measured number, replaced criteria with the old verdict, errors
    and not-evaluated checks with why; then checks whose seed medians give another verdict."""
    parts = []
    fails = [r for r in recs if r["status"] == "fail"]
    for key in ("disagrees", "replaced", "finding"):
        mine = [r for r in fails if r.get("reading") == READINGS[key]]
        if mine:
            items = [
                _id_tex(r) + (" (old: pass)" if key == "replaced" else _first_value_tex(r))
                for r in mine
            ]
            parts.append(r"\textit{" + tex_escape(READINGS[key]) + ":} " + "; ".join(items))
    errors = [r for r in recs if r["status"] == "error"]
    if errors:
        parts.append(
            r"\textit{error:} "
            + "; ".join(
                _id_tex(r) + " (" + tex_escape(_short_reason(r.get("reason", ""))) + ")"
                for r in errors
            )
        )
    why = {}
    for r in recs:
        if r["status"] == "not evaluated":
            why.setdefault(_short_reason(r.get("reason", "")), []).append(r)
    for reason, mine in why.items():
        parts.append(
            r"\textit{not evaluated} ("
            + tex_escape(reason, breakable=True)
            + "): "
            + ", ".join(_id_tex(r) for r in mine)
        )
    med = [r for r in recs if r.get("median_verdict")]
    if med:
        parts.append(
            r"\textit{seed median gives another verdict:} "
            + "; ".join(
                _id_tex(r) + " (median: " + _status_tex(r["median"]["status"]) + ")" for r in med
            )
        )
    return r"\newline ".join(parts) if parts else NO_REFERENCE


def summary_to_latex(records: list[dict], tier: str, lr_centred: bool = False) -> str:
    """One table, one row per paper claim (C1..C4, then figure-only statements) and, apart, one
    row for the project's own predictions: the figures whose checks support it, pass / fail /
    not-evaluated / error counts, the paper-tier reference counts (``--`` where no record has a
    reference), and every non-passing check with what it is (core.READINGS)."""
    papers, ours = _papers(records), _ours(records)
    rows = []
    for key in ("C1", "C2", "C3", "C4", "fig", "beyond"):
        recs = [r for r in records if r.get("paper_claim") == key]
        if not recs:
            continue
        if key == "beyond" and rows:
            rows.append(r"\midrule")
        c = _counts(recs)
        figs = sorted({r["figure"] for r in recs}, key=_fig_key)
        refs = [r["reference"] for r in recs if isinstance(r.get("reference"), dict)]
        if refs:
            rc = {s: sum(x.get("status") == s for x in refs) for s in STATUSES}
            ref = f"{rc['pass']} / {rc['fail']} / {rc['not evaluated']}" + (
                f" / {rc['error']}" if rc["error"] else ""
            )
        else:
            ref = NO_REFERENCE
        issues = _non_passing_tex(recs)
        changed = [r["id"] for r in recs if r.get("superseded")]
        if changed:
            issues += (
                r"\newline{\scriptsize replaced criteria: "
                + ", ".join(r"\texttt{" + tex_escape(i, breakable=True) + "}" for i in changed)
                + "}"
            )
        name = {"fig": "figure only", "beyond": "beyond the paper"}.get(key, key)
        rows.append(
            r"\textbf{"
            + tex_escape(name)
            + r"}\newline{\scriptsize "
            + tex_escape(PAPER_CLAIMS[key])
            + "} & "
            + ", ".join(tex_escape(_figure_label(f)) for f in figs)
            + f" & {c['pass']} & {c['fail']} & {c['not evaluated']} & {c['error']} & {ref} & "
            + issues
            + r" \tabularnewline"
        )
    n = _counts(papers)
    kinds = kind_counts(records)
    caption = (
        r"\caption{Verdict per claim of the paper ("
        + tex_escape(tier)
        + f" tier): {_counts_text(n)} over {len(papers)} checks of the paper's claims"
        + (f" ({tex_escape(_kinds_text(records))})" if kinds else "")
        + "."
        + (
            " The project's own predictions (the optimizer study) are counted apart in the last "
            f"row ({_counts_text(_counts(ours), 'not borne out')}): a prediction that fails is a "
            "finding beyond the paper, not evidence against it."
            if ours
            else ""
        )
        + " Figures: the figures whose checks support the claim. Paper-tier reference: pass / "
        "fail / not evaluated (/ error) of the same checks at the paper's scale (-- where not "
        "available). Last column: every non-passing check and what it is (details in "
        r"Table~\ref{tab:claims}). "
        + HISTORY_NOTE
        + (f" {LR_CENTRED_NOTE}" if lr_centred else "")
        + r"}\label{tab:claims-summary}"
    )
    return (
        "\n".join(
            [
                "% generated by curse_of_memory.claims.render -- do not edit",
                r"\begin{table}[htbp]\centering\footnotesize\setlength{\tabcolsep}{3pt}",
                caption,
                r"\begin{tabular}{@{}>{\raggedright}p{0.24\linewidth}>{\raggedright}p{0.10\linewidth}"
                r"cccc>{\raggedright}p{0.09\linewidth}>{\raggedright\arraybackslash}p{0.29\linewidth}@{}}",
                r"\toprule",
                r"paper claim & figures & pass & fail & not eval. & err. & paper-tier reference & "
                r"non-passing checks: what each is \\",
                r"\midrule",
                *rows,
                r"\bottomrule",
                r"\end{tabular}",
                r"\end{table}",
            ]
        )
        + "\n"
    )


def to_html(records: list[dict], tier: str, lr_centred: bool = False) -> str:
    """The claims as one HTML table, for `snakemake --report` (the project's predictions last,
    under their own heading)."""
    colour = {"pass": "#1a7f37", "fail": "#b22222", "not evaluated": "#777", "error": "#b22222"}

    def row(r):
        measured = (
            r.get("reason")
            if r["status"] in ("not evaluated", "error")
            else ", ".join(f"{k}={_fmt(v)}" for k, v in r["values"].items())
        )
        extra = ""
        if r["status"] == "fail" and r.get("reading"):
            extra += f"<br><small>{escape(r['reading'])}</small>"
        if r.get("median_verdict"):
            extra += f"<br><small>seed median: {escape(r['median']['status'])}</small>"
        extra += "".join(
            f"<br><small>criterion replaced {escape(o['changed'])}; old: "
            f"{escape(o['status'])}</small>"
            for o in r.get("superseded", [])
        )
        ref = r.get("reference")
        ref = escape(ref.get("status", "")) if isinstance(ref, dict) else "&ndash;"
        kind = KINDS.get(r.get("kind"), "")
        return (
            f"<tr><td><code>{escape(r['id'])}</code><br><small>{escape(r['claim'])}</small>"
            + (f"<br><small><i>reads: {escape(kind)}</i></small>" if kind else "")
            + f"</td><td>{escape(r['criterion'])}</td>"
            f"<td><small>{escape(measured or '')}</small></td>"
            f"<td style='color:{colour[r['status']]}'><b>{escape(r['status'])}</b>{extra}</td>"
            f"<td>{ref}</td></tr>"
        )

    rows = [row(r) for r in sorted(_papers(records), key=lambda r: _fig_key(r["figure"]))]
    if _ours(records):
        rows.append(
            "<tr><th colspan='5'>Beyond the paper: the project's own predictions (not claims of "
            "the paper)</th></tr>"
        )
        rows += [row(r) for r in _ours(records)]
    head = "<br>".join(escape(x) for x in summary(records, None).splitlines()[:3])
    notes = HISTORY_NOTE + " " + OUTCOMES_NOTE + (f" {LR_CENTRED_NOTE}" if lr_centred else "")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Claims check</title></head><body>"
        f"<h2>Claims check ({escape(tier)} tier)</h2><p>{head}</p><p>{escape(notes)}</p>"
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        "<tr><th>check</th><th>criterion</th><th>measured</th><th>outcome</th>"
        "<th>paper-tier reference</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )
