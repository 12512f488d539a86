"""Rule `fig8`, Fig 8 (METHODS §5): |S(lambda, lambda0, rho)| over the unit disk, lambda0 =
0.99 e^{i pi/4}, one panel per rho.  fig8.pdf: the exact S (METHODS §4.2); fig8_published.pdf:
S_vis (METHODS §7 item 9).

params.theory -> output.pdf / output.published (+ .png and fig8[_published]_summary.csv beside
them: one row per rho of that variant: abs_S_at_conj_lam0, abs_S_at_lam_near_1, abs_S_max and
its location) and output.npz (keys: re, im (n_nu, n_theta), nu, theta, rho, absS_exact and
absS_published (n_rho, n_nu, n_theta), lam0)."""

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from curse_of_memory.io import atomic_path
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.theory.figdata import LAMBDA0_FIG8, fig8_data


def plot(grid, rhos, levels, path, summary, tier):
    fig, axes = style.figure(6.5, 1.5, ncols=len(rhos))
    axes = np.atleast_1d(axes)
    lv = np.logspace(-2, 5, levels)
    for k, (ax, rho) in enumerate(zip(axes, rhos)):
        z = np.clip(grid["absS"][k], 1e-2, 1e5)
        cs = ax.contourf(
            grid["re"], grid["im"], z, levels=lv, cmap="Blues", norm=LogNorm(1e-2, 1e5)
        )
        cs.set_rasterized(True)
        ax.set_aspect("equal")
        ax.set_title(rf"$\rho$ = {rho:g}")
        ax.set_xticks([-1, 0, 1])
        ax.set_yticks([-1, 0, 1])
        ax.set_xlabel(r"Re $\lambda$", labelpad=1)
        if k == 0:
            ax.set_ylabel(r"Im $\lambda$", labelpad=1)
        else:
            ax.set_yticklabels([])
    fig.tight_layout(w_pad=0.4, rect=(0, 0, 0.92, 1))
    cax = fig.add_axes([0.93, 0.2, 0.01, 0.62])
    cb = fig.colorbar(cs, cax=cax, ticks=[1e-1, 1e1, 1e3, 1e5])
    cb.set_label(r"$|S(\lambda, \lambda_0, \rho)|$")
    cb.outline.set_linewidth(0.5)
    style.save(fig, path, data={"summary": summary}, tier=tier)


def main(smk):
    p = smk.params.theory
    f8 = p["fig8"]
    rhos = p["rhos"]
    tier = style.theory_tier(smk.params.tier, p, smk.config.get("theory"), ("rhos", "fig8"))
    out, summaries = {}, []
    for published, path in ((False, smk.output.pdf), (True, smk.output.published)):
        grid, summary = fig8_data(rhos, f8["n_nu"], f8["n_theta"], published=published)
        plot(grid, rhos, f8["levels"], path, summary, tier)  # stamped only if reduced
        out["absS_published" if published else "absS_exact"] = grid["absS"]
        summaries.append(summary)
    for key in ("re", "im", "nu", "theta", "rho"):
        out[key] = grid[key]
    out["lam0"] = LAMBDA0_FIG8
    with atomic_path(smk.output.npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **out)
    print(pd.concat(summaries).to_string())


with snakemake_log(snakemake):
    main(snakemake)
