"""Rule `fig3`, Fig 3: final loss vs nu0 for the LRU and the dense RNN (A); the RNN -> LRU
ablation at nu0 = 0.99 (B).  fig3.pdf uses the default aggregation and marks the gamma-init
as-published point as an open marker; fig3_published.pdf uses the published NaN-skipping rule
and the published gamma init.  Works with whatever cells the tier configured.  When the
paper-tier reference run is an input (a reduced tier), its points are drawn beside this run's as
hollow markers; the values read off the paper's published figure are crosses; a task point whose
every seed diverged is a cross at the top of the panel (no finite loss to plot).  Panels, series
order and colours: ``curse_of_memory.figures.FIG3``; labels: the cells' ``label:`` in
config.yaml.

input.panel_a / input.panel_b (the fig3a / fig3b best-lr tables), input.reference,
input.readings (resources/published/readings.csv) -> output.pdf and output.published (+ .png
and the plotted numbers <stem>_{a,b}.csv beside each, one row per point with its ``source``)."""

import math

import numpy as np
import pandas as pd

from curse_of_memory import figures
from curse_of_memory import published as P
from curse_of_memory.plotting import overlay, style
from curse_of_memory.plotting.axes import quiet_minor_labels
from curse_of_memory.plotting.sources import PUBLISHED, REFERENCE, THIS_RUN, rows, stack
from curse_of_memory.runlog import snakemake_log

PANEL_A = figures.FIG3.panel("a").series
ABLATION = figures.FIG3.panel("b").series  # panel B, left to right
BEST_COLUMNS = [
    "experiment",
    "cell",
    "nu0",
    "theta0",
    "mean",
    "sem",
    "lr",
    "mean_published",
    "sem_published",
    "lr_published",
    "n_seeds",
    "n_diverged_total",
    "flagged",
]
LABELS: dict = {}  # "experiment/cell" -> label, set from the rule's params
LEGEND_ABOVE = dict(
    loc="lower left",
    bbox_to_anchor=(0, 1.02),
    ncol=2,
    borderaxespad=0,
    handlelength=1.2,
    columnspacing=0.8,
    fontsize=5,
)


def label(series):
    return figures.labels([series], LABELS)[0]


def x_of(nu0):
    return 6 - np.log2(100 * (1 - np.asarray(nu0, dtype=float)))


def cols(published):
    return (
        ("mean_published", "sem_published", "lr_published") if published else ("mean", "sem", "lr")
    )


def published_rows(readings, panel, x_of_row):
    """The published readings of one panel as plotted rows (source "published")."""
    if readings is None:
        return pd.DataFrame()
    pts = P.points(readings, "3", panel)
    if pts.empty:
        return pd.DataFrame()
    return rows(
        PUBLISHED,
        {
            "model": pts["series"],
            "nu0": pts["x"],
            "x": [x_of_row(r) for _, r in pts.iterrows()],
            "loss": pts["published"],
            "all_diverged": False,
        },
        at=1,
    )


def curve_rows(source, d, m, s, lr, med=None):
    """Panel A's rows of one cell (``d``: its best-lr table rows, sorted by nu0)."""
    extra = {} if med is None else {"median": med}
    return rows(
        source,
        {
            "model": d["cell"],
            "nu0": d["nu0"],
            "x": x_of(d["nu0"]),
            "loss": d[m],
            "sem": d[s],
            **extra,
            "lr": d[lr],
            "n_seeds": d["n_seeds"],
            "n_diverged": d["n_diverged_total"],
            "all_diverged": overlay.all_diverged(d, m),
            "flagged": d["flagged"],
        },
        at=1,
    )


def panel_a(ax, best, published, ref, readings):
    """Final loss against nu0 for each cell of panel A; returns the plotted rows."""
    m, s, lr = cols(published)
    table = best[best["experiment"] == "fig3a"].sort_values("nu0")
    ref_a = ref[ref["experiment"] == "fig3a"] if ref is not None else None
    out = []
    for series in PANEL_A:
        d = table[table["cell"] == series.key]
        if d.empty:
            continue
        x = x_of(d["nu0"])
        color = style.COLORS[series.color]
        ax.errorbar(
            x,
            d[m],
            yerr=d[s].fillna(0),
            marker="o",
            markersize=2,
            color=color,
            label=label(series),
            capsize=0,
            elinewidth=0.5,
        )
        overlay.diverged(ax, x[overlay.all_diverged(d, m)], color)
        med = d["median"] if "median" in d and not published else pd.Series(np.nan, d.index)
        overlay.median(ax, x, med, color)
        out.append(curve_rows(THIS_RUN, d, m, s, lr, med))
        r = ref_a[ref_a["cell"] == series.key].sort_values("nu0") if ref_a is not None else []
        if len(r):
            overlay.reference(ax, x_of(r["nu0"]), r[m], color)
            out.append(curve_rows(REFERENCE, r, m, s, lr))
    pub = published_rows(readings, "A", lambda r: x_of(r["x"]))
    for series in PANEL_A:
        sel = pub[pub["model"] == series.key] if len(pub) else pub
        if len(sel):
            overlay.published(ax, sel["x"], sel["loss"], style.COLORS[series.color])
    if len(pub):
        out.append(pub)
    ticks = [0.36, 0.84, 0.96, 0.99]
    ax.set_xticks(x_of(ticks))
    ax.set_xticklabels([f"{v:g}" for v in ticks])  # the true nu0 values (METHODS §7 item 13)
    ax.set_xlim(-0.4, 6.4)
    if out and np.isfinite(pd.concat(out)["loss"].astype(float)).any():
        ax.set_yscale("log")
        quiet_minor_labels(ax)
    ax.set_xlabel(r"$\nu_0$")
    ax.set_ylabel("Final loss")
    if out:  # above the panel: the curves fill the axes from corner to corner
        ax.legend(**LEGEND_ABOVE)
    return out


