"""Rule `numbers`: the numbers main.tex quotes, as macros -> paper/generated/numbers.tex."""

import json

from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    from curse_of_memory.io import write_text
    from curse_of_memory.report import numbers

    with open(snakemake.input.claims) as fh:
        records = json.load(fh)
    defs = numbers.macros(
        records,
        snakemake.params.tier,
        snakemake.params.training,
        snakemake.params.data_source,
        snakemake.params.resolved,
        snakemake.params.paper,
    )
    write_text(snakemake.output[0], numbers.to_latex(defs))
