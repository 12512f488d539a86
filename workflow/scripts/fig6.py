"""Rule `fig6`, Fig 6 (METHODS §5): loss and curvature landscapes of the gamma-normalised 1-D
loss for the polar, exp and opt parametrisations.  Columns: loss and d^2 loss/dx^2 (autodiff,
float64) against the magnitude parameter, then against the angle parameter x = omega (theta =
pi omega for polar, omega_theta = pi omega for exp and opt; axes labelled omega = theta/pi and
omega_theta/pi, METHODS §7).

params.theory -> output.pdf (+ .png and the plotted numbers fig6_{curves,optimum}.csv beside it;
columns in curse_of_memory.theory.figdata)."""

import numpy as np

from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.theory.figdata import FIG6_GRIDS, fig6_data, lam_star_colors

ROWS = ("polar", "exp", "opt")
XLABELS = {
    ("polar", "magnitude"): r"$\nu$",
    ("polar", "angle"): r"$\omega = \theta/\pi$",
    ("exp", "magnitude"): r"$\omega_\nu$",
    ("exp", "angle"): r"$\omega_\theta/\pi$",
    ("opt", "magnitude"): r"$\omega_\nu$",
    ("opt", "angle"): r"$\omega_\theta/\pi$",
}


def main(smk):
    p = smk.params.theory
    data = fig6_data(p["lambda_stars"], p["fig6_points"], p["fig6_polar_angle_points"])
    curves = data["curves"]
    cols = lam_star_colors(p["lambda_stars"])
    fig, axes = style.figure(5.5, 3.5, nrows=3, ncols=4)
    for i, param in enumerate(ROWS):
        for j, (column, what) in enumerate(
            [
                ("magnitude", "loss"),
                ("magnitude", "curvature"),
                ("angle", "loss"),
                ("angle", "curvature"),
            ]
        ):
            ax = axes[i, j]
            d = curves[(curves["param"] == param) & (curves["column"] == column)]
            for ls_, col in zip(p["lambda_stars"], cols):
                c = d[d["lam_star"] == ls_]
                y = c[what].where(c[what] > 0)  # non-positive values drop off the log axis
                ax.plot(c["x"], y, color=col, lw=0.8, label=f"{ls_:.2f}")
            ax.set_yscale("log")
            ax.set_xlabel(XLABELS[(param, column)], labelpad=1)
            lo, hi = FIG6_GRIDS[(param, column)]
            ax.set_xlim((0, 1.02) if (param, column) == ("polar", "magnitude") else (lo, hi))
            if what == "curvature" and column == "magnitude" and param in ("exp", "opt"):
                ax.set_ylim(1e-3, 2)
            if i == 0:
                ax.set_title(
                    {"loss": "Loss", "curvature": "Hessian"}[what]
                    + (" (magnitude)" if column == "magnitude" else " (angle)")
                )
        axes[i, 0].set_ylabel(f"{param}\n" + "Loss", labelpad=1)
        axes[i, 1].set_ylabel(r"$\partial_x^2$ Loss", labelpad=1)
    h, lab = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(h_pad=0.6, w_pad=0.5, rect=(0, 0, 0.91, 1))
    fig.legend(
        h, lab, title=r"$|\lambda^*|$", loc="center right", handlelength=1.2, borderaxespad=0.2
    )
    tier = style.theory_tier(
        smk.params.tier,
        p,
        smk.config.get("theory"),
        ("lambda_stars", "fig6_points", "fig6_polar_angle_points"),
    )
    style.save(fig, smk.output.pdf, data=data, tier=tier)  # theory: stamped only if reduced
    opt = data["optimum"]
    rel = np.abs(opt["curvature_autodiff"] / opt["curvature_closed_form"] - 1).max()
    print(f"fig6: max relative gap autodiff vs closed-form curvature at the optimum: {rel:.2e}")


with snakemake_log(snakemake):
    main(snakemake)
