"""Fig 9: as Fig 4 for the LRU (exp, learned gamma) and the S4-like SSM.  The eigenvalue axis uses
Fig 4's largest eigenvalue.  fig9_published.pdf: the same Hessians, the S4 strip row from the run
with the as-published init (phase divided by Delta_raw, METHODS §7 item 7).  Plotted numbers beside
each PDF: fig9[_published]_{hessian,spectrum,eigvecs,elr,elr_summary}.csv."""

from curse_of_memory import hessian as hs
from curse_of_memory.plotting import hessian_panels as hp
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

KINDS = ("lru", "s4")

with snakemake_log(snakemake):
    hess = hs.load_hessians(snakemake.input.npz, snakemake.input.summary)
    models = [dict(hess[k], key=k) for k in KINDS]
    eig_top = max(float(hess[k]["eigvals"][0]) for k in ("rnn", "crnn"))  # Fig 4's range
    runs_cfg = snakemake.params.runs

    def run(cell, title, variant="default"):
        r = runs_cfg.get(cell)
        return hp.strip_run(cell, title, r and r["model"], r and r["final"], variant=variant)

    for out, s4_cell, s4_title, variant in (
        (snakemake.output.pdf, "s4", "S4", "default"),
        (snakemake.output.published, "s4-published", "S4 (as-published init)", "published"),
    ):
        runs = [run("lru", "LRU"), run(s4_cell, s4_title, variant)]
        fig, data = hp.hessian_and_strips(
            models, runs, eig_top=eig_top, n_vecs=snakemake.params.n_eigvecs
        )
        style.save(fig, out, data=data, tier=snakemake.params.tier)
        print(out)
        print(data["elr_summary"].to_string())
    print(data["spectrum"].groupby("model").head(10).to_string())
