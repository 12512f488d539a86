"""The claims check as output: the console summary (and the end-of-run message of a Snakemake
run), the LaTeX claims tables (every check; one row per claim of the paper), the HTML table of
``snakemake --report``, and the LaTeX helpers the paper's other generated tables share
(:func:`tex_escape`, :func:`tex_number`).

Every function reads the records of :func:`curse_of_memory.claims.core.evaluate` (or
``results/claims.json``)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from curse_of_memory.claims.core import PAPER_CLAIMS


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
    head = (
        f"claims: {n['pass']} pass, {n['fail']} fail, {n['not evaluated']} not evaluated "
        f"({len(records)} checks over {len(figs)} figures"
        + (f"; {changed} with a replaced criterion" if changed else "")
        + ")"
    )
    lines = [_clip(head)]
    ref = [r["reference"]["status"] for r in records if r.get("reference")]
    if ref:
        lines.append(
            _clip(
                f"  paper-tier reference: {ref.count('pass')} pass, {ref.count('fail')} fail, "
                f"{ref.count('not evaluated')} not evaluated ({len(ref)} training checks)"
            )
        )
    dead = [r["id"] for r in records if str(r.get("reason", "")).startswith("all seeds diverged")]
    if dead:
        lines.append(
            _clip(
                f"  not evaluated, all seeds diverged: {', '.join(dead)} "
                "(results/diagnostics/<experiment>/flags.csv)"
            )
        )
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


def _status_tex(status: str | None) -> str:
    return _STATUS_TEX.get(status, NO_REFERENCE) if status else NO_REFERENCE


def _reference_tex(rec: dict) -> str:
    """The paper-tier reference outcome of a record (``rec["reference"]["status"]``), or ``--``."""
    ref = rec.get("reference")
    return _status_tex(ref.get("status")) if isinstance(ref, dict) else NO_REFERENCE


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


def to_latex(records: list[dict], tier: str) -> str:
    """A longtable, one row per check: id and claim, criterion, measured values, outcome (with the
    old verdict when the criterion was replaced) and the paper-tier reference outcome (``--``
    where the record has none)."""
    n = _counts(records)
    head = r"check & criterion & measured & outcome & paper-tier reference \\"
    lines = [
        "% generated by curse_of_memory.claims.render -- do not edit",
        r"{\footnotesize\setlength{\tabcolsep}{3pt}",
        r"\begin{longtable}{@{}>{\raggedright}p{0.24\linewidth}>{\raggedright}p{0.28\linewidth}"
        r">{\raggedright}p{0.22\linewidth}>{\raggedright}p{0.10\linewidth}"
        r">{\raggedright\arraybackslash}p{0.09\linewidth}@{}}",
        r"\caption{Claims check ("
        + tex_escape(tier)
        + f" tier): {n['pass']} pass, {n['fail']} fail, "
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
            outcome += (
                r"\newline{\scriptsize criterion replaced "
                + tex_escape(old["changed"])
                + "; old: "
                + _status_tex(old["status"])
                + "}"
            )
        lines.append(
            r"\texttt{"
            + tex_escape(r["id"], breakable=True)
            + r"}\newline{\scriptsize "
            + tex_escape(r["claim"])
            + "} & "
            + tex_escape(r["criterion"])
            + r" & {\scriptsize "
            + measured
            + "} & "
            + outcome
            + " & "
            + _reference_tex(r)
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
            rc = {
                s: sum(x.get("status") == s for x in refs)
                for s in ("pass", "fail", "not evaluated")
            }
            ref = f"{rc['pass']} / {rc['fail']} / {rc['not evaluated']}"
        else:
            ref = NO_REFERENCE
        fails = []
        for r in recs:
            if r["status"] != "fail":
                continue
            first = next(iter(r["values"].items()), None)
            num = (
                (
                    r" (\textit{"
                    + tex_escape(str(first[0]).replace("_", " "))
                    + r"}\,=\,"
                    + tex_number(first[1])
                    + ")"
                )
                if first
                else ""
            )
            fails.append(r"\texttt{" + tex_escape(r["id"], breakable=True) + "}" + num)
        changed = [r["id"] for r in recs if r.get("superseded")]
        issues = "; ".join(fails) if fails else NO_REFERENCE
        if changed:
            issues += (
                r"\newline{\scriptsize replaced criteria: "
                + ", ".join(r"\texttt{" + tex_escape(i, breakable=True) + "}" for i in changed)
                + "}"
            )
        name = key if key != "fig" else "figure only"
        rows.append(
            r"\textbf{"
            + tex_escape(name)
            + r"}\newline{\scriptsize "
            + tex_escape(PAPER_CLAIMS[key])
            + "} & "
            + ", ".join(tex_escape(_figure_label(f)) for f in figs)
            + f" & {c['pass']} & {c['fail']} & {c['not evaluated']} & {ref} & "
            + issues
            + r" \tabularnewline"
        )
    return (
        "\n".join(
            [
                "% generated by curse_of_memory.claims.render -- do not edit",
                r"\begin{table}[htbp]\centering\footnotesize\setlength{\tabcolsep}{3pt}",
                r"\caption{Verdict per claim of the paper ("
                + tex_escape(tier)
                + f" tier): {n['pass']} "
                f"pass, {n['fail']} fail, {n['not evaluated']} not evaluated over "
                f"{len(records)} checks. "
                r"Figures: the figures whose checks support the claim. Paper-tier reference: "
                r"pass / fail / not evaluated of the same checks at the paper's scale (-- where "
                r"not available). Known criterion issues: the failing checks, with their first "
                r"measured number (details in Table~\ref{tab:claims}).}\label{tab:claims-summary}",
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
            ]
        )
        + "\n"
    )


def to_html(records: list[dict], tier: str) -> str:
    """The claims as one HTML table, for `snakemake --report`."""
    from html import escape

    colour = {"pass": "#1a7f37", "fail": "#b22222", "not evaluated": "#777"}
    rows = []
    for r in sorted(records, key=lambda r: _fig_key(r["figure"])):
        measured = (
            r.get("reason")
            if r["status"] == "not evaluated"
            else ", ".join(f"{k}={_fmt(v)}" for k, v in r["values"].items())
        )
        old = "".join(
            f"<br><small>criterion replaced {escape(o['changed'])}; old: "
            f"{escape(o['status'])}</small>"
            for o in r.get("superseded", [])
        )
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
        "<th>paper-tier reference</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )
