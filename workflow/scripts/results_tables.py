"""Rule `results_tables`: Fig 3, Fig 10, Fig 11 and divergence tables from results/tables/."""

from pathlib import Path

import pandas as pd

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    from curse_of_memory.io import write_text
    from curse_of_memory.report import tables as rt

    def read(name):
        p = Path(f"results/tables/{name}.parquet")
        return pd.read_parquet(p) if str(p) in set(snakemake.input) else None

    tier, labels = snakemake.params.tier, snakemake.params.labels
    out = snakemake.output
    write_text(
        out.fig3, rt.fig3_table(read("fig3_left_best"), read("fig3_right_best"), labels, tier)
    )
    write_text(out.fig10, rt.fig10_table(read("fig10"), labels.get("fig10", {}), tier))
    write_text(out.fig11, rt.fig11_table(read("fig11_best"), tier))
    by_lr = {
        p.stem[: -len("_by_lr")]: pd.read_parquet(p)
        for p in map(Path, snakemake.input)
        if p.name.endswith("_by_lr.parquet")
    }
    write_text(out.divergence, rt.divergence_table(by_lr, labels, tier))
