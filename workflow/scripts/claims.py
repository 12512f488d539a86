"""Rule `claims`: evaluate every claim check -> results/claims.json, paper/tables/claims.tex,
results/claims.html, and paper/tables/claims_summary.tex (one row per claim of the paper).  In a
run that trains (runs=train) with a shipped paper-tier reference, every training claim is judged
on the reference too (``rec["reference"]``)."""
from pathlib import Path

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    from curse_of_memory.analysis import claims
    from curse_of_memory.io import write_json, write_text

    src = claims.Sources(Path("paper/figures"), Path("results/tables"), Path("results"))
    records = claims.evaluate(src)
    if snakemake.params.runs == "train":
        from curse_of_memory.analysis.reference_claims import add_reference

        add_reference(records, snakemake.params.reference)
    tier = snakemake.params.tier
    write_json(snakemake.output.json, records)
    write_text(snakemake.output.tex, claims.to_latex(records, tier))
    write_text(snakemake.output.summary, claims.summary_to_latex(records, tier))
    write_text(snakemake.output.html, claims.to_html(records, tier))
    print(claims.summary(records))
    for r in records:
        if r["status"] == "not evaluated":
            print(f"  not evaluated {r['id']}: {r.get('reason', '')}")
