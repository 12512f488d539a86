"""Rule `autocorrelation`: c(Delta) of the cached embeddings and its fits (METHODS §5 Fig 12).

input.array (+ manifest) -> output.table: lag, c (uncentred, the figure's definition), c_centred
(each feature's mean removed); output.fit: the default and published fits of c, and "centred":
the default-range fit of c_centred (or {"error": ...} when it has fewer than two positive
values)."""

import pandas as pd

from curse_of_memory.data.autocorrelation import autocorrelations, fit
from curse_of_memory.data.embeddings import load_cache
from curse_of_memory.io import write_json, write_parquet
from curse_of_memory.runlog import snakemake_log


def describe(name, f):
    """One log line for a fit."""
    return (
        f"{name}: a0={f['a0']:.4g} a1={f['a1']:.4g} r1={f['r1']:.6f} "
        f"(fit {f['fit_start']}..{f['fit_stop']})"
    )


def main(smk):
    max_lag = smk.params.data["autocorrelation"]["max_lag"]
    x, man = load_cache(smk.input.array)
    c, c_centred = autocorrelations(x, max_lag)
    result = {
        "source": man["source"],
        "model": man["model"],
        "n_sequences": int(x.shape[0]),
        "seq_len": int(x.shape[1]),
        "d_emb": int(x.shape[2]),
        "max_lag": max_lag,
        "default": fit(c, start=1, stop=max_lag),
        "published": fit(c, start=0, stop=max_lag),
    }
    try:
        result["centred"] = fit(c_centred, start=1, stop=max_lag)
    except ValueError as exc:
        result["centred"] = {"error": str(exc)}
    write_parquet(
        smk.output.table, pd.DataFrame({"lag": range(max_lag + 1), "c": c, "c_centred": c_centred})
    )
    write_json(smk.output.fit, result)
    for k in ("default", "published"):
        print(describe(k, result[k]))
    f = result["centred"]
    print(describe("centred", f) if "error" not in f else f"centred: no fit ({f['error']})")


with snakemake_log(snakemake):
    main(snakemake)
