"""Tables 1-3 (Markdown + LaTeX booktabs) from config.yaml plus the selected learning rates."""

import pandas as pd

from curse_of_memory.io import write_text
from curse_of_memory.report import hparams
from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):
    frames = [pd.read_parquet(p) for p in snakemake.input.best]
    best = pd.concat(frames, ignore_index=True) if frames else None
    tier = snakemake.params.tier
    for i, n in enumerate((1, 2, 3)):
        header, rows = hparams.build(n, snakemake.params.cells, best, tier)
        write_text(snakemake.output.md[i], hparams.to_markdown(n, header, rows, tier))
        write_text(snakemake.output.tex[i], hparams.to_latex(n, header, rows, tier))
        print(hparams.to_markdown(n, header, rows, tier))
