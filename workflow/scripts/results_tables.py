"""Rule `results_tables`: the aggregated tables in results/tables/ -> booktabs tables of Fig 3,
Fig 10 (bottom), Fig 11 and the diverged seeds (output.fig3, .fig10, .fig11, .divergence)."""

from pathlib import Path

import pandas as pd

from curse_of_memory.io import write_text
from curse_of_memory.report import tables as rt
from curse_of_memory.runlog import snakemake_log


def main(smk):
    inputs = set(smk.input)

    def read(name):
        p = Path(f"results/tables/{name}.parquet")
        return pd.read_parquet(p) if str(p) in inputs else None

    tier, labels = smk.params.tier, smk.params.labels
    out = smk.output
    write_text(out.fig3, rt.fig3_table(read("fig3a_best"), read("fig3b_best"), labels, tier))
    write_text(out.fig10, rt.fig10_table(read("fig10"), labels.get("fig10", {}), tier))
    write_text(out.fig11, rt.fig11_table(read("fig11_best"), tier))
    by_lr = {
        p.stem[: -len("_by_lr")]: pd.read_parquet(p)
        for p in map(Path, smk.input)
        if p.name.endswith("_by_lr.parquet")
    }
    write_text(out.divergence, rt.divergence_table(by_lr, labels, tier))


with snakemake_log(snakemake):
    main(snakemake)
