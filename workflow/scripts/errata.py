"""Rule `errata`: METHODS §7 items with the measured effect of each as-published variant, read
from this run's figures and tables -> paper/tables/errata.tex."""

from pathlib import Path

from curse_of_memory.claims.core import Sources
from curse_of_memory.io import write_text
from curse_of_memory.report import errata
from curse_of_memory.runlog import snakemake_log


def main(smk):
    rows = errata.measured(Sources(Path("paper/figures"), Path("results/tables"), Path("results")))
    for r in rows:
        print(f"{r['key']}: {r['effect']}")
    write_text(smk.output[0], errata.to_latex(rows))


with snakemake_log(snakemake):
    main(snakemake)
