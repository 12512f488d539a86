"""Rule `fig3`, Fig 3: final loss vs nu0 for the LRU and the dense RNN (A); the RNN -> LRU
ablation at nu0 = 0.99 (B).  fig3.pdf uses the default aggregation and marks the gamma-init
as-published point as an open marker; fig3_published.pdf uses the published NaN-skipping rule
and the published gamma init.  Works with whatever cells the tier configured.  When the
paper-tier reference run is an input (a reduced tier), its points are drawn beside this run's as
hollow markers; the values read off the paper's published figure are crosses; a task point whose
every seed diverged is a cross at the top of the panel (no finite loss to plot).  Labels come
from the cells' ``label:`` in config.yaml.

input.panel_a / input.panel_b (the fig3a / fig3b best-lr tables), input.reference,
input.readings (resources/published/readings.csv) -> output.pdf and output.published (+ .png
and the plotted numbers <stem>_{a,b}.csv beside each)."""

import math

import numpy as np
import pandas as pd

from curse_of_memory import published as P
from curse_of_memory.plotting import overlay, style
from curse_of_memory.plotting.axes import quiet_minor_labels
from curse_of_memory.runlog import snakemake_log

# Panel B order and colours (the paper's Fig 3B); labels: the cells' `label:` (config.yaml)
ABLATION = [
    ("fig3a", "rnn", "rnn"),
    ("fig3b", "block-diagonal", "block_diagonal"),
    ("fig3b", "more-neurons", "more_neurons"),
    ("fig3b", "crnn", "crnn"),
    ("fig3b", "gamma", "gamma"),
    ("fig3b", "lru", "lru"),
]
PANEL_A = [("rnn", "rnn"), ("lru", "lru")]
GAMMA_PUBLISHED = ("fig3b", "gamma-published")
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


def label(exp, cell):
    return LABELS.get(f"{exp}/{cell}", cell)


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
    return pd.DataFrame(
        {
            "model": pts["series"],
            "source": "published",
            "nu0": pts["x"],
            "x": [x_of_row(r) for _, r in pts.iterrows()],
            "loss": pts["published"],
            "all_diverged": False,
        }
    )


