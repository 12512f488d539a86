"""Claims of the training figures: Fig 3 (final loss vs nu0, and the ablation), Figs 4 and 9
(Hessians at the optimum, Adam's effective lrs), Fig 10 (bottom: final loss vs theta0; top: the
λ-Hessian of concentrated teacher phases) and Fig 11 (heads).

Registered into :data:`curse_of_memory.claims.core.CLAIMS` on import.  Criteria and thresholds were
fixed before any of these figures existed (see ``core.py``).  Figs 3, 10 (bottom) and 11 are read
from the aggregated tables (``results/tables/``), the others from the CSVs beside the figures; a
missing input, or one that lacks the columns a check names, makes the check "not evaluated".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from curse_of_memory.claims.core import (
    THRESHOLDS,
    NotEvaluated,
    Superseded,
    _at,
    _finite,
    _need,
    _same_grid,
    _values,
    claim,
)
from curse_of_memory.figures import FIGURES

# ---------------------------------------------------------------------------------------------
# Fig 3 — final loss vs nu0 (A) and the ablation (B); from results/tables/fig3_*_best.parquet
# ---------------------------------------------------------------------------------------------
_BEST = ["cell", "nu0", "theta0", "mean"]


def _fig3a(src):
    best = src.table("fig3a_best", _BEST)
    out = {}
    for cell in ("rnn", "lru"):
        d = best[best["cell"] == cell].sort_values("nu0")
        if d.empty:
            raise NotEvaluated(f"fig3a has no '{cell}' cell in this tier")
        out[cell] = d
    return out


@claim(
    "fig3.gap_at_099",
    "fig3",
    "C3",
    "At nu0 = 0.99 the dense RNN is orders of magnitude worse than the LRU.",
    "mean final loss (best lr) RNN / LRU at nu0 = 0.99 >= 100",
    kind="trained",
)
def _fig3_gap(src):
    d = _fig3a(src)
    v = {
        "rnn_099": _at(d["rnn"], "nu0", 0.99, "mean"),
        "lru_099": _at(d["lru"], "nu0", 0.99, "mean"),
    }
    _finite(v)
    v["ratio"] = v["rnn_099"] / v["lru_099"]
    return v, v["ratio"] >= THRESHOLDS["orders"]


@claim(
    "fig3.rnn_degrades",
    "fig3",
    "C3",
    "The dense RNN's final loss rises by orders of magnitude as nu0 -> 1.",
    "RNN mean final loss at nu0 = 0.99 / at nu0 = 0.36 >= 100",
    kind="trained",
)
def _fig3_rnn(src):
    d = _fig3a(src)["rnn"]
    v = {"rnn_036": _at(d, "nu0", 0.36, "mean"), "rnn_099": _at(d, "nu0", 0.99, "mean")}
    _finite(v)
    v["ratio"] = v["rnn_099"] / v["rnn_036"]
    return v, v["ratio"] >= THRESHOLDS["orders"]


@claim(
    "fig3.small_nu0_similar",
    "fig3",
    "C3",
    "At small nu0 both models reach low losses of similar size.",
    "max/min of the RNN and LRU mean final losses at nu0 = 0.36 <= 30",
    kind="trained",
)
def _fig3_small(src):
    d = _fig3a(src)
    v = {
        "rnn_036": _at(d["rnn"], "nu0", 0.36, "mean"),
        "lru_036": _at(d["lru"], "nu0", 0.36, "mean"),
    }
    _finite(v)
    v["ratio"] = max(v.values()) / min(v.values())
    return v, v["ratio"] <= THRESHOLDS["similar"]


@claim(
    "fig3.gap_widens",
    "fig3",
    "C3",
    "The RNN/LRU gap opens at intermediate nu0 and widens towards 0.99.",
    "RNN/LRU loss ratio at nu0 = 0.99 > ratio at nu0 = 0.84",
    kind="trained",
)
def _fig3_widens(src):
    d = _fig3a(src)
    v = {}
    for nu in (0.84, 0.99):
        v[f"ratio_{int(round(nu * 100)):03d}"] = _at(d["rnn"], "nu0", nu, "mean") / _at(
            d["lru"], "nu0", nu, "mean"
        )
    _finite(v)
    return v, v["ratio_099"] > v["ratio_084"]


# Fig 3B's ablation cells of experiment fig3b, in the figure's order (the figure spec)
_ABLATION = [s.key for s in FIGURES["fig3"].panel("b").series if s.experiment == "fig3b"]


def _fig3b(src):
    panel_b = src.table("fig3b_best", _BEST)
    rnn = _at(_fig3a(src)["rnn"], "nu0", 0.99, "mean")
    vals = {"rnn": rnn}
    for cell in _ABLATION:
        d = panel_b[panel_b["cell"] == cell]
        if d.empty:
            raise NotEvaluated(f"fig3b has no '{cell}' cell in this tier")
        vals[cell.replace("-", "_")] = _at(d, "nu0", 0.99, "mean")
    _finite(vals)
    return vals


@claim(
    "fig3.block_diagonal_closes_gap",
    "fig3",
    "C3",
    "2x2 block-diagonal connectivity closes almost the entire RNN-LRU gap, by orders of magnitude.",
    "RNN / block-diagonal >= 100 and log10(RNN/block-diagonal) >= 0.8 log10(RNN/LRU) (nu0 = 0.99)",
    kind="trained",
)
def _fig3_block(src):
    v = _fig3b(src)
    v = {"rnn": v["rnn"], "block_diagonal": v["block_diagonal"], "lru": v["lru"]}
    v["gain"] = v["rnn"] / v["block_diagonal"]
    gap = math.log10(v["rnn"] / v["lru"])
    if gap <= 0:  # the LRU is not below the RNN: there is no gap to close
        v["rnn_over_lru"] = v["rnn"] / v["lru"]
        return v, False
    v["gap_fraction"] = math.log10(v["gain"]) / gap
    return v, v["gain"] >= THRESHOLDS["orders"] and v["gap_fraction"] >= THRESHOLDS["gap_fraction"]


@claim(
    "fig3.variants_similar",
    "fig3",
    "C3",
    "After block-diagonality, more neurons, complex numbers, gamma and exp change the loss by "
    "small factors only; the dense RNN is far worse than every variant.",
    "max/min over the 5 variants after the RNN <= 30, and RNN >= 100 x the worst variant",
    kind="trained",
)
def _fig3_variants(src):
    v = _fig3b(src)
    var = [v[k.replace("-", "_")] for k in _ABLATION]
    v["spread"] = max(var) / min(var)
    v["rnn_over_worst"] = v["rnn"] / max(var)
    return v, v["spread"] <= THRESHOLDS["similar"] and v["rnn_over_worst"] >= THRESHOLDS["orders"]


# ---------------------------------------------------------------------------------------------
# Fig 10 bottom — final loss vs theta0; Fig 11 — heads (aggregated tables)
# ---------------------------------------------------------------------------------------------
@claim(
    "fig10.lru_lowest",
    "fig10",
    "C3",
    "Concentrated teacher phases (as published): the LRU is the lowest at every theta0 and the "
    "dense RNN is poor at every theta0.",
    "at every theta0 of the published-remap grid: LRU <= cRNN and RNN >= 10 x LRU",
    kind="trained",
)
def _fig10_lowest(src):
    t = _fig10(src)
    v, ok = {}, True
    for th, g in t.groupby("theta0"):
        m = dict(zip(g["cell"], g["mean"]))
        if not {"lru", "crnn", "rnn"} <= set(m):
            raise NotEvaluated(f"theta0 = {th}: needs lru, crnn and rnn cells")
        v[f"lru_{th:g}"], v[f"crnn_{th:g}"], v[f"rnn_{th:g}"] = m["lru"], m["crnn"], m["rnn"]
        ok &= m["lru"] <= m["crnn"] and m["rnn"] >= THRESHOLDS["order"] * m["lru"]
    _finite(v)
    return v, bool(ok)


def _fig10(src):
    """Fig 10 bottom per (cell, theta0), as published (results/tables/fig10.parquet, remap =
    published: the quirked remap where it was trained, the default rows where both coincide)."""
    t = src.table("fig10", ["model", "remap", "theta0", "mean"])
    t = t[t["remap"] == "published"].rename(columns={"model": "cell"})
    if t.empty:
        raise NotEvaluated("results/tables/fig10.parquet has no remap = published rows")
    return t


@claim(
    "fig10.crnn_flat_lru_improves",
    "fig10",
    "C3",
    "The cRNN stays roughly flat across theta0; the LRU improves as theta0 shrinks.",
    "cRNN max/min over theta0 <= 10, and LRU loss at the smallest theta0 < at the largest",
    kind="trained",
)
def _fig10_flat(src):
    t = _fig10(src)
    c = t[t["cell"] == "crnn"].sort_values("theta0")
    lr = t[t["cell"] == "lru"].sort_values("theta0")
    if c.empty or lr.empty:
        raise NotEvaluated("needs crnn and lru cells")
    # every theta0 of either cell, for both (a missing point is not skipped), with a finite loss
    _same_grid(pd.concat([c, lr]), "cell", "theta0", "fig10 (published remap)")
    crnn = _values(c, "mean", "fig10 crnn")
    lru = _values(lr, "mean", "fig10 lru")
    v = {
        "crnn_spread": float(crnn.max() / crnn.min()),
        "lru_small": float(lru[0]),
        "lru_large": float(lru[-1]),
    }
    _finite(v)
    return v, v["crnn_spread"] <= THRESHOLDS["order"] and v["lru_small"] < v["lru_large"]


@claim(
    "fig11.loss_falls_with_heads",
    "fig11",
    "C3",
    "The loss falls with the number of heads: little from 1 to 8 heads, by orders of magnitude at "
    "16 and 32 heads.",
    "loss(1 head)/loss(32) >= 100 and log10(L1/L8) < log10(L8/L32)",
    kind="trained",
)
def _fig11_loss(src):
    best = src.table("fig11_best", ["cell", "mean"])
    m = dict(zip(best["cell"], best["mean"]))
    need = ["heads-1", "heads-8", "heads-32"]
    if not set(need) <= set(m):
        raise NotEvaluated(f"needs cells {need} (this tier has {sorted(m)})")
    v = {"L1": m["heads-1"], "L8": m["heads-8"], "L32": m["heads-32"]}
    _finite(v)
    v["ratio_1_32"] = v["L1"] / v["L32"]
    ok = v["ratio_1_32"] >= THRESHOLDS["orders"] and math.log10(v["L1"] / v["L8"]) < math.log10(
        v["L8"] / v["L32"]
    )
    return v, ok


_A_GROUPS = ("A", "a", "rec", "recurrent")


def _fig11_curves(src, prefixes=("elr_",)) -> dict:
    """Per head count (cell) at its best lr: the history rows (sorted by epoch) with one column per
    prefix, named by the prefix (``elr_``: seed mean of the per-epoch "Mean LR" of A;
    ``elrpos_``: seed mean of its geometric mean over the positive entries; ``nonpos_``: share
    of entries <= 0)."""
    best = src.table("fig11_best", ["cell", "lr"])
    hist = src.table("fig11_history", ["cell", "lr", "epoch"])
    cols = {}
    for pre in prefixes:
        col = next((pre + g for g in _A_GROUPS if pre + g in hist.columns), None)
        if col is None:
            what = {
                "elr_": "the Mean-LR column of A (elr_A)",
                "elrpos_": "the column elrpos_A (seed mean of the per-epoch pos_mean of A: "
                "geometric mean over its positive effective lrs)",
                "nonpos_": "the column nonpos_A (share of A's effective lrs <= 0)",
            }.get(pre, pre + "A")
            raise NotEvaluated(f"fig11_history lacks {what}")
        cols[pre] = col
    curves = {}
    for _, row in best.iterrows():
        h = hist[(hist["cell"] == row["cell"]) & np.isclose(hist["lr"], row["lr"])].sort_values(
            "epoch"
        )
        curves[row["cell"]] = pd.DataFrame(
            {
                "epoch": h["epoch"].to_numpy(),
                "lr": float(row["lr"]),
                **{pre: h[c].to_numpy(float) for pre, c in cols.items()},
            }
        )
    return curves


def _epochs_complete(curves: dict, cells, what: str) -> None:
    """The history of each of ``cells`` at its best lr has every epoch that any of them has (an
    epoch missing from one curve makes the check not evaluated, not a shorter average)."""
    rows = [d.assign(cell=k) for k, d in curves.items() if k in cells]
    if rows:
        _same_grid(pd.concat(rows), "cell", "epoch", what)


def _geomean(x, what="A") -> float:
    """Geometric mean over epochs; an epoch without a finite positive rate makes the check not
    evaluated (it is not skipped)."""
    x = np.asarray(x, float)
    if x.size == 0:
        raise NotEvaluated(f"{what}: no epoch at its best lr")
    if not np.all(np.isfinite(x) & (x > 0)):
        raise NotEvaluated(f"{what}: an epoch without a finite positive effective lr")
    return float(10 ** np.mean(np.log10(x)))


def _fig11_elr_rise_old(src):
    c = {k: d["elr_"].to_numpy() for k, d in _fig11_curves(src).items()}
    if "heads-1" not in c or "heads-32" not in c:
        raise NotEvaluated("needs cells heads-1 and heads-32")
    g = {k: float(10 ** np.mean(np.log10(np.clip(v, 1e-30, None)))) for k, v in c.items()}
    v = {"elr_1": g["heads-1"], "elr_32": g["heads-32"]}
    _finite(v)
    v["ratio"] = v["elr_32"] / v["elr_1"]
    return v, v["ratio"] >= THRESHOLDS["orders"]


_FIG11_RISE_OLD = (
    "geometric mean over epochs of the Mean-LR of A at the best lr: 32 heads / 1 head >= 100"
)
_FIG11_NONPOS_REASON = (
    "the Mean-LR counts every entry with e <= 0 (a negative first moment) as 1e-8, a floor that "
    "enters the geometric mean as a tiny rate; the second-moment scaling the paper discusses is "
    "measured on the positive entries, with the non-positive share reported beside"
)


@claim(
    "fig11.elr_rises_with_heads",
    "fig11",
    "C3",
    "Adam's effective learning rate on A rises by orders of magnitude from 1 head to 32 heads.",
    "geometric mean over epochs of the geometric mean over A's positive effective lrs (seed mean, "
    "best lr): 32 heads / 1 head >= 100; the share of entries <= 0 is reported beside",
    superseded=[
        Superseded(_FIG11_RISE_OLD, _fig11_elr_rise_old, "2026-11-30", _FIG11_NONPOS_REASON)
    ],
    kind="trained",
)
def _fig11_elr_rise(src):
    c = _fig11_curves(src, ("elrpos_",))
    if "heads-1" not in c or "heads-32" not in c:
        raise NotEvaluated("needs cells heads-1 and heads-32")
    _epochs_complete(c, ("heads-1", "heads-32"), "fig11_history at the best lrs")
    v = {
        "elr_1": _geomean(c["heads-1"]["elrpos_"], "heads-1"),
        "elr_32": _geomean(c["heads-32"]["elrpos_"], "heads-32"),
    }
    _finite(v)
    v["ratio"] = v["elr_32"] / v["elr_1"]
    try:  # reported beside the verdict, where every epoch has it
        n = _fig11_curves(src, ("nonpos_",))
        for h in ("1", "32"):
            x = n[f"heads-{h}"]["nonpos_"].to_numpy(float)
            if len(x) and np.all(np.isfinite(x)):
                v[f"nonpos_frac_{h}"] = float(np.mean(x))
    except NotEvaluated:
        pass
    return v, v["ratio"] >= THRESHOLDS["orders"]


def _fig11_tail_old(src):
    c = {k: d["elr_"].to_numpy() for k, d in _fig11_curves(src).items()}
    v = {f"last_over_max_{k}": float(x[-1] / np.nanmax(x)) for k, x in c.items() if len(x)}
    _finite(v)
    return v, all(x <= 1 / THRESHOLDS["order"] for x in v.values())


def _probe_lr(src, cell: str, lr: float, epochs) -> np.ndarray:
    """The scheduled lr the effective-lr probe used after each epoch (update number epoch x
    steps_per_epoch), from the cell's configuration in results/runs/fig11/<cell>/summary.json."""
    import torch  # heavy: the claims need it only for this probe's schedule

    from curse_of_memory.training.schedule import lr_at  # imports torch

    cfg = src.json(f"runs/fig11/{cell}/summary.json").get("config") or {}
    spec, steps, spe = cfg.get("schedule"), cfg.get("steps"), cfg.get("steps_per_epoch")
    if not (isinstance(spec, dict) and steps and spe):
        raise NotEvaluated(
            f"runs/fig11/{cell}/summary.json lacks the schedule, steps or steps_per_epoch"
        )
    base = torch.tensor([float(lr)], dtype=torch.float64)
    return np.array([float(lr_at(spec, int(e) * int(spe), int(steps), base)[0]) for e in epochs])


