"""Rule `fig15`, Fig 15: diagonal theory vs GRU empirics (METHODS §5).

input.empirics / input.theory (rule gru_sensitivity), input.fit (rule autocorrelation) ->
output.pdf (default formula) and output.published (the formula as published, METHODS §7 item
11), each with .png and the plotted numbers <stem>_{scatter,curves}.csv beside it."""

import json

import numpy as np
import pandas as pd

from curse_of_memory.data.gru_jacobians import FIG15_SETTINGS, smooth
from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log


def plotted_numbers(emp, th, cfg):
    """A random sample of every setting's points (scatter) and the theory and smoothed empirical
    variances on the theory's grid (curves)."""
    grid = th["T"].to_numpy()
    rng = np.random.default_rng(cfg["scatter_seed"])
    scatter, curves = [], []
    for name, _sx, _sh in FIG15_SETTINGS:
        e = emp[emp.setting == name]
        h2, dh2 = e.h.to_numpy(np.float64) ** 2, e.dh_db.to_numpy(np.float64) ** 2
        T = e["T"].to_numpy()
        pick = rng.choice(len(e), size=min(cfg["n_scatter"], len(e)), replace=False)
        scatter.append(
            pd.DataFrame({"setting": name, "T": T[pick], "h2": h2[pick], "dh2": dh2[pick]})
        )
        curves.append(
            pd.DataFrame(
                {
                    "setting": name,
                    "T": grid,
                    "theory_var_h": th.var_h,
                    "theory_var_dh": th.var_dh,
                    "theory_var_dh_published": th.var_dh_published,
                    "empirical_var_h": smooth(T, h2, grid, cfg["smoothing_width"]),
                    "empirical_var_dh": smooth(T, dh2, grid, cfg["smoothing_width"]),
                    "n_points": len(e),
                }
            )
        )
    return pd.concat(scatter, ignore_index=True), pd.concat(curves, ignore_index=True)


def plot(scatter, curves, key, title, out, tier):
    """``key``: the curves' column of the theory of (d h / d b)^2 to draw."""
    fig, axes = style.figure(5.5, 3.0, nrows=2, ncols=3, sharex=True, sharey="row")
    for col, (name, _sx, _sh) in enumerate(FIG15_SETTINGS):
        sc, cv = scatter[scatter.setting == name], curves[curves.setting == name]
        for row, (y, ty, ey) in enumerate(
            (("h2", "theory_var_h", "empirical_var_h"), ("dh2", key, "empirical_var_dh"))
        ):
            ax = axes[row, col]
            ax.scatter(
                sc["T"], sc[y], s=1, alpha=0.5, color=style.COLORS["data"], lw=0, rasterized=True
            )
            ax.plot(cv["T"], cv[ty], "k--", label="Theory")
            ax.plot(cv["T"], cv[ey], "k-", label="Empirical mean")
            ax.set_xscale("log")
            ax.set_yscale("log")
            if row == 0:
                ax.set_title(name)
            else:
                ax.set_xlabel(r"$1/(1-\sigma(b))$")
    axes[0, 0].set_ylabel(r"$h^2$")
    axes[1, 0].set_ylabel(r"$(\partial h / \partial b)^2$")
    axes[0, 0].legend(loc="lower left")
    fig.suptitle(title, fontsize=5)
    style.save(fig, out, data={"scatter": scatter, "curves": curves}, tier=tier)


def main(smk):
    cfg = smk.params.data["fig15"]
    emp = pd.read_parquet(smk.input.empirics)
    th = pd.read_parquet(smk.input.theory)
    fit = json.loads(open(smk.input.fit).read())
    scatter, curves = plotted_numbers(emp, th, cfg)
    src = f"{emp.source.iloc[0]}, {emp.model.iloc[0]}"
    d = fit["default"]
    for key, out in (
        ("theory_var_dh", smk.output.pdf),
        ("theory_var_dh_published", smk.output.published),
    ):
        formula = "default formula" if key == "theory_var_dh" else "as published formula"
        title = f"{src}; a0={d['a0']:.3g}, a1={d['a1']:.3g}, r1={d['r1']:.4f}; {formula}"
        plot(scatter, curves, key, title, out, smk.params.tier)


with snakemake_log(snakemake):
    main(snakemake)
