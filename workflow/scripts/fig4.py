"""Fig 4: Hessians at the optimum (dense RNN, complex diagonal RNN) and Adam's per-entry effective
learning rates after training (one run each, constant lr).  Plotted numbers beside the PDF:
fig4_hessian.csv, fig4_spectrum.csv, fig4_eigvecs.csv, fig4_elr.csv, fig4_elr_summary.csv."""

from curse_of_memory import hessian as hs
from curse_of_memory.plotting import hessian_panels as hp
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

KINDS = ("rnn", "crnn")
ROWS = (("rnn", "RNN"), ("crnn", "Complex diagonal"))

with snakemake_log(snakemake):
    hess = hs.load_hessians(snakemake.input.npz, snakemake.input.summary)
    models = [dict(hess[k], key=k) for k in KINDS]
    eig_top = max(float(hess[k]["eigvals"][0]) for k in KINDS)
    runs_cfg = snakemake.params.runs
    runs = []
    for cell, title in ROWS:
        r = runs_cfg.get(cell)
        runs.append(hp.strip_run(cell, title, r and r["model"], r and r["final"]))
    fig, data = hp.hessian_and_strips(
        models, runs, eig_top=eig_top, n_vecs=snakemake.params.n_eigvecs
    )
    style.save(fig, snakemake.output.pdf, data=data, tier=snakemake.params.tier)
    print(data["spectrum"].groupby("model").head(10).to_string())
    print(data["elr_summary"].to_string())
