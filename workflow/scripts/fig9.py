"""Rule `fig9`, Fig 9: as Fig 4 for the LRU (exp, learned gamma) and the S4-like SSM.  The
eigenvalue axis uses Fig 4's largest eigenvalue.  fig9_published.pdf: the same Hessians, the S4
strip row from the run with the as-published init (phase divided by Delta_raw, METHODS §7 item
7).

input.npz / input.summary (rule hessians), params.runs (the fig9 runs' final.pt) -> output.pdf and
output.published (+ .png and the plotted numbers beside each:
fig9[_published]_{hessian,spectrum,eigvecs,elr,elr_summary}.csv)."""

from curse_of_memory import hessian as hs
from curse_of_memory.plotting import hessian_panels as hp
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

KINDS = ("lru", "s4")


def strip_run(runs_cfg, cell, title, variant="default"):
    r = runs_cfg.get(cell)
    return hp.strip_run(cell, title, r and r["model"], r and r["final"], variant=variant)


def main(smk):
    hess = hs.load_hessians(smk.input.npz, smk.input.summary)
    models = [dict(hess[k], key=k) for k in KINDS]
    eig_top = max(float(hess[k]["eigvals"][0]) for k in ("rnn", "crnn"))  # Fig 4's range
    runs_cfg = smk.params.runs
    for out, s4_cell, s4_title, variant in (
        (smk.output.pdf, "s4", "S4", "default"),
        (smk.output.published, "s4-published", "S4 (as-published init)", "published"),
    ):
        runs = [
            strip_run(runs_cfg, "lru", "LRU"),
            strip_run(runs_cfg, s4_cell, s4_title, variant),
        ]
        fig, data = hp.hessian_and_strips(
            models, runs, eig_top=eig_top, n_vecs=smk.params.n_eigvecs
        )
        style.save(fig, out, data=data, tier=smk.params.tier)
        print(out)
        print(data["elr_summary"].to_string())
    print(data["spectrum"].groupby("model").head(10).to_string())


with snakemake_log(snakemake):
    main(snakemake)