_FIG11_TAIL_OLD = (
    "for every head count: Mean-LR of A at the last epoch <= 0.1 x its maximum over epochs"
)


@claim(
    "fig11.elr_falls_at_end",
    "fig11",
    "fig",
    "Every effective-LR curve falls sharply at the end of training, because of the cosine decay.",
    "for every head count at its best lr: the plotted Mean-LR of A at the last epoch <= 0.1 x its "
    "maximum over epochs, and Adam's own factor (the geometric mean over A's positive effective "
    "lrs divided by the scheduled lr of the probe) at the last epoch >= 0.1 x its maximum over "
    "epochs, i.e. the fall is the schedule's, not Adam's",
    superseded=[
        Superseded(
            _FIG11_TAIL_OLD,
            _fig11_tail_old,
            "2026-11-30",
            "the probe is proportional to the scheduled lr, which the cosine decay takes to 1e-7 "
            "at the last epoch: the plotted curve falls by about 1e-4 whatever Adam does, so the "
            "old criterion held by construction; the paper's 'because of the cosine decay' is "
            "tested by removing the schedule",
        )
    ],
    kind="trained",
)
def _fig11_tail(src):
    c = _fig11_curves(src, ("elr_", "elrpos_"))
    if not c:
        raise NotEvaluated("fig11_best has no cells")
    hist = src.table("fig11_history", ["cell"])
    _need(c, sorted(set(hist["cell"].astype(str))), "fig11_best (a head count of the history)")
    _epochs_complete(c, c, "fig11_history at the best lrs")
    v, ok = {}, True
    for cell, d in c.items():
        if not len(d):
            raise NotEvaluated(f"fig11_history has no epochs for {cell} at its best lr")
        plotted = _values(d, "elr_", f"{cell} Mean-LR of A")
        pos = _values(d, "elrpos_", f"{cell} positive effective lrs of A")
        own = pos / _probe_lr(src, cell, d["lr"].iloc[0], d["epoch"])
        if not np.all(np.isfinite(own)):
            raise NotEvaluated(f"{cell}: Adam's own factor is not finite at every epoch")
        v[f"last_over_max_{cell}"] = float(plotted[-1] / plotted.max())
        v[f"adam_last_over_max_{cell}"] = float(own[-1] / own.max())
        ok &= (
            v[f"last_over_max_{cell}"] <= 1 / THRESHOLDS["order"]
            and v[f"adam_last_over_max_{cell}"] >= 1 / THRESHOLDS["order"]
        )
    _finite(v)
    return v, bool(ok)


