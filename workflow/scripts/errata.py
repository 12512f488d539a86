"""Rule `errata`: METHODS §7 items with the measured effect of each variant -> paper/tables/errata.tex."""
from pathlib import Path

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    from curse_of_memory.analysis import errata
    from curse_of_memory.analysis.claims import Sources
    from curse_of_memory.io import write_text

    rows = errata.measured(Sources(Path("paper/figures"), Path("results/tables"), Path("results")))
    for r in rows:
        print(f"{r['key']}: {r['effect']}")
    write_text(snakemake.output[0], errata.to_latex(rows))
