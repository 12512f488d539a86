"""Rule `claims`: evaluate every claim check -> results/claims.json, paper/tables/claims.tex,
results/claims.html, and paper/tables/claims_summary.tex (one row per claim of the paper, written
beside output.tex)."""
from pathlib import Path

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    from curse_of_memory.analysis import claims
    from curse_of_memory.io import write_json, write_text

    src = claims.Sources(Path("paper/figures"), Path("results/tables"), Path("results"))
    records = claims.evaluate(src)
    tier = snakemake.params.tier
    write_json(snakemake.output.json, records)
    write_text(snakemake.output.tex, claims.to_latex(records, tier))
    write_text(Path(snakemake.output.tex).with_name("claims_summary.tex"),
               claims.summary_to_latex(records, tier))
    write_text(snakemake.output.html, claims.to_html(records, tier))
    print(claims.summary(records))
    for r in records:
        if r["status"] == "not evaluated":
            print(f"  not evaluated {r['id']}: {r.get('reason', '')}")