def point(source, i, tick, where, d, columns, median=None, **extra):
    """Panel B's row of the cell ``where`` = (experiment, cell) at x = ``i`` (``d``: its row of
    the best-lr table at 0.99, if any; ``columns``: the loss, SEM and lr columns to read)."""
    first = {key: d[c].iloc[0] if len(d) else math.nan for key, c in zip(("m", "s", "lr"), columns)}
    return {
        "x": i,
        "label": tick,
        "source": source,
        "experiment": where[0],
        "cell": where[1],
        "loss": float(first["m"]),
        "sem": float(first["s"]),
        **({} if median is None else {"median": median}),
        "lr": float(first["lr"]),
        "flagged": bool(d["flagged"].iloc[0]) if len(d) else None,
        **extra,
    }


def panel_b(ax, best, published, ref, readings):
    """The ablation at nu0 = 0.99, one point per series of panel B (in the as-published variant
    a series' ``as_published`` cell in its place); returns the plotted rows."""
    m, s, lr = columns = cols(published)
    at99 = best[np.isclose(best["nu0"], 0.99)]
    ref99 = ref[np.isclose(ref["nu0"], 0.99)] if ref is not None else None

    def row_of(table, exp, cell):
        return table[(table["experiment"] == exp) & (table["cell"] == cell)]

    mine, theirs = [], []
    for i, series in enumerate(ABLATION):
        tick = label(series)
        where = (series.experiment, (published and series.as_published) or series.key)
        d = row_of(at99, *where)
        med = float(d["median"].iloc[0]) if len(d) and "median" in d and not published else math.nan
        dead = bool(len(d) and overlay.all_diverged(d, m).any())
        mine.append(
            point(THIS_RUN, i, tick, where, d, columns, med, all_diverged=dead, marker="filled")
        )
        r = row_of(ref99, *where) if ref99 is not None else []
        if len(r):
            dead = bool(overlay.all_diverged(r, m).any())
            theirs.append(
                point(REFERENCE, i, tick, where, r, columns, all_diverged=dead, marker="hollow")
            )
    b = pd.DataFrame(mine)
    ax.plot(b["x"], b["loss"], color="0.6", lw=0.75, zorder=1)
    for _, r in b.iterrows():
        color = style.COLORS[ABLATION[int(r["x"])].color]
        if np.isfinite(r["loss"]):
            overlay.seed_mean(ax, r["x"], r["loss"], r["sem"], color, markersize=2.5, zorder=2)
        elif r["all_diverged"]:
            overlay.diverged(ax, [r["x"]], color)
        overlay.median(ax, [r["x"]], [r["median"]], color)
    for r in theirs:
        overlay.reference(ax, [r["x"]], [r["loss"]], style.COLORS[ABLATION[int(r["x"])].color])
    parts = [b]
    if not published:  # the as-published init drawn open beside its series (METHODS §7 item 5)
        for i, series in enumerate(ABLATION):
            if not series.as_published:
                continue
            d = row_of(at99, series.experiment, series.as_published)
            if len(d) and np.isfinite(d[m].iloc[0]):
                ax.errorbar(
                    i,
                    d[m].iloc[0],
                    yerr=np.nan_to_num(d[s].iloc[0]),
                    marker="o",
                    markersize=2.5,
                    mfc="white",
                    color=style.COLORS[series.color],
                    zorder=3,
                    elinewidth=0.5,
                    label=r"$\gamma$ init as published",
                )
                where = (series.experiment, series.as_published)
                tick = "gamma norm. (init as published)"
                parts.append(
                    pd.DataFrame([point(THIS_RUN, i, tick, where, d, columns, marker="open")])
                )
    if theirs:
        parts.append(pd.DataFrame(theirs))
    order = {series.key: i for i, series in enumerate(ABLATION)}
    pub = published_rows(readings, "B", lambda r: order.get(r["series"], math.nan))
    if len(pub):
        overlay.published(ax, pub["x"], pub["loss"])
        parts.append(pub.drop(columns="nu0").rename(columns={"model": "cell"}))
    b = stack(parts)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**{**LEGEND_ABOVE, "ncol": 1})
    ax.set_xticks(range(len(ABLATION)))
    ax.set_xticklabels([label(series) for series in ABLATION], rotation=90)
    ax.set_xlim(-0.5, len(ABLATION) - 0.5)
    if np.isfinite(b["loss"].astype(float)).any():
        ax.set_yscale("log")
        quiet_minor_labels(ax)
    return b


def plot(best, path, published, tier, ref=None, readings=None):
    fig, (ax_a, ax_b) = style.figure(3.0, 1.8, ncols=2, gridspec_kw={"width_ratios": [1, 1.25]})
    rows_a = panel_a(ax_a, best, published, ref, readings)
    b = panel_b(ax_b, best, published, ref, readings)
    fig.tight_layout()
    style.save(
        fig, path, data={"a": pd.concat(rows_a) if rows_a else pd.DataFrame(), "b": b}, tier=tier
    )


def main(smk):
    frames = [pd.read_parquet(p) for p in list(smk.input.panel_a) + list(smk.input.panel_b)]
    frames = [f for f in frames if len(f)]
    best = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BEST_COLUMNS)
    LABELS.update(smk.params.labels)
    refs = [pd.read_parquet(p) for p in smk.input.reference]
    ref = pd.concat(refs, ignore_index=True) if refs else None
    readings = P.load(smk.input.readings)
    for path, published in ((smk.output.pdf, False), (smk.output.published, True)):
        plot(best, path, published, tier=smk.params.tier, ref=ref, readings=readings)


with snakemake_log(snakemake):
    main(snakemake)