# ---------------------------------------------------------------------------------------------
# Figs 4 and 9 (Hessians at the optimum, effective LRs; curse_of_memory.plotting.hessian_panels):
#   figN_spectrum.csv [model, index, eigenvalue]
#   figN_eigvecs.csv [model, rank, param, group, value]  (rank 1 = top eigenvector)
#   figN_elr.csv [model, group, e]                       (per-entry effective lr e)
# model keys: rnn, crnn (Fig 4), lru, s4 (Fig 9); groups as in curse_of_memory.hessian
# ---------------------------------------------------------------------------------------------
def _pr(v):
    """Participation ratio of a vector: 1 / sum(p^2) with p = v^2 / |v|^2 (1 .. len(v))."""
    p = np.asarray(v, float) ** 2
    p = p / p.sum()
    return float(1.0 / np.sum(p**2))


def _eigs(src, fig):
    """Each model's eigenvalues, largest first; a non-finite eigenvalue makes the check not
    evaluated."""
    d = src.csv(f"{fig}_spectrum.csv", ["model", "eigenvalue"])
    return {
        m: np.sort(_values(g, "eigenvalue", f"{fig}_spectrum.csv {m}"))[::-1]
        for m, g in d.groupby("model")
    }


def _top_vec(src, fig):
    """Each model's top eigenvector (rank 1); a model without it makes the check not evaluated
    (the next rank does not stand in for it)."""
    d = src.csv(f"{fig}_eigvecs.csv", ["model", "rank", "group", "value"])
    out = {}
    for m, g in d.groupby("model"):
        top = g[g["rank"] == 1]
        if top.empty:
            raise NotEvaluated(f"{fig}_eigvecs.csv lacks the top eigenvector (rank 1) of {m}")
        out[m] = top
    return out


