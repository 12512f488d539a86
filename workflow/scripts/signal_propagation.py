"""Rule `signal_propagation` (Figs 5/13): the deep stack at initialisation for one architecture x
norm (wildcards) over every T_mem: input.array (the embeddings cache) ->
results/signal/records_{arch}_{norm}.parquet, one record per batch."""

import pandas as pd
import torch

from curse_of_memory.data.embeddings import load_cache
from curse_of_memory.data.signal import run
from curse_of_memory.io import write_parquet
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.storage import writing


def main(smk):
    torch.set_num_threads(smk.threads)
    sig = smk.params.data["signal"]
    x, man = load_cache(smk.input.array, n=sig["n_sequences"])
    recs = run(
        x,
        smk.wildcards.arch,
        sig["t_mem"],
        norm=smk.wildcards.norm,
        n_sequences=sig["n_sequences"],
        batch_size=sig["batch_size"],
        width=sig["width"],
        layers=sig["layers"],
        seed=sig["seed"],
    )
    df = pd.DataFrame(recs)
    df["source"], df["model"] = man["source"], man["model"]
    with writing(smk.output[0]):
        write_parquet(smk.output[0], df)
    print(f"{len(df)} records, {df.batch.nunique()} batches, T_mem {sorted(df.t_mem.unique())}")


with snakemake_log(snakemake):
    main(snakemake)
