"""Rule `theory_hessians`, Fig 10 top data (METHODS §4.6, §5 Fig 10): Gauss-Newton
lambda-Hessians of a complex diagonal network with n eigenvalues on the ring [r_min, r_max],
phases U[-theta0, theta0], b and c complex standard normal, input autocorrelation rho.  Every
theta0 uses the same random numbers, drawn from `seed` (so the three networks differ only in how
concentrated the phases are) with `draw`: jax (the paper's PRNGKey(seed) draw) or numpy (a second
draw, NumPy's default_rng(seed)).  params.fig10 -> output.npz and output.csv (results/theory/).

output.npz keys:
  theta0 (k,)           phase ranges (radians);  theta0_over_pi (k,)
  lam, b, c (k, n)      complex eigenvalues, input and output weights
  H (k, 2n, 2n)         Hessians, rows/columns ordered [Re lam_1..n ; Im lam_1..n]
  eigvals (k, 2n)       eigenvalues of H, descending
  eigvecs (k, 2n, 2n)   eigvecs[k, :, j] is the unit eigenvector of eigvals[k, j]
  rho, n, r_min, r_max, seed (scalars);  draw (str) "jax" | "numpy";
  order (str) "[Re lam_1..n ; Im lam_1..n]"
output.csv columns (one row per theta0): draw, theta0, theta0_over_pi, top_eigval, min_eigval,
  n_eigvals_above_1e-8_top, diag_energy_fraction (sum of squared diagonal entries / sum of all
  squared entries of H), top_eigvec_ipr (sum v^4 of the top eigenvector: 1 = one coordinate,
  1/(2n) = spread over all).
"""

import numpy as np
import pandas as pd

from curse_of_memory.hessian import fig10_theory_hessians
from curse_of_memory.io import atomic_path, write_csv
from curse_of_memory.runlog import snakemake_log


def main(smk):
    p = smk.params.fig10
    theta0 = np.pi * np.asarray(p["theta0_over_pi"], dtype=np.float64)
    draw = p.get("draw", "jax")
    d = fig10_theory_hessians(
        theta0,
        n=p["n"],
        r_min=p["r_min"],
        r_max=p["r_max"],
        rho=p["rho"],
        seed=p["seed"],
        draw=draw,
    )
    d.update(
        theta0_over_pi=np.asarray(p["theta0_over_pi"], dtype=np.float64),
        n=p["n"],
        r_min=p["r_min"],
        r_max=p["r_max"],
        seed=p["seed"],
        order="[Re lam_1..n ; Im lam_1..n]",
    )
    rows = []
    for k in range(len(theta0)):
        H, vals, vecs = d["H"][k], d["eigvals"][k], d["eigvecs"][k]
        rows.append(
            dict(
                draw=draw,
                theta0=theta0[k],
                theta0_over_pi=d["theta0_over_pi"][k],
                top_eigval=vals[0],
                min_eigval=vals[-1],
                **{"n_eigvals_above_1e-8_top": int(np.sum(vals > 1e-8 * vals[0]))},
                diag_energy_fraction=float(np.sum(np.diag(H) ** 2) / np.sum(H**2)),
                top_eigvec_ipr=float(np.sum(vecs[:, 0] ** 4)),
            )
        )
    summary = pd.DataFrame(rows)
    with atomic_path(smk.output.npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **d)
    write_csv(smk.output.csv, summary)
    print(summary.to_string())


with snakemake_log(snakemake):
    main(snakemake)