def _models(d, fig, need):
    if not set(need) <= set(d):
        raise NotEvaluated(f"{fig} needs models {need}, has {sorted(d)}")


@claim(
    "fig4.hessians_degenerate",
    "fig4",
    "C3",
    "Both Hessians at the optimum are highly degenerate (symmetries), with the non-negligible "
    "eigenvalues spread over many decades.",
    "for RNN and cRNN: ≥ 5 eigenvalues below 1e−10 × the largest, and largest / smallest "
    "eigenvalue above that floor ≥ 1e3",
    kind="theory",
)
def _fig4_degen(src):
    e = _eigs(src, "fig4")
    _models(e, "fig4", ["rnn", "crnn"])
    v, ok = {}, True
    for m in ("rnn", "crnn"):
        x = e[m]
        big = x[x > 1e-10 * x[0]]
        v[f"n_zero_{m}"] = int(len(x) - len(big))
        v[f"decades_{m}"] = float(np.log10(big[0] / big[-1]))
        ok &= v[f"n_zero_{m}"] >= 5 and v[f"decades_{m}"] >= 3
    return v, bool(ok)


def _fig4_tops(src):
    e = _eigs(src, "fig4")
    _models(e, "fig4", ["rnn", "crnn"])
    v = {"top_rnn": float(e["rnn"][0]), "top_crnn": float(e["crnn"][0])}
    v["ratio"] = max(v.values()) / min(v.values())
    return v


