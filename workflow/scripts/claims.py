"""Rule `claims`: evaluate every claim check on this run's figures and tables -> output.json
(results/claims.json), output.tex (paper/tables/claims.tex), output.html (results/claims.html)
and output.summary (paper/tables/claims_summary.tex, one row per claim of the paper, the
project's predictions apart).  In a run that trains (runs=train) with a shipped paper-tier
reference, every training claim is judged on the reference too (``rec["reference"]``).

A check that raises is reported as ``error`` in every output and never ends the run with an error
(docs/CLAIMS.md, "Outcomes"): the job's outputs would be deleted, and with them every other
verdict."""

from pathlib import Path

from curse_of_memory.claims import core, render
from curse_of_memory.claims.reference import add_reference
from curse_of_memory.config_io import merge_tier
from curse_of_memory.io import write_json, write_text
from curse_of_memory.runlog import snakemake_log


def lr_centred(config: dict, tier: str, runs: str) -> bool:
    """Whether this run's training lr windows were centred on the reference's best lrs (a reduced
    tier with training.reduce.lr_centre = reference and an lrs reduction)."""
    base = (config.get("training") or {}).get("reduce") or {}
    tier_cfg = (config.get("tiers") or {}).get(tier) or {}
    reduce = merge_tier(base, (tier_cfg.get("training") or {}).get("reduce") or {})
    return runs == "train" and reduce.get("lr_centre") == "reference" and "lrs" in reduce


def main(smk):
    src = core.Sources(Path("paper/figures"), Path("results/tables"), Path("results"))
    records = core.evaluate(src)
    if smk.params.runs == "train":
        add_reference(records, smk.params.reference)
    tier = smk.params.tier
    centred = lr_centred(smk.config, tier, smk.params.runs)
    write_json(smk.output.json, records)
    write_text(smk.output.tex, render.to_latex(records, tier, centred))
    write_text(smk.output.summary, render.summary_to_latex(records, tier, centred))
    write_text(smk.output.html, render.to_html(records, tier, centred))
    print(render.summary(records))
    for r in records:
        if r["status"] in ("not evaluated", "error"):
            print(f"  {r['status']} {r['id']}: {r.get('reason', '')}")


with snakemake_log(snakemake):
    main(snakemake)
