"""Rule `fig2`, Fig 2 (METHODS §5): normalisation and reparametrisation.  Left: E[h^2] with
gamma = sqrt(1-lam^2); right: E[(d_lam h)^2] with gamma held fixed and the exp parametrisation,
(1-lam^2)(lam ln lam)^2.

params.theory -> output.pdf (+ .png and the plotted numbers fig2_{left,right}.csv beside it)."""

from curse_of_memory.plotting import style
from curse_of_memory.plotting.axes import memory_axis
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.theory.figdata import fig2_data, rho_colors


def main(smk):
    p = smk.params.theory
    data = fig2_data(p["rhos"], p["fig1_points"])
    fig, (ax_l, ax_r, leg) = style.figure(
        4.0, 1.3, ncols=3, gridspec_kw={"width_ratios": [5, 5, 1.0]}
    )
    for ax, key, grey, note, xg, side in (
        (ax_l, "left", "without_gamma", r"without $\gamma$", 2.4, "right"),
        (ax_r, "right", "without_gamma_and_exp", r"without $\gamma$ and exp", 1.95, "left"),
    ):
        d = data[key]
        for rho, col in zip(p["rhos"], rho_colors(p["rhos"])):
            c = d[(d["curve"] == "rho") & (d["rho"] == rho)]
            ax.plot(c["x"], c["y"].where(c["y"] > 0), color=col, label=f"{rho:g}")
        g = d[d["curve"] == grey]
        ax.plot(g["x"], g["y"], color="0.6", ls="--")
        memory_axis(ax)
        # annotate the grey curve where it is still inside the axes
        yg = float(g.iloc[(g["x"] - xg).abs().argmin()]["y"])
        if side == "right":  # text above-left of the grey line
            ax.annotate(
                note, (xg, yg), xytext=(-2, 4), textcoords="offset points", ha="right", color="0.45"
            )
        else:  # the grey line leaves the axes early: label it just right of where it does
            ax.text(xg, 3e7, note, ha="left", va="top", color="0.45")
    ax_l.set_title(r"Variance $h_t$")
    ax_r.set_title(r"Variance $\mathrm{d}h_t$")
    ax_r.set_ylim(top=5e7)
    h, lab = ax_l.get_legend_handles_labels()
    leg.axis("off")
    leg.legend(h, lab, title=r"$\rho$", loc="center left", handlelength=1.2, borderaxespad=0)
    fig.tight_layout(w_pad=0.8)
    tier = style.theory_tier(smk.params.tier, p, smk.config.get("theory"), ("rhos", "fig1_points"))
    style.save(fig, smk.output.pdf, data=data, tier=tier)  # theory: stamped only if reduced


with snakemake_log(snakemake):
    main(snakemake)
