"""Rule `fig4`, Fig 4: Hessians at the optimum (dense RNN, complex diagonal RNN) and Adam's
per-entry effective learning rates after training (one run each, constant lr).

input.npz / input.summary (rule hessians), params.runs (the fig4 runs' final.pt) -> output.pdf
(+ .png and the plotted numbers beside it: fig4_hessian.csv, fig4_spectrum.csv,
fig4_eigvecs.csv, fig4_elr.csv, fig4_elr_summary.csv).  A figure from the second draw of the
teacher and batch (hessian.draw: numpy) is stamped as such."""

import json
from pathlib import Path

from curse_of_memory import hessian as hs
from curse_of_memory.plotting import hessian_panels as hp
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

KINDS = ("rnn", "crnn")
ROWS = (("rnn", "RNN"), ("crnn", "Complex diagonal"))


def main(smk):
    hess = hs.load_hessians(smk.input.npz, smk.input.summary)
    models = [dict(hess[k], key=k) for k in KINDS]
    eig_top = max(float(hess[k]["eigvals"][0]) for k in KINDS)
    runs_cfg = smk.params.runs
    runs = []
    for cell, title in ROWS:
        r = runs_cfg.get(cell)
        runs.append(hp.strip_run(cell, title, r and r["model"], r and r["final"]))
    draw = json.loads(Path(smk.input.summary).read_text())["settings"].get("draw")
    fig, data = hp.hessian_and_strips(
        models, runs, eig_top=eig_top, n_vecs=smk.params.n_eigvecs, note=hp.draw_note(draw)
    )
    style.save(fig, smk.output.pdf, data=data, tier=smk.params.tier)
    print(data["spectrum"].groupby("model").head(10).to_string())
    print(data["elr_summary"].to_string())


with snakemake_log(snakemake):
    main(snakemake)
