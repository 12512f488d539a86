"""Rule `hessians` (Figs 4/9 top): the four students set to the hand-built teacher; float64
Hessians, and the S4 student with Delta_raw stored in float32 as the original did (key
s4_published).  params.settings (teacher_seed, data_seed, batch, T, s4_delta and draw: jax = the
paper's random numbers, numpy = a second draw) -> output.npz / output.summary (results/hessian/;
the summary records the settings, the draw and the modal scaling)."""

from curse_of_memory import hessian as hs
from curse_of_memory.runlog import snakemake_log


def main(smk):
    settings = dict(smk.params.settings)
    teacher, results = hs.optimum_hessians(**settings)
    settings["modal_scaling"] = "eig (numpy.linalg.eig: unit-length eigenvectors)"
    summary = hs.save_hessians(smk.output.npz, smk.output.summary, teacher, results, settings)
    print(f"teacher ({teacher.draw} draw, seed {teacher.seed}) eigenvalues:", teacher.eigvals)
    for kind, s in summary["models"].items():
        print(
            f"{kind:12s} params={s['n_params']:3d} loss at optimum={s['loss_at_optimum']:.3e} "
            f"top eigenvalue={s['eig_max']:.4g} eigenvalues > 1e-7: {s['n_eig_above_1e-7']}"
        )


with snakemake_log(snakemake):
    main(snakemake)
