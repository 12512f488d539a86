"""Rule `claims`: evaluate every claim check -> results/claims.json, paper/tables/claims.tex,
results/claims.html, and paper/tables/claims_summary.tex (one row per claim of the paper).  In a
run that trains (runs=train) with a shipped paper-tier reference, every training claim is judged
on the reference too (``rec["reference"]``)."""

from pathlib import Path

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    from curse_of_memory.claims import core, render
    from curse_of_memory.io import write_json, write_text

    src = core.Sources(Path("paper/figures"), Path("results/tables"), Path("results"))
    records = core.evaluate(src)
    if snakemake.params.runs == "train":
        from curse_of_memory.claims.reference import add_reference

        add_reference(records, snakemake.params.reference)
    tier = snakemake.params.tier
    write_json(snakemake.output.json, records)
    write_text(snakemake.output.tex, render.to_latex(records, tier))
    write_text(snakemake.output.summary, render.summary_to_latex(records, tier))
    write_text(snakemake.output.html, render.to_html(records, tier))
    print(render.summary(records))
    for r in records:
        if r["status"] == "not evaluated":
            print(f"  not evaluated {r['id']}: {r.get('reason', '')}")
