# Training (runs=train, the default): one job per cell (experiment x architecture x
# parametrisation x optimizer), which trains the cell's whole population (task points x lrs x
# seeds) in one process, then one aggregation per experiment (best lr per configuration, diverged
# seeds counted).  With runs=reference, reference.smk provides the same outputs instead.
rule write_cell:
    """The CELL.yaml of one cell, from config.yaml (rewritten, and retrained, when it changes).

    A script, not a `run:` block: Snakemake runs a `run:` job in a new Snakemake process that
    parses the whole workflow again (seconds per cell).  No source fingerprint: the file is its
    params, and a library edit must not retrain every cell.
    """
    output:
        "results/cells/{experiment}/{cell}.yaml",
    log:
        "results/logs/write_cell/{experiment}/{cell}.log",
    localrule: True
    conda:
        ENV
    params:
        cell=cell_params,
    script:
        "../scripts/write_cell.py"


rule train_cell:
    """Train one cell's population: python -m curse_of_memory.train CELL.yaml --out DIR.

    The job's output goes to its log; when it fails, its `error:` line (else the log's last
    lines) is also written to stderr, so that it reaches the console before Snakemake's job
    report (on a Slurm cluster the profile's show-failed-logs prints the log instead).
    """
    input:
        cell="results/cells/{experiment}/{cell}.yaml",
    output:
        metrics="results/runs/{experiment}/{cell}/metrics.parquet",
        elr="results/runs/{experiment}/{cell}/elr.parquet",
        final="results/runs/{experiment}/{cell}/final.pt",
        teachers="results/runs/{experiment}/{cell}/teachers.json",
        summary="results/runs/{experiment}/{cell}/summary.json",
    log:
        "results/logs/train_cell/{experiment}/{cell}.log",
    benchmark:
        "results/benchmarks/train_cell/{experiment}/{cell}.tsv"
    conda:
        ENV
    threads: TRAIN_THREADS
    resources:
        gpu=TRAIN_GPU,
        mem_mb=4000,
        runtime=240,
    params:
        src=src_fingerprint(
            "models", "tasks", "training", "cell.py", "train.py", "device.py"
        ),
        out=lambda wc: cell_dir(wc.experiment, wc.cell),
        python=PYTHON,
    shell:
        "{params.python} -m curse_of_memory.train {input.cell} --out {params.out}"
        " --threads {threads} > {log} 2>&1"
        " || (status=$?; tr '\\r' '\\n' < {log} | grep -E '^error:' >&2"
        " || tr '\\r' '\\n' < {log} | tail -n 5 >&2; exit $status)"


rule aggregate:
    """Per experiment: per-(configuration, lr) table, best lr per configuration, history."""
    input:
        metrics=experiment_files("metrics.parquet"),
        elr=experiment_files("elr.parquet"),
        teachers=experiment_files("teachers.json"),
    output:
        by_lr="results/tables/{experiment}_by_lr.parquet",
        best="results/tables/{experiment}_best.parquet",
        history="results/tables/{experiment}_history.parquet",
    log:
        "results/logs/aggregate/{experiment}.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("aggregate.py"),
        cells=lambda wc: EXPERIMENTS[wc.experiment],
    script:
        "../scripts/aggregate.py"
