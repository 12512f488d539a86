# The paper folder: results tables, numbers as macros, the claims check, the errata and
# paper/main.pdf, the LAST node of `snakemake --cores all` when latexmk is on the PATH.
# Must stay the last rule file the Snakefile includes: its inputs are every target registered
# before it (ALL_TARGETS), so the claims see every figure of the run.
import shutil

from curse_of_memory.analysis import numbers as paper_numbers
from curse_of_memory.analysis.claims import print_run_summary

LATEXMK = shutil.which("latexmk")
TEX_HINT = (
    "paper/main.pdf not built: latexmk is not on the PATH. Install TeX (optional), e.g. "
    "`sudo apt-get install latexmk texlive-latex-base texlive-latex-recommended "
    "texlive-fonts-recommended` (about 40 s), then rerun `snakemake --cores all`."
)
# Everything the other rule files produce; the claims, errata and PDF come after all of it
# (the PDF after every target, diagnostics included, so it is the last node of the run).
ALL_UPSTREAM = list(ALL_TARGETS)
UPSTREAM = [t for t in ALL_UPSTREAM if not str(t).startswith("results/diagnostics/")]
PAPER_TABLES = {
    "fig3": "paper/tables/results_fig3.tex",
    "fig10": "paper/tables/results_fig10.tex",
    "fig11": "paper/tables/results_fig11.tex",
    "divergence": "paper/tables/divergence.tex",
}


# The aggregated tables of this tier's experiments (read by the results tables).
PAPER_AGGREGATES = [
    f"results/tables/{e}_best.parquet"
    for e in ("fig3_left", "fig3_right", "fig11")
    if e in EXPERIMENTS
] + [f"results/tables/{e}_by_lr.parquet" for e in EXPERIMENTS]
if "results/tables/fig10.parquet" in ALL_TARGETS:
    PAPER_AGGREGATES.append("results/tables/fig10.parquet")
CELL_LABELS = {}  # experiment -> cell -> label (config.yaml)
for (_e, _c), _v in CELLS.items():
    CELL_LABELS.setdefault(_e, {})[_c] = _v["meta"]["label"]


report: "../report/workflow.rst"


rule results_tables:
    """Booktabs tables of Figs 3, 10 (bottom), 11 and the diverged seeds."""
    input:
        PAPER_AGGREGATES,
    output:
        **PAPER_TABLES,
    log:
        "results/logs/paper/results_tables.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        labels=CELL_LABELS,
        src=src_fingerprint("analysis"),
    script:
        "../scripts/results_tables.py"


rule claims:
    """Every claim of the paper as a falsifiable check on this run's outputs (never fails the run)."""
    input:
        UPSTREAM,
        reference=reference_files("provenance.json"),
    output:
        json="results/claims.json",
        tex="paper/tables/claims.tex",
        summary="paper/tables/claims_summary.tex",
        html=report(
            "results/claims.html",
            caption="../report/claims.rst",
            category="Claims check",
        ),
    log:
        "results/logs/paper/claims.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        runs=RUNS,
        reference=str(REFERENCE_DIR),
        src=src_fingerprint("analysis"),
    script:
        "../scripts/claims.py"


rule numbers:
    """The numbers main.tex quotes, as LaTeX macros."""
    input:
        claims="results/claims.json",
    output:
        "paper/generated/numbers.tex",
    log:
        "results/logs/paper/numbers.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        training=C.get("training", {}),
        data_source=paper_numbers.data_source(C.get("data")),
        resolved={k: C.get(k) for k in ("theory", "data")},
        paper={k: config.get(k) for k in ("theory", "data")},
        src=src_fingerprint("analysis"),
    script:
        "../scripts/numbers.py"


rule errata:
    """METHODS §7, each item with the measured effect of its as-published variant."""
    input:
        UPSTREAM,
    output:
        "paper/tables/errata.tex",
    log:
        "results/logs/paper/errata.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("analysis"),
    script:
        "../scripts/errata.py"


rule reference_section:
    """The PDF's section on the paper-tier reference run: provenance, whether this checkout's
    training code is the reference's, every training claim at this tier beside the reference.
    """
    input:
        claims="results/claims.json",
        provenance=(
            [str(REFERENCE_DIR / "provenance.json")] if REFERENCE is not None else []
        ),
    output:
        "paper/generated/reference.tex",
    log:
        "results/logs/paper/reference_section.log",
    localrule: True
    conda:
        ENV
    params:
        fingerprint=TRAINING_FINGERPRINT,
        tier=TIER,
        runs=RUNS,
        reference=str(REFERENCE_DIR),
        src=src_fingerprint("analysis", "provenance.py"),
    script:
        "../scripts/reference_section.py"


PAPER_INPUTS = (
    ["paper/main.tex", "paper/generated/numbers.tex", "paper/generated/reference.tex"]
    + [str(p) for p in sorted(Path("paper/sections").glob("*.tex"))]
    + [
        "paper/tables/claims.tex",
        "paper/tables/claims_summary.tex",
        "paper/tables/errata.tex",
    ]
    + list(PAPER_TABLES.values())
    + [t for t in UPSTREAM if str(t).startswith("paper/")]
)
PDF_INPUTS = PAPER_INPUTS + [t for t in ALL_UPSTREAM if t not in PAPER_INPUTS]


rule paper_pdf:
    """paper/main.pdf with latexmk (aux files in results/latex; the PDF is moved in atomically)."""
    input:
        PDF_INPUTS,
    output:
        report("paper/main.pdf", caption="../report/paper.rst", category="Paper"),
    log:
        "results/logs/paper/latexmk.log",
    localrule: True
    conda:
        ENV
    shell:
        "(cd paper && latexmk -pdf -interaction=nonstopmode -halt-on-error"
        " -outdir=../results/latex main.tex) > {log} 2>&1"
        " && cp results/latex/main.pdf paper/.main.pdf.tmp"
        " && mv paper/.main.pdf.tmp paper/main.pdf"


ALL_TARGETS += ["results/claims.json", "paper/tables/errata.tex"]
ALL_TARGETS += ["paper/generated/numbers.tex"] + list(PAPER_TABLES.values())
if LATEXMK:
    ALL_TARGETS.append("paper/main.pdf")


rule paper:
    """Target: the paper folder (the PDF when TeX is installed, else its tables and numbers)."""
    input:
        (["paper/main.pdf"] if LATEXMK else PAPER_INPUTS[1:] + ["results/claims.json"]),


onsuccess:
    print_run_summary("results/claims.json", None if LATEXMK else TEX_HINT)
