"""Rule `aggregate` (runs=train), one experiment: its cells' metrics.parquet, elr.parquet and
teachers.json -> output.by_lr (per configuration and lr), output.best (best lr per
configuration) and output.history (per epoch) in results/tables/."""

import pandas as pd

from curse_of_memory import aggregate as agg
from curse_of_memory.io import write_parquet
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.storage import writing


def read_cells(experiment, cells, metrics_paths, elr_paths, teacher_paths):
    """Every cell's metrics and effective lrs in one table each (members renumbered to be unique
    across the experiment) and the teachers' variances."""
    metrics, elrs, variances, offset = [], [], [], 0
    for cell, m_path, e_path, t_path in zip(cells, metrics_paths, elr_paths, teacher_paths):
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
    return metrics, elr, var


def main(smk):
    metrics, elr, var = read_cells(
        smk.wildcards.experiment,
        smk.params.cells,
        smk.input.metrics,
        smk.input.elr,
        smk.input.teachers,
    )
    table = agg.normalise(agg.by_lr(agg.final_losses(metrics)), var)
    best = agg.normalise(agg.best_lr(table), var)
    for path, df in (
        (smk.output.by_lr, table),
        (smk.output.best, best),
        (smk.output.history, agg.history(metrics, elr)),
    ):
        with writing(path):  # a full disk names the table
            write_parquet(path, df)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(best)


with snakemake_log(snakemake):
    main(snakemake)