def plot(best, path, published, tier, ref=None, readings=None):
    m, s, lr = cols(published)
    fig, (ax_a, ax_b) = style.figure(3.0, 1.8, ncols=2, gridspec_kw={"width_ratios": [1, 1.25]})
    panel_a = best[best["experiment"] == "fig3a"].sort_values("nu0")
    ref_a = ref[ref["experiment"] == "fig3a"] if ref is not None else None
    rows_a = []
    for cell, color_key in PANEL_A:
        d = panel_a[panel_a["cell"] == cell]
        if d.empty:
            continue
        x = x_of(d["nu0"])
        color = style.COLORS[color_key]
        ax_a.errorbar(
            x,
            d[m],
            yerr=d[s].fillna(0),
            marker="o",
            markersize=2,
            color=color,
            label=label("fig3a", cell),
            capsize=0,
            elinewidth=0.5,
        )
        dead = overlay.all_diverged(d, m)
        overlay.diverged(ax_a, x[dead], color)
        med = d["median"] if "median" in d and not published else pd.Series(np.nan, d.index)
        overlay.median(ax_a, x, med, color)
        rows_a.append(
            pd.DataFrame(
                {
                    "model": cell,
                    "source": "this run",
                    "nu0": d["nu0"],
                    "x": x,
                    "loss": d[m],
                    "sem": d[s],
                    "median": med,
                    "lr": d[lr],
                    "n_seeds": d["n_seeds"],
                    "n_diverged": d["n_diverged_total"],
                    "all_diverged": dead,
                    "flagged": d["flagged"],
                }
            )
        )
        if ref_a is not None:
            r = ref_a[ref_a["cell"] == cell].sort_values("nu0")
            if len(r):
                overlay.reference(ax_a, x_of(r["nu0"]), r[m], color)
                rows_a.append(
                    pd.DataFrame(
                        {
                            "model": cell,
                            "source": "paper-tier reference",
                            "nu0": r["nu0"],
                            "x": x_of(r["nu0"]),
                            "loss": r[m],
                            "sem": r[s],
                            "lr": r[lr],
                            "n_seeds": r["n_seeds"],
                            "n_diverged": r["n_diverged_total"],
                            "all_diverged": overlay.all_diverged(r, m),
                            "flagged": r["flagged"],
                        }
                    )
                )
    pub_a = published_rows(readings, "A", lambda r: x_of(r["x"]))
    for cell, color_key in PANEL_A:
        sel = pub_a[pub_a["model"] == cell] if len(pub_a) else pub_a
        if len(sel):
            overlay.published(ax_a, sel["x"], sel["loss"], style.COLORS[color_key])
    if len(pub_a):
        rows_a.append(pub_a)
    ticks = [0.36, 0.84, 0.96, 0.99]
    ax_a.set_xticks(x_of(ticks))
    ax_a.set_xticklabels([f"{v:g}" for v in ticks])  # the true nu0 values (METHODS §7 item 13)
    ax_a.set_xlim(-0.4, 6.4)
    if rows_a and np.isfinite(pd.concat(rows_a)["loss"].astype(float)).any():
        ax_a.set_yscale("log")
        quiet_minor_labels(ax_a)
    ax_a.set_xlabel(r"$\nu_0$")
    ax_a.set_ylabel("Final loss")
    if rows_a:  # above the panel: the curves fill the axes from corner to corner
        ax_a.legend(**LEGEND_ABOVE)

    rows_b, ref_b = [], []
    at99 = best[np.isclose(best["nu0"], 0.99)]
    ref99 = ref[np.isclose(ref["nu0"], 0.99)] if ref is not None else None
    for i, (exp, cell, color_key) in enumerate(ABLATION):
        tick = label(exp, cell)
        if published and cell == "gamma":
            exp, cell = GAMMA_PUBLISHED
        d = at99[(at99["experiment"] == exp) & (at99["cell"] == cell)]
        val = float(d[m].iloc[0]) if len(d) else math.nan
        err = float(d[s].iloc[0]) if len(d) else math.nan
        med = float(d["median"].iloc[0]) if len(d) and "median" in d and not published else math.nan
        dead = bool(len(d) and overlay.all_diverged(d, m).any())
        rows_b.append(
            {
                "x": i,
                "label": tick,
                "source": "this run",
                "experiment": exp,
                "cell": cell,
                "loss": val,
                "sem": err,
                "median": med,
                "lr": float(d[lr].iloc[0]) if len(d) else math.nan,
                "flagged": bool(d["flagged"].iloc[0]) if len(d) else None,
                "all_diverged": dead,
                "marker": "filled",
            }
        )
        if ref99 is not None:
            r = ref99[(ref99["experiment"] == exp) & (ref99["cell"] == cell)]
            if len(r):
                ref_b.append(
                    {
                        "x": i,
                        "label": tick,
                        "source": "paper-tier reference",
                        "experiment": exp,
                        "cell": cell,
                        "loss": float(r[m].iloc[0]),
                        "sem": float(r[s].iloc[0]),
                        "lr": float(r[lr].iloc[0]),
                        "flagged": bool(r["flagged"].iloc[0]),
                        "all_diverged": bool(overlay.all_diverged(r, m).any()),
                        "marker": "hollow",
                    }
                )
    b = pd.DataFrame(rows_b)
    ax_b.plot(b["x"], b["loss"], color="0.6", lw=0.75, zorder=1)
    for _, r in b.iterrows():
        color = style.COLORS[ABLATION[int(r["x"])][2]]
        if np.isfinite(r["loss"]):
            ax_b.errorbar(
                r["x"],
                r["loss"],
                yerr=0 if not np.isfinite(r["sem"]) else r["sem"],
                marker="o",
                markersize=2.5,
                color=color,
                zorder=2,
                elinewidth=0.5,
            )
        elif r["all_diverged"]:
            overlay.diverged(ax_b, [r["x"]], color)
        overlay.median(ax_b, [r["x"]], [r["median"]], color)
    for r in ref_b:
        overlay.reference(ax_b, [r["x"]], [r["loss"]], style.COLORS[ABLATION[int(r["x"])][2]])
    if not published:  # the gamma-init as-published point (METHODS §7 item 5), open marker at x = 4
        d = at99[(at99["experiment"] == GAMMA_PUBLISHED[0]) & (at99["cell"] == GAMMA_PUBLISHED[1])]
        if len(d) and np.isfinite(d[m].iloc[0]):
            ax_b.errorbar(
                4,
                d[m].iloc[0],
                yerr=np.nan_to_num(d[s].iloc[0]),
                marker="o",
                markersize=2.5,
                mfc="white",
                color=style.COLORS["gamma"],
                zorder=3,
                elinewidth=0.5,
                label=r"$\gamma$ init as published",
            )
            b = pd.concat(
                [
                    b,
                    pd.DataFrame(
                        [
                            {
                                "x": 4,
                                "label": "gamma norm. (init as published)",
                                "source": "this run",
                                "experiment": GAMMA_PUBLISHED[0],
                                "cell": GAMMA_PUBLISHED[1],
                                "loss": float(d[m].iloc[0]),
                                "sem": float(d[s].iloc[0]),
                                "lr": float(d[lr].iloc[0]),
                                "flagged": bool(d["flagged"].iloc[0]),
                                "marker": "open",
                            }
                        ]
                    ),
                ],
                ignore_index=True,
            )
    if ref_b:
        b = pd.concat([b, pd.DataFrame(ref_b)], ignore_index=True)
    order = {key: i for i, (_, _, key) in enumerate(ABLATION)}
    pub_b = published_rows(
        readings, "B", lambda r: order.get(r["series"].replace("-", "_"), math.nan)
    )
    if len(pub_b):
        overlay.published(ax_b, pub_b["x"], pub_b["loss"])
        b = pd.concat([b, pub_b.drop(columns="nu0").rename(columns={"model": "cell"})])
    if ax_b.get_legend_handles_labels()[0]:
        ax_b.legend(**{**LEGEND_ABOVE, "ncol": 1})
    ax_b.set_xticks(range(len(ABLATION)))
    ax_b.set_xticklabels([label(a[0], a[1]) for a in ABLATION], rotation=90)
    ax_b.set_xlim(-0.5, len(ABLATION) - 0.5)
    if np.isfinite(b["loss"].astype(float)).any():
        ax_b.set_yscale("log")
        quiet_minor_labels(ax_b)
    fig.tight_layout()
    style.save(
        fig,
        path,
        data={"a": pd.concat(rows_a) if rows_a else pd.DataFrame(), "b": b},
        tier=tier,
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
