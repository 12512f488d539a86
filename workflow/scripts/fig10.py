"""Rule `fig10`, Fig 10 as one figure: the theory Hessians of the λ block (Gauss–Newton,
METHODS §4.6, from the theory_hessians rule) for θ0 ∈ {π/100, π/10, π} on top, and the final
loss against θ0/π (from the Fig 10 training table) below.  fig10.pdf: default teacher remap;
fig10_published.pdf: the as-published remap (METHODS §7 item 4) - where the pipeline recorded
that both remaps coincide (or reused the default runs), the figure says so.  In a reduced tier
the paper-tier reference run's losses are drawn beside this run's as hollow markers; the values
read off the paper's published figure are crosses (on both variants: the paper's code ran with the
as-published remap).

input.theory (npz), input.table (results/tables/fig10.parquet), input.reference, input.readings
-> output.pdf and
output.published (+ .png and the plotted numbers beside each:
fig10[_published]_{hessian,spectrum,eigvecs,loss}.csv)."""

import numpy as np
import pandas as pd

from curse_of_memory import published as P
from curse_of_memory.errors import DataError
from curse_of_memory.plotting import hessian_panels as hp
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log


def published_note(table):
    pub = table[(table["remap"] == "published") & ~np.isclose(table["theta0"], 3.14)]
    if pub.empty:
        return "No as-published runs in this tier: nothing to show."
    if "source" not in pub:
        return None
    src = pub["source"].astype(str)
    coincide = sorted(pub.loc[src.str.contains("coincide"), "model"].unique())
    reused = sorted(pub.loc[src.str.contains("not trained"), "model"].unique())
    notes = []
    if coincide:
        notes.append(
            "Remaps coincide (teacher without real negative eigenvalues) for "
            + ", ".join(coincide)
            + ": default runs shown."
        )
    if reused:
        notes.append(
            "Published remap not trained for " + ", ".join(reused) + ": default runs shown."
        )
    return " ".join(notes) or None


def load_theory(path):
    try:
        return dict(np.load(path))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable ({exc}); rerun its theory rule") from None


def main(smk):
    theory = load_theory(smk.input.theory)
    table = pd.read_parquet(smk.input.table)
    reference = pd.read_parquet(smk.input.reference) if smk.input.reference else None
    readings = P.points(P.load(smk.input.readings), "10", "bottom")
    for out, remap in (
        (smk.output.pdf, "default"),
        (smk.output.published, "published"),
    ):
        note = published_note(table) if remap == "published" else None
        fig, data = hp.fig10(
            theory,
            table,
            remap,
            n_vecs=smk.params.n_eigvecs,
            note=note,
            reference=reference,
            published=readings,
        )
        style.save(fig, out, data=data, tier=smk.params.tier)
        print(out, "note:", note)
        print(data["loss"].to_string())
    print(data["spectrum"].groupby("model").head(6).to_string())


with snakemake_log(snakemake):
    main(snakemake)
