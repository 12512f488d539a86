"""Aggregate one experiment: per-(configuration, lr) table, best lr, per-epoch history."""

import json

import pandas as pd

from curse_of_memory.analysis import aggregate as agg
from curse_of_memory.io import write_parquet
from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    experiment = snakemake.wildcards.experiment
    metrics, elrs, variances, offset = [], [], [], 0
    for cell, m_path, e_path, t_path in zip(
        snakemake.params.cells,
        snakemake.input.metrics,
        snakemake.input.elr,
        snakemake.input.teachers,
    ):
        m = pd.read_parquet(m_path)
        e = pd.read_parquet(e_path)
        # members are numbered per cell: make them unique across the experiment
        m["member"] = m["member"].astype(int) + offset
        e["member"] = e["member"].astype(int) + offset
        offset = int(m["member"].max()) + 1
        m.insert(0, "cell", cell)
        m.insert(0, "experiment", experiment)
        metrics.append(m)
        elrs.append(e)
        with open(t_path) as fh:
            variances.append(agg.teacher_variances(json.load(fh)))
    metrics = pd.concat(metrics, ignore_index=True)
    elr = pd.concat(elrs, ignore_index=True)
    var = pd.concat(variances, ignore_index=True).drop_duplicates(["nu0", "theta0"])
    table = agg.normalise(agg.by_lr(agg.final_losses(metrics)), var)
    best = agg.normalise(agg.best_lr(table), var)
    write_parquet(snakemake.output.by_lr, table)
    write_parquet(snakemake.output.best, best)
    write_parquet(snakemake.output.history, agg.history(metrics, elr))
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(best)
