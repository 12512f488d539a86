"""Rule `glance`: "Reproduction at a glance", every value read off the paper's figures beside
this run's number, the paper-tier reference on the paper's teacher and the reference on the
second teacher draw (report/glance.py).

input.readings, input.notes (resources/published/), input.this_run (this run's tables),
input.fit (this run's autocorrelation fit, when built), input.reference / input.second (the
reference folders' tables, when shipped) -> output.tex (paper/generated/glance.tex),
output.csv (results/glance.csv: every row with its ratio)."""

from curse_of_memory import published as P
from curse_of_memory.io import atomic_path
from curse_of_memory.report import glance as G
from curse_of_memory.runlog import snakemake_log


def main(smk):
    readings = P.load(smk.input.readings)
    fit = smk.input.fit
    fit = [fit] if isinstance(fit, str) else list(fit)  # one path, or none
    sources = [
        G.load_source("this_run", f"this run ({smk.params.tier})", smk.input.this_run, *fit[:1]),
        G.load_source("paper_teacher", "paper's teacher", smk.input.reference),
        G.load_source("second_teacher", "2nd teacher", smk.input.second),
    ]
    # the paper-tier numbers when this run is not itself the paper tier's
    trained = "paper_teacher" if smk.input.reference else "this_run"
    primary = {"3": trained, "10": trained, "11": trained, "12": "this_run"}
    table = G.compare(readings, sources, primary)
    notes = G.load_notes(smk.input.notes)
    devs = G.deviations(table, notes)
    with atomic_path(smk.output.csv) as tmp:
        table.merge(
            devs[["figure", "panel", "series", "quantity", "x", "checked", "found"]],
            how="left",
            on=["figure", "panel", "series", "quantity", "x"],
        ).to_csv(tmp, index=False)
    with atomic_path(smk.output.tex) as tmp:
        tmp.write_text(G.latex(table, devs, sources, smk.params.tier, G.other_notes(devs, notes)))


with snakemake_log(snakemake):
    main(snakemake)
