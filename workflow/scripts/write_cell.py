"""Write one CELL.yaml (the seam with the training engine, docs/CELL_FORMAT.md)."""

import yaml

from curse_of_memory.io import write_text
from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    cell = dict(snakemake.params.cell)
    text = yaml.safe_dump(cell, sort_keys=False, default_flow_style=None, width=100)
    write_text(snakemake.output[0], text)
    print(f"wrote {snakemake.output[0]}")
