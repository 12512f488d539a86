"""The PDF's section on the paper-tier reference run (paper/generated/reference.tex)."""

import json

from curse_of_memory.claims.reference import section_tex
from curse_of_memory.io import write_text
from curse_of_memory.provenance import read_provenance
from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    records = json.loads(open(snakemake.input.claims).read())
    prov = read_provenance(snakemake.params.reference)
    tex = section_tex(
        prov, snakemake.params.fingerprint, records, snakemake.params.tier, snakemake.params.runs
    )
    write_text(snakemake.output[0], tex)
    print(f"wrote {snakemake.output[0]} ({len(tex)} characters)")
