"""Rule `fig10_table`: the Fig 10 (bottom) training table, both teacher remaps, for the Hessian
rules.

input.default / input.published (the fig10 and fig10_published best-lr tables) ->
results/tables/fig10.parquet.  remap = published rows come from fig10_published where it was
trained; theta0 = 3.14 and the cells whose two remaps coincide (decided when the DAG was built,
params.skipped) reuse the default rows, marked in ``source``."""

import numpy as np
import pandas as pd

from curse_of_memory.io import write_parquet
from curse_of_memory.runlog import snakemake_log

COLS = [
    "model",
    "theta0",
    "nu0",
    "remap",
    "lr",
    "mean",
    "sem",
    "median",
    "n_seeds",
    "n_diverged",
    "n_diverged_total",
    "flagged",
    "edge",
    "lr_published",
    "mean_published",
    "sem_published",
    "mean_norm",
    "sem_norm",
    "source",
]


def main(smk):
    default = pd.read_parquet(smk.input.default[0]).rename(columns={"cell": "model"})
    default["remap"], default["source"] = "default", "fig10"
    parts = [default]
    published = (
        pd.read_parquet(smk.input.published[0]).rename(columns={"cell": "model"})
        if smk.input.published
        else default.iloc[0:0]
    )
    published = published.assign(remap="published", source="fig10_published")
    parts.append(published)
    have = set(zip(published["model"], published["theta0"].round(6)))
    reuse = default[
        [(m, t) not in have for m, t in zip(default["model"], default["theta0"].round(6))]
    ].copy()
    reuse["remap"] = "published"
    skipped = set(smk.params.skipped)
    reuse["source"] = np.where(
        reuse["model"].isin(skipped),
        "fig10 (remaps coincide: teacher without real negative eigenvalues)",
        np.where(
            np.isclose(reuse["theta0"], 3.14),
            "fig10 (theta0 = 3.14 reused)",
            "fig10 (published not trained)",
        ),
    )
    parts.append(reuse)
    table = pd.concat(parts, ignore_index=True)
    table = table[[c for c in COLS if c in table.columns]].sort_values(["remap", "model", "theta0"])
    write_parquet(smk.output[0], table)
    print(table.to_string())


with snakemake_log(snakemake):
    main(snakemake)