def _fig4_similar_old(src):
    v = _fig4_tops(src)
    return v, v["ratio"] <= THRESHOLDS["orders"]


_SIMILAR_REASON = (
    "'similar' meant a factor 100 here and a factor 30 in every other check; one word, one "
    "threshold: THRESHOLDS['similar'] = 30"
)


@claim(
    "fig4.top_eigenvalues_similar",
    "fig4",
    "C3",
    "The largest Hessian eigenvalues of the dense and the diagonal network are of similar "
    "magnitude.",
    "max/min of the two largest eigenvalues ≤ 30",
    kind="theory",
    superseded=[
        Superseded(
            "max/min of the two largest eigenvalues ≤ 100",
            _fig4_similar_old,
            "2026-12-07",
            _SIMILAR_REASON,
        )
    ],
)
def _fig4_similar(src):
    v = _fig4_tops(src)
    return v, v["ratio"] <= THRESHOLDS["similar"]


@claim(
    "fig4.eigenvectors_dense_vs_localised",
    "fig4",
    "C3",
    "Top eigenvectors are spread over A for the dense RNN but concentrated on a few λ "
    "coordinates for the diagonal network.",
    "participation ratio of the top eigenvector: cRNN < RNN, and ≥ 50 % of the cRNN top "
    "eigenvector's squared mass on λ_re, λ_im",
    kind="theory",
)
def _fig4_vec(src):
    t = _top_vec(src, "fig4")
    _models(t, "fig4", ["rnn", "crnn"])
    c = t["crnn"]
    lam = c[c["group"].astype(str).str.startswith("lambda")]["value"].to_numpy(float)
    v = {
        "pr_rnn": _pr(t["rnn"]["value"]),
        "pr_crnn": _pr(c["value"]),
        "lambda_mass_crnn": float(np.sum(lam**2) / np.sum(c["value"].to_numpy(float) ** 2)),
    }
    return v, v["pr_crnn"] < v["pr_rnn"] and v["lambda_mass_crnn"] >= 0.5


def _elr(src, fig):
    return src.csv(f"{fig}_elr.csv", ["model", "group", "e"]).rename(columns={"e": "value"})


def _pos(e, what):
    """The positive, finite entries of the effective lrs ``e`` and the share of entries <= 0.

    A non-positive e comes from a negative first moment (beta1 m + 1 - beta1 < 0), not from the
    second-moment scaling the paper discusses: statistics of that scaling use the positive entries,
    and the non-positive share is reported beside them."""
    e = np.asarray(e, dtype=float)
    if not np.all(np.isfinite(e)):
        raise NotEvaluated(f"{what}: {int(np.sum(~np.isfinite(e)))} non-finite effective lr(s)")
    pos = e[e > 0]
    if pos.size == 0:
        raise NotEvaluated(f"{what}: no positive effective lr ({e.size} entries, all <= 0)")
    return pos, float(np.mean(~(e > 0))) if e.size else math.nan


_POS = (
    "on the positive entries e > 0 (e ≤ 0 comes from a negative first moment; its share is "
    "reported beside): "
)
_FIG4_ELR_OLD = (
    "median e over A (RNN) ≤ 1e−4 (base lr 1e−3); median e over the cRNN's λ entries "
    "≥ 10 × median e over A; median e over cRNN B, C, D ≥ 1e−3"
)
_NONPOS_REASON = (
    "entries with e ≤ 0 (negative first moment, not a small step from the second moment) entered "
    "the statistics as small rates: a minimum is met by any one such entry, a median as soon as "
    "half of a group is non-positive"
)


# The parameter groups each effective-lr statistic reads: every one of them must be present (a
# missing group would silently change a median over the others).
_FIG4_GROUPS = {
    "rnn": ("A",),
    "crnn": ("lambda_re", "lambda_im", "B_re", "B_im", "C_re", "C_im", "D"),
}
_FIG9_GROUPS = {
    "lru": ("omega_nu", "omega_theta"),
    "s4": ("A_re", "A_im", "Delta", "B_re", "B_im", "C_re", "C_im", "D"),
}


