"""Rule `hessians` (Figs 4/9 top): the four students set to the hand-built teacher; float64
Hessians.  params.settings -> output.npz / output.summary (results/hessian/)."""

from curse_of_memory import hessian as hs
from curse_of_memory.runlog import snakemake_log


def main(smk):
    settings = dict(smk.params.settings)
    teacher, results = hs.optimum_hessians(**settings)
    summary = hs.save_hessians(smk.output.npz, smk.output.summary, teacher, results, settings)
    print("teacher eigenvalues:", teacher.eigvals)
    for kind, s in summary["models"].items():
        print(
            f"{kind:5s} params={s['n_params']:3d} loss at optimum={s['loss_at_optimum']:.3e} "
            f"top eigenvalue={s['eig_max']:.4g} eigenvalues > 1e-8: {s['n_eig_above_1e-8']}"
        )


with snakemake_log(snakemake):
    main(snakemake)
