# runs=reference (tier=paper only): the paper tier's figures, tables and claims from the committed
# reference run (results/reference/paper) instead of training; the Snakefile includes this file
# in place of train.smk.  Its rule `aggregate` writes the same tables as train.smk's (the targets
# and the downstream rules address them as rules.aggregate.output); which cells the reference
# holds, and whether config.yaml still matches it, is checked in common.smk.


rule reference_run:
    """runs=reference: a single run's final parameters (Figs 4/9) from the reference run."""
    input:
        final=str(REFERENCE_DIR / "runs/{experiment}/{cell}/final.pt"),
        cell=str(REFERENCE_DIR / "runs/{experiment}/{cell}/cell.yaml"),
    output:
        final="results/runs/{experiment}/{cell}/final.pt",
        cell="results/runs/{experiment}/{cell}/cell.yaml",
    log:
        "results/logs/reference_run/{experiment}/{cell}.log",
    localrule: True
    conda:
        ENV
    shell:
        "(cp {input.final} {output.final} && cp {input.cell} {output.cell}"
        " && echo 'copied from the reference run') > {log} 2>&1"


rule aggregate:
    """runs=reference: an experiment's aggregated tables, as the reference run made them."""
    input:
        by_lr=str(REFERENCE_DIR / "tables/{experiment}_by_lr.parquet"),
        best=str(REFERENCE_DIR / "tables/{experiment}_best.parquet"),
        history=str(REFERENCE_DIR / "tables/{experiment}_history.parquet"),
    output:
        by_lr="results/tables/{experiment}_by_lr.parquet",
        best="results/tables/{experiment}_best.parquet",
        history="results/tables/{experiment}_history.parquet",
    log:
        "results/logs/aggregate/{experiment}.log",
    localrule: True
    conda:
        ENV
    shell:
        "(cp {input.by_lr} {output.by_lr} && cp {input.best} {output.best}"
        " && cp {input.history} {output.history} && echo 'copied from the reference run')"
        " > {log} 2>&1"
