# The paper folder: results tables, numbers as macros, the claims check, the errata and
# paper/main.pdf, the last node of `snakemake --cores all` when latexmk is on the PATH.  The claims
# and the errata read every figure and table of the run (upstream_targets, common.smk).
from curse_of_memory.report import numbers as paper_numbers
from curse_of_memory.report.glance import table_paths as glance_tables

CELL_LABELS = {}  # experiment -> cell -> label (config.yaml)
for (_e, _c), _v in CELLS.items():
    CELL_LABELS.setdefault(_e, {})[_c] = _v["meta"]["label"]


rule results_tables:
    """Booktabs tables of Figs 3, 10 (bottom), 11 and the diverged seeds."""
    input:
        paper_aggregates,
    output:
        fig3="paper/tables/results_fig3.tex",
        fig10="paper/tables/results_fig10.tex",
        fig11="paper/tables/results_fig11.tex",
        divergence="paper/tables/divergence.tex",
    log:
        "results/logs/paper/results_tables.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        labels=CELL_LABELS,
        src=src_fingerprint("report", "claims", "figures.py"),
    script:
        "../scripts/results_tables.py"


rule claims:
    """Every claim of the paper as a falsifiable check on this run's outputs (never fails the run)."""
    input:
        upstream_targets,
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
        reference=lambda wildcards: str(REFERENCE_DIR),
        src=src_fingerprint("claims", "figures.py"),
    script:
        "../scripts/claims.py"


rule numbers:
    """The numbers main.tex quotes, as LaTeX macros."""
    input:
        claims=rules.claims.output.json,
    output:
        "paper/generated/numbers.tex",
    log:
        "results/logs/paper/numbers.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        training=CONFIG["training"],
        data_source=paper_numbers.data_source(CONFIG["data"]),
        resolved={k: CONFIG[k] for k in ("theory", "data")},
        paper={k: config.get(k) for k in ("theory", "data")},
        src=src_fingerprint("report", "claims", "figures.py"),
    script:
        "../scripts/numbers.py"


rule errata:
    """METHODS §7, each item with the measured effect of its as-published variant."""
    input:
        upstream_targets,
    output:
        "paper/tables/errata.tex",
    log:
        "results/logs/paper/errata.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("report", "claims", "figures.py"),
    script:
        "../scripts/errata.py"


rule reference_section:
    """The PDF's section on the paper-tier reference run: provenance, whether this checkout's
    training code is the reference's, every training claim at this tier beside the reference.
    """
    input:
        claims=rules.claims.output.json,
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
        reference=lambda wildcards: str(REFERENCE_DIR),
        src=src_fingerprint("claims", "provenance.py", "figures.py"),
    script:
        "../scripts/reference_section.py"


rule glance:
    """Reproduction at a glance: every value read off the paper's figures beside this run's,
    the paper-tier reference's (paper's teacher) and the second teacher's, with the deviations.
    """
    input:
        readings=PUBLISHED_READINGS,
        notes=DEVIATION_NOTES,
        this_run=tables("fig3a", "fig3b", "fig10", "fig10_published", "fig11")
        + tables("fig11", kind="history"),
        fit=rules.autocorrelation.output.fit,
        reference=reference_tables(
            "fig3a", "fig3b", "fig10", "fig10_published", "fig11"
        )
        + reference_tables("fig11", kind="history"),
        second=[str(p) for p in glance_tables(SECOND_REFERENCE_DIR)],
    output:
        tex="paper/generated/glance.tex",
        csv="results/glance.csv",
    log:
        "results/logs/paper/glance.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        src=src_fingerprint("report", "published.py"),
    script:
        "../scripts/glance.py"


rule paper_pdf:
    """paper/main.pdf with latexmk (aux files in results/latex; the PDF is moved in atomically).

    -gg: latexmk first removes what it generated in results/latex and builds from scratch, so the
    state of an interrupted build (a killed pdflatex recorded as an error, a half-written .aux) is
    never reused: a rerun after Ctrl-C or a kill builds the PDF.
    """
    input:
        # everything else first, so the PDF is the last node of the run
        lambda wc: paper_sources() + upstream_targets() + diagnostics_targets(),
    output:
        report("paper/main.pdf", caption="../report/paper.rst", category="Paper"),
    log:
        "results/logs/paper/latexmk.log",
    localrule: True
    conda:
        ENV
    shell:
        "(cd paper && latexmk -gg -pdf -interaction=nonstopmode -halt-on-error"
        " -outdir=../results/latex main.tex) > {log} 2>&1"
        " && cp results/latex/main.pdf paper/.main.pdf.tmp"
        " && mv paper/.main.pdf.tmp paper/main.pdf"


rule paper:
    """Target: the paper folder (the PDF when TeX is installed, else its tables and numbers)."""
    input:
        lambda wc: paper_targets(),
