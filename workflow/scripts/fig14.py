"""Rule `fig14`, Fig 14: GRU recurrent Jacobians dh_dt/dh_0 at initialisation, 3 x 3 settings
(METHODS §5).

input.jac (rule gru_jacobians) -> output.pdf (+ .png and the plotted numbers
fig14_{entries,summary}.csv beside it)."""

import pandas as pd

from curse_of_memory.plotting import style
from curse_of_memory.runlog import snakemake_log

ENTRY_COLUMNS = ["row", "col", "t_max", "scale_h", "scale_x", "dt", "kind", "i", "j", "value"]
ROW_LABELS = [r"$\sigma_h=\sigma_x=0$", r"$\sigma_h=\sigma_x=1$", r"$T\in[1,16]$, $\sigma_x=1$"]


def summary_rows(s, row, col, t_max, sh):
    """Per Delta t of one setting: sizes of the diagonal and off-diagonal entries."""
    rows = []
    for dt, g in s.groupby("dt"):
        d = g[g.kind == "diag"]
        o = g[g.kind == "offdiag"]
        rows.append(
            {
                "row": row,
                "col": col,
                "t_max": t_max,
                "scale_h": sh,
                "scale_x": g.scale_x.iloc[0],
                "dt": dt,
                "diag_mean_abs": d.value.abs().mean(),
                "diag_min": d.value.min(),
                "diag_max": d.value.max(),
                "offdiag_mean_abs": o.value.abs().mean(),
                "offdiag_max_abs_sampled": o.value.abs().max(),
                "offdiag_max_abs_all": g[g.kind == "offdiag_all_max_abs"].value.max(),
                "max_abs_diag_minus_z_power": (d.value - d.z_power).abs().max(),
            }
        )
    return rows


def main(smk):
    # Delta t = int(2^linspace(...)) repeats small values: each repeat is the same Jacobian
    df = pd.read_parquet(smk.input.jac).drop_duplicates(["row", "col", "dt", "kind", "i", "j"])
    fig, axes = style.figure(5.6, 4.6, nrows=3, ncols=3, sharex=True, sharey=True)
    summary = []
    for (row, col), s in df.groupby(["row", "col"]):
        ax = axes[row, col]
        t_max, sh = s.t_max.iloc[0], s.scale_h.iloc[0]
        diag = s[s.kind == "diag"].pivot(index="dt", columns="i", values="value")
        off = s[s.kind == "offdiag"].pivot_table(index="dt", columns=["i", "j"], values="value")
        ax.plot(off.index, off.to_numpy(), color="grey", alpha=0.2, lw=0.5)
        ax.plot(diag.index, diag.to_numpy(), color=style.COLORS["data"], alpha=0.2, lw=0.5)
        ax.set_xscale("log", base=2)
        ax.set_title(rf"$\sigma_h = {sh:g}$" if row == 2 else rf"$T \in [1, {t_max:g}]$")
        if col == 0:
            ax.set_ylabel(ROW_LABELS[row] + "\n" + r"$\partial h_{\Delta t} / \partial h_0$")
        if row == 2:
            ax.set_xlabel(r"$\Delta t$")
        summary += summary_rows(s, row, col, t_max, sh)
    axes[0, 0].plot([], [], color=style.COLORS["data"], label="Diagonal terms")
    axes[0, 0].plot([], [], color="grey", label="Non-diagonal terms")
    axes[0, 0].legend(loc="lower left")
    fig.suptitle(
        f"ChronoGRU at init on {df.source.iloc[0]} embeddings ({df.model.iloc[0]}), T_min = 1",
        fontsize=5,
    )
    entries = df[df.kind != "offdiag_all_max_abs"][ENTRY_COLUMNS]
    style.save(
        fig,
        smk.output.pdf,
        data={"entries": entries, "summary": pd.DataFrame(summary)},
        tier=smk.params.tier,
    )


with snakemake_log(snakemake):
    main(snakemake)