def _groups_present(d, fig, need):
    for model, groups in need.items():
        have = set(d.loc[d["model"] == model, "group"].astype(str))
        _need(have, groups, f"{fig}_elr.csv ({model})")


def _fig4_groups(src):
    d = _elr(src, "fig4")
    _groups_present(d, "fig4", _FIG4_GROUPS)
    rnn, cr = d[d["model"] == "rnn"], d[d["model"] == "crnn"]
    a = rnn[rnn["group"] == "A"]["value"]
    g = cr["group"].astype(str)
    lam = cr[g.str.startswith("lambda")]["value"]
    rest = cr[g.str.startswith(("B", "C", "D"))]["value"]
    if a.empty or lam.empty or rest.empty:
        raise NotEvaluated("fig4_elr.csv needs RNN group A and cRNN λ, B, C, D groups")
    return a, lam, rest


def _fig4_elr_ok(v: dict) -> bool:
    """Fig 4's effective-lr criterion on the medians, old and new entry selection alike."""
    return (
        v["median_A"] <= 1e-4
        and v["median_lambda"] >= 10 * v["median_A"]
        and v["median_BCD_crnn"] >= 1e-3
    )


def _fig4_elr_all_entries(src):
    a, lam, rest = _fig4_groups(src)
    v = {
        "median_A": float(a.median()),
        "median_lambda": float(lam.median()),
        "median_BCD_crnn": float(rest.median()),
    }
    return v, _fig4_elr_ok(v)


@claim(
    "fig4.adam_per_coordinate",
    "fig4",
    "C3",
    "After training, Adam's effective rates on the dense A are orders of magnitude below the base "
    "lr, while the diagonal network keeps most λ, B, C, D near the ceiling.",
    _POS + _FIG4_ELR_OLD,
    superseded=[Superseded(_FIG4_ELR_OLD, _fig4_elr_all_entries, "2026-11-30", _NONPOS_REASON)],
    kind="trained",
)
def _fig4_elr(src):
    a, lam, rest = _fig4_groups(src)
    (pa, na), (pl, nl), (pr, nr) = _pos(a, "RNN A"), _pos(lam, "cRNN λ"), _pos(rest, "cRNN B, C, D")
    v = {
        "median_A": float(np.median(pa)),
        "median_lambda": float(np.median(pl)),
        "median_BCD_crnn": float(np.median(pr)),
        "nonpos_frac_A": na,
        "nonpos_frac_lambda": nl,
        "nonpos_frac_BCD_crnn": nr,
    }
    return v, _fig4_elr_ok(v)


def _fig9_spectra(src):
    """Fig 4's largest eigenvalue, Fig 9's spectra and the top-eigenvector masses; the numbers
    every version of the Fig 9 Hessian criterion reads."""
    e4, e9, t = _eigs(src, "fig4"), _eigs(src, "fig9"), _top_vec(src, "fig9")
    _models(e4, "fig4", ["rnn", "crnn"])
    _models(e9, "fig9", ["lru", "s4"])
    _models(t, "fig9", ["lru", "s4"])
    top4 = max(float(e4[m][0]) for m in ("rnn", "crnn"))
    v = {"top_fig4": top4, "top_lru": float(e9["lru"][0]), "top_s4": float(e9["s4"][0])}

    def mass(df, prefixes):
        g = df["group"].astype(str)
        sel = df[g.str.startswith(prefixes)]["value"].to_numpy(float)
        return float(np.sum(sel**2) / np.sum(df["value"].to_numpy(float) ** 2))

    v["theta_mass_lru"] = mass(t["lru"], ("omega_theta",))
    v["A_delta_mass_s4"] = mass(t["s4"], ("A_re", "A_im", "Delta"))
    v["n_sig_lru"] = int(np.sum(e9["lru"] > 1e-6 * e9["lru"][0]))
    v["n_sig_s4"] = int(np.sum(e9["s4"] > 1e-6 * e9["s4"][0]))
    return e9, v


def _fig9_blocks_ok(v, factor):
    return (
        all(1 / factor <= v[k] / v["top_fig4"] <= factor for k in ("top_lru", "top_s4"))
        and v["theta_mass_lru"] >= 0.5
        and v["A_delta_mass_s4"] >= 0.5
    )


def _fig9_h_old(src):
    _, v = _fig9_spectra(src)
    return v, bool(_fig9_blocks_ok(v, THRESHOLDS["orders"]) and v["n_sig_s4"] > v["n_sig_lru"])


# 2026-12-07: an eigenvalue is negligible below 1e-10 x the largest (the numerical-zero floor of
# fig4.hessians_degenerate); "decays more slowly" is judged on the slope of log10 eigenvalue against
# its rank over the non-negligible ones, which no single eigenvalue near a cutoff decides.
NEGLIGIBLE = 1e-10


def _decay(e, what):
    """(decay rate in decades per eigenvalue, number of non-negligible eigenvalues): minus the
    least-squares slope of log10 eigenvalue against its rank over the eigenvalues above
    NEGLIGIBLE x the largest."""
    x = e[e > NEGLIGIBLE * e[0]]
    if len(x) < 3:
        raise NotEvaluated(f"{what}: fewer than 3 eigenvalues above {NEGLIGIBLE:g} x the largest")
    return float(-np.polyfit(np.arange(len(x)), np.log10(x), 1)[0]), len(x)


