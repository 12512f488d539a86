"""Rule `hyperparameter_tables`: Tables 1-3 (Markdown + LaTeX booktabs) from config.yaml
(params.cells) plus the selected learning rates (input.best) -> output.md / output.tex."""

import pandas as pd

from curse_of_memory.io import write_text
from curse_of_memory.report import hparams
from curse_of_memory.runlog import snakemake_log


def main(smk):
    frames = [pd.read_parquet(p) for p in smk.input.best]
    best = pd.concat(frames, ignore_index=True) if frames else None
    tier = smk.params.tier
    for i, n in enumerate((1, 2, 3)):
        header, rows = hparams.build(n, smk.params.cells, best, tier)
        write_text(smk.output.md[i], hparams.to_markdown(n, header, rows, tier))
        write_text(smk.output.tex[i], hparams.to_latex(n, header, rows, tier))
        print(hparams.to_markdown(n, header, rows, tier))


with snakemake_log(snakemake):
    main(snakemake)
