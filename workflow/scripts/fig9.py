"""Rule `fig9`, Fig 9: as Fig 4 for the LRU (exp, learned gamma) and the S4-like SSM.  The
eigenvalue axis uses Fig 4's largest eigenvalue.  fig9_published.pdf: S4 as the original had it -
the S4 Hessian column at the optimum with Delta_raw stored in float32 (METHODS §7, further notes;
rule hessians, key s4_published) and the S4 strip row from the run with the as-published init
(phase divided by Delta_raw, METHODS §7 item 7).  A figure from the second draw of the teacher
and batch (hessian.draw: numpy) is stamped as such.

input.npz / input.summary (rule hessians), params.runs (the fig9 runs' final.pt) -> output.pdf and
output.published (+ .png and the plotted numbers beside each:
fig9[_published]_{hessian,spectrum,eigvecs,elr,elr_summary}.csv)."""

import json
from pathlib import Path

from curse_of_memory import hessian as hs
from curse_of_memory.plotting import hessian_panels as hp
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log


def strip_run(runs_cfg, cell, title, variant="default"):
    r = runs_cfg.get(cell)
    return hp.strip_run(cell, title, r and r["model"], r and r["final"], variant=variant)


def main(smk):
    hess = hs.load_hessians(smk.input.npz, smk.input.summary)
    draw = json.loads(Path(smk.input.summary).read_text())["settings"].get("draw")
    eig_top = max(float(hess[k]["eigvals"][0]) for k in ("rnn", "crnn"))  # Fig 4's range
    # the as-published S4 Hessian (Delta_raw in float32), where rule hessians computed it
    s4_pub = hs.S4_PUBLISHED if hs.S4_PUBLISHED in hess else "s4"
    runs_cfg = smk.params.runs
    for out, s4_key, s4_cell, s4_title, variant in (
        (smk.output.pdf, "s4", "s4", "S4", "default"),
        (smk.output.published, s4_pub, "s4-published", "S4 (as-published init)", "published"),
    ):
        models = [dict(hess["lru"], key="lru"), dict(hess[s4_key], key=s4_key)]
        runs = [
            strip_run(runs_cfg, "lru", "LRU"),
            strip_run(runs_cfg, s4_cell, s4_title, variant),
        ]
        fig, data = hp.hessian_and_strips(
            models, runs, eig_top=eig_top, n_vecs=smk.params.n_eigvecs, note=hp.draw_note(draw)
        )
        style.save(fig, out, data=data, tier=smk.params.tier)
        print(out)
        print(data["elr_summary"].to_string())
    print(data["spectrum"].groupby("model").head(10).to_string())


with snakemake_log(snakemake):
    main(snakemake)
