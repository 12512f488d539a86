"""Rule signal_propagation: per-batch records of the deep stack at init for one arch x norm (Figs 5/13)."""

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):  # noqa: F821
    import pandas as pd
    import torch

    from curse_of_memory.data.embeddings import load_cache
    from curse_of_memory.data.signal import run
    from curse_of_memory.io import write_parquet
    from curse_of_memory.storage import writing

    smk = snakemake  # noqa: F821
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