_FIG9_H_OLD = (
    "top eigenvalues of LRU and S4 within a factor 100 of Fig 4's largest; top eigenvector mass "
    "≥ 50 % on ω_θ (LRU) and on A_re, A_im, Δ (S4); #eigenvalues > 1e−6 × max: S4 > LRU"
)


@claim(
    "fig9.hessian_structure",
    "fig9",
    "C3",
    "LRU and S4 Hessians have spectra of similar magnitude to Fig 4; the LRU's dominant block is "
    "ω_θ, S4's is Δ/A; S4's spectrum decays more slowly.",
    "top eigenvalues of LRU and S4 within a factor 30 of Fig 4's largest; top eigenvector mass "
    "≥ 50 % on ω_θ (LRU) and on A_re, A_im, Δ (S4); S4's spectrum decays more slowly: with the "
    "decay rate r = −slope of log10 eigenvalue against its rank (least squares over the "
    "eigenvalues above 1e−10 × the largest), (r_LRU − r_S4) × (n_LRU − 1) ≥ 1 decade, n_LRU the "
    "number of such LRU eigenvalues",
    kind="theory",
    superseded=[
        Superseded(
            _FIG9_H_OLD,
            _fig9_h_old,
            "2026-12-07",
            "'similar magnitude' meant a factor 100 here and a factor 30 elsewhere "
            "(THRESHOLDS['similar']); and 'decays more slowly' was decided by counting "
            "eigenvalues above 1e−6 × the largest, where the LRU's 9th eigenvalue (0.040) missed "
            "the cutoff (0.051) while S4's 9th passed it: one eigenvalue near a cutoff, not the "
            "decay of the spectrum",
        )
    ],
)
def _fig9_h(src):
    e9, v = _fig9_spectra(src)
    v["decay_lru"], n_lru = _decay(e9["lru"], "fig9 lru")
    v["decay_s4"], n_s4 = _decay(e9["s4"], "fig9 s4")
    v["n_nonnegligible_lru"], v["n_nonnegligible_s4"] = n_lru, n_s4
    v["decay_gap_decades"] = (v["decay_lru"] - v["decay_s4"]) * (n_lru - 1)
    ok = _fig9_blocks_ok(v, THRESHOLDS["similar"]) and v["decay_gap_decades"] >= math.log10(
        THRESHOLDS["order"]
    )
    return v, bool(ok)


_FIG9_ELR_OLD = (
    "LRU: median e(ω_ν) ≥ 1e−3 and min e(ω_θ) ≤ 1e−4; S4: median e over A_re, A_im, Δ "
    "≤ 1e−4 and median e over B, C, D ≥ 1e−4"
)


def _fig9_groups(src, bcd_pattern=r"(B|C|D)(_|$)"):
    """LRU ω_ν, ω_θ and S4 A/Δ, B/C/D entries.  ``bcd_pattern`` selects the S4 groups B_*, C_*, D
    (the replaced criterion's reader used the prefixes B, C, D, which also matched "Delta")."""
    d = _elr(src, "fig9")
    _groups_present(d, "fig9", _FIG9_GROUPS)
    lru, s4 = d[d["model"] == "lru"], d[d["model"] == "s4"]
    gl, gs = lru["group"].astype(str), s4["group"].astype(str)
    nu = lru[gl == "omega_nu"]["value"]
    th = lru[gl == "omega_theta"]["value"]
    ad = s4[gs.isin(["A_re", "A_im", "Delta"])]["value"]
    bcd = s4[gs.str.match(bcd_pattern)]["value"]
    if nu.empty or th.empty or ad.empty or bcd.empty:
        raise NotEvaluated("fig9_elr.csv needs LRU ω_ν, ω_θ and S4 A/Δ, B/C/D groups")
    return nu, th, ad, bcd


def _fig9_elr_ok(v):
    return (
        v["median_omega_nu"] >= 1e-3
        and v["min_omega_theta"] <= 1e-4
        and v["median_A_delta_s4"] <= 1e-4
        and v["median_BCD_s4"] >= 1e-4
    )


def _fig9_elr_all_entries(src):
    nu, th, ad, bcd = _fig9_groups(src, r"B|C|D")
    v = {
        "median_omega_nu": float(nu.median()),
        "min_omega_theta": float(th.min()),
        "median_A_delta_s4": float(ad.median()),
        "median_BCD_s4": float(bcd.median()),
    }
    return v, _fig9_elr_ok(v)


@claim(
    "fig9.effective_lrs",
    "fig9",
    "C3",
    "LRU: ω_ν sits at the probe's ceiling while ω_θ is spread downwards; S4: A and Δ are reduced "
    "by one to a few orders of magnitude, B, C, D only mildly.",
    _POS + _FIG9_ELR_OLD,
    superseded=[Superseded(_FIG9_ELR_OLD, _fig9_elr_all_entries, "2026-11-30", _NONPOS_REASON)],
    kind="trained",
)
def _fig9_elr(src):
    nu, th, ad, bcd = _fig9_groups(src)
    (pn, nn), (pt, nt) = _pos(nu, "LRU ω_ν"), _pos(th, "LRU ω_θ")
    (pa, na), (pb, nb) = _pos(ad, "S4 A, Δ"), _pos(bcd, "S4 B, C, D")
    v = {
        "median_omega_nu": float(np.median(pn)),
        "min_omega_theta": float(pt.min()),
        "median_A_delta_s4": float(np.median(pa)),
        "median_BCD_s4": float(np.median(pb)),
        "nonpos_frac_omega_nu": nn,
        "nonpos_frac_omega_theta": nt,
        "nonpos_frac_A_delta_s4": na,
        "nonpos_frac_BCD_s4": nb,
    }
    return v, _fig9_elr_ok(v)


