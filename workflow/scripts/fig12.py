"""Rule `fig12`, Fig 12: autocorrelation of the embeddings and its exponential fit (default and
as published).

input.table / input.fit (rule autocorrelation) -> output.pdf (fit over Delta >= 1) and
output.published (fit over Delta >= 0), each with .png and the plotted numbers <stem>.csv beside
it.  The figure plots the paper's uncentred c(Delta); the CSV also carries c_centred (each
feature's mean removed), which the claims check reads to tell slow correlation from a constant
offset."""

import json

import pandas as pd

from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log


def plotted_numbers(table, res):
    """lag, c, c_centred (when present) and the fitted curve of each fit."""
    lag = table["lag"].to_numpy()
    data = pd.DataFrame({"lag": lag, "c": table["c"]})
    if "c_centred" in table.columns:
        data["c_centred"] = table["c_centred"]
    for key in ("default", "published"):
        f = res[key]
        data[f"fit_{key}"] = f["a1"] * f["r1"] ** lag
    return data


def plot(data, res, key, out, tier):
    f = res[key]
    lag = data["lag"].to_numpy()
    fig, ax = style.figure(1.9, 1.35)
    ax.plot(lag, data["c"], color=style.COLORS["data"], label="data")
    ax.plot(lag, data[f"fit_{key}"], color="black", lw=0.8, label="fit")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\Delta$")
    ax.set_ylabel(r"$c(\Delta)$")
    ax.text(
        0.97,
        0.95,
        rf"$y = {f['a1']:.3g} \times {f['r1']:.4f}^{{\Delta}}$",
        transform=ax.transAxes,
        ha="right",
        va="top",
    )
    rng = f"fit over $\\Delta$ = {f['fit_start']}..{f['fit_stop']}"
    ax.set_title(
        f"{res['source']}, {res['model']} ({res['n_sequences']} seq.)\n{rng}", fontsize=4.5
    )
    style.save(fig, out, data=data, tier=tier)


def main(smk):
    table = pd.read_parquet(smk.input.table)
    res = json.loads(open(smk.input.fit).read())
    data = plotted_numbers(table, res)
    for key, out in (("default", smk.output.pdf), ("published", smk.output.published)):
        plot(data, res, key, out, smk.params.tier)


with snakemake_log(snakemake):
    main(snakemake)
