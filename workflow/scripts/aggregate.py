"""Aggregate one experiment: per-(configuration, lr) table, best lr, per-epoch history."""

import pandas as pd

from curse_of_memory import aggregate as agg
from curse_of_memory.io import write_parquet
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.storage import writing

with snakemake_log(snakemake):
    experiment = snakemake.wildcards.experiment
    metrics, elrs, variances, offset = [], [], [], 0
    for cell, m_path, e_path, t_path in zip(
        snakemake.params.cells,
        snakemake.input.metrics,
        snakemake.input.elr,
        snakemake.input.teachers,
    ):
        m = agg.read_run_file(m_path)
        e = agg.read_run_file(e_path)
        # members are numbered per cell: make them unique across the experiment
        m["member"] = m["member"].astype(int) + offset
        e["member"] = e["member"].astype(int) + offset
        offset = int(m["member"].max()) + 1
        m.insert(0, "cell", cell)
        m.insert(0, "experiment", experiment)
        metrics.append(m)
        elrs.append(e)
        variances.append(agg.teacher_variances(agg.read_run_file(t_path)))
    metrics = pd.concat(metrics, ignore_index=True)
    elr = pd.concat(elrs, ignore_index=True)
    var = pd.concat(variances, ignore_index=True).drop_duplicates(["nu0", "theta0"])
    table = agg.normalise(agg.by_lr(agg.final_losses(metrics)), var)
    best = agg.normalise(agg.best_lr(table), var)
    for path, df in (
        (snakemake.output.by_lr, table),
        (snakemake.output.best, best),
        (snakemake.output.history, agg.history(metrics, elr)),
    ):
        with writing(path):  # a full disk names the table
            write_parquet(path, df)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(best)
