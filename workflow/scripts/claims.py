"""Rule `claims`: evaluate every claim check on this run's figures and tables -> output.json
(results/claims.json), output.tex (paper/tables/claims.tex), output.html (results/claims.html)
and output.summary (paper/tables/claims_summary.tex, one row per claim of the paper).  In a run
that trains (runs=train) with a shipped paper-tier reference, every training claim is judged on
the reference too (``rec["reference"]``)."""

from pathlib import Path

from curse_of_memory.claims import core, render
from curse_of_memory.claims.reference import add_reference
from curse_of_memory.io import write_json, write_text
from curse_of_memory.runlog import snakemake_log


def main(smk):
    src = core.Sources(Path("paper/figures"), Path("results/tables"), Path("results"))
    records = core.evaluate(src)
    if smk.params.runs == "train":
        add_reference(records, smk.params.reference)
    tier = smk.params.tier
    write_json(smk.output.json, records)
    write_text(smk.output.tex, render.to_latex(records, tier))
    write_text(smk.output.summary, render.summary_to_latex(records, tier))
    write_text(smk.output.html, render.to_html(records, tier))
    print(render.summary(records))
    for r in records:
        if r["status"] == "not evaluated":
            print(f"  not evaluated {r['id']}: {r.get('reason', '')}")


with snakemake_log(snakemake):
    main(snakemake)
