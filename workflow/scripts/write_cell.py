"""Rule `write_cell`: the CELL.yaml of one training cell, params.cell (its settings from
config.yaml) -> output[0], the seam with the training engine (docs/CELL_FORMAT.md)."""

from curse_of_memory.experiments import cell_yaml
from curse_of_memory.io import write_text
from curse_of_memory.runlog import snakemake_log


def main(smk):
    write_text(smk.output[0], cell_yaml(smk.params.cell))
    print(f"wrote {smk.output[0]}")


with snakemake_log(snakemake):
    main(snakemake)
