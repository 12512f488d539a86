"""Rule `reference_section`: the PDF's section on the paper-tier reference run, from
input.claims (results/claims.json) and the reference's provenance ->
paper/generated/reference.tex."""

import json

from curse_of_memory.claims.reference import section_tex
from curse_of_memory.io import write_text
from curse_of_memory.provenance import read_provenance
from curse_of_memory.runlog import snakemake_log


def main(smk):
    records = json.loads(open(smk.input.claims).read())
    prov = read_provenance(smk.params.reference)
    tex = section_tex(prov, smk.params.fingerprint, records, smk.params.tier, smk.params.runs)
    write_text(smk.output[0], tex)
    print(f"wrote {smk.output[0]} ({len(tex)} characters)")


with snakemake_log(snakemake):
    main(snakemake)
