"""Rule `numbers`: the numbers main.tex quotes, as macros, from input.claims (results/claims.json)
and the run's settings -> paper/generated/numbers.tex."""

import json

from curse_of_memory.io import write_text
from curse_of_memory.report import numbers
from curse_of_memory.runlog import snakemake_log


def main(smk):
    with open(smk.input.claims) as fh:
        records = json.load(fh)
    defs = numbers.macros(
        records,
        smk.params.tier,
        smk.params.training,
        smk.params.data_source,
        smk.params.resolved,
        smk.params.paper,
    )
    write_text(smk.output[0], numbers.to_latex(defs))


with snakemake_log(snakemake):
    main(snakemake)