# ---------------------------------------------------------------------------------------------
# Fig 10 top (theory Hessian): fig10_spectrum.csv [model ("theta0=<value>"), eigenvalue],
#                              fig10_eigvecs.csv [model, rank, param, value]
# ---------------------------------------------------------------------------------------------
def _fig10_top_data(src):
    e = src.csv("fig10_spectrum.csv", ["model", "eigenvalue"])
    vec = src.csv("fig10_eigvecs.csv", ["model", "rank", "value"])
    th0 = lambda m: float(str(m).split("=", 1)[1])  # noqa: E731  "theta0=0.0314159"
    e = e.assign(theta0=e["model"].map(th0))
    vec = vec.assign(theta0=vec["model"].map(th0))
    _values(e, "eigenvalue", "fig10_spectrum.csv")
    # the spectra and eigenvectors of the same teachers, with the paper's θ0 = π/100 and π
    _need(sorted(set(e["theta0"])), sorted(set(vec["theta0"])), "fig10_spectrum.csv (θ0)")
    _need(sorted(set(vec["theta0"])), sorted(set(e["theta0"])), "fig10_eigvecs.csv (θ0)")
    _need(sorted(set(e["theta0"])), [math.pi / 100, math.pi], "fig10_spectrum.csv", rtol=1e-5)
    if e.groupby("theta0").size().nunique() != 1:
        raise NotEvaluated("fig10_spectrum.csv: the spectra of the θ0 values differ in length")
    top = e.groupby("theta0")["eigenvalue"].max().sort_index()  # ascending theta0
    v = {f"top_{th:.4g}": float(x) for th, x in top.items()}
    v["ratio"] = float(top[top.index[0]] / top[top.index[-1]])
    mono = bool(np.all(np.diff(top.to_numpy()) < 0))
    return top, vec, v, mono


def _fig10_top_old(src):
    top, vec, v, mono = _fig10_top_data(src)
    pr = {th: _pr(g[g["rank"] == g["rank"].min()]["value"]) for th, g in vec.groupby("theta0")}
    lo, hi = top.index[0], top.index[-1]
    v["pr_small_theta"], v["pr_large_theta"] = pr[lo], pr[hi]
    return v, mono and v["ratio"] >= THRESHOLDS["orders"] and pr[lo] > pr[hi]


# 2026-11-30: "the eigenvectors become delocalised" = the plotted top eigenvectors are spread over
# at least twice as many coordinates (participation ratio) at the smallest theta0 as at theta0 = pi.
PR_SPREAD = 2.0
_FIG10_TOP_OLD = (
    "top eigenvalue increases as θ0 shrinks with top(π/100)/top(π) ≥ 100, and the top "
    "eigenvector's participation ratio at π/100 > at π"
)


@claim(
    "fig10.concentrated_phases_sharpen",
    "fig10",
    "C3",
    "As the teacher's phases concentrate (θ0: π → π/100) the λ-Hessian's top eigenvalue grows by "
    "orders of magnitude and its top eigenvectors delocalise.",
    "top eigenvalue increases as θ0 shrinks with top(π/100)/top(π) ≥ 100, and the median "
    "participation ratio of the plotted top eigenvectors (ranks 1-10) at π/100 ≥ 2 × that at π",
    superseded=[
        Superseded(
            _FIG10_TOP_OLD,
            _fig10_top_old,
            "2026-11-30",
            "the paper shows the top-10 eigenvectors delocalising; the top eigenvector alone "
            "stays on about one conjugate pair at every θ0, so a strict '>' on it is decided by a "
            "few per cent that another draw of the eigenvalues reverses",
        )
    ],
    kind="theory",
)
def _fig10_top(src):
    top, vec, v, mono = _fig10_top_data(src)
    med, first = {}, {}
    ranks_all = _same_grid(vec, "theta0", "rank", "fig10_eigvecs.csv")
    if ranks_all != list(range(1, len(ranks_all) + 1)):
        raise NotEvaluated("fig10_eigvecs.csv: the ranks are not 1, 2, ... without a gap")
    for th, g in vec.groupby("theta0"):
        ranks = sorted(g["rank"].unique())[:10]
        if len(ranks) < 3:
            raise NotEvaluated(
                f"fig10_eigvecs.csv has {len(ranks)} eigenvectors at θ0 = {th:g} (needs >= 3)"
            )
        prs = [_pr(g[g["rank"] == k]["value"]) for k in ranks]
        med[th], first[th] = float(np.median(prs)), prs[0]
    lo, hi = top.index[0], top.index[-1]
    if lo not in med or hi not in med:
        raise NotEvaluated("fig10_eigvecs.csv lacks the smallest or the largest θ0")
    v["pr_median_small_theta"], v["pr_median_large_theta"] = med[lo], med[hi]
    v["pr_median_ratio"] = med[lo] / med[hi]
    v["pr_top_small_theta"], v["pr_top_large_theta"] = first[lo], first[hi]
    return v, mono and v["ratio"] >= THRESHOLDS["orders"] and v["pr_median_ratio"] >= PR_SPREAD
