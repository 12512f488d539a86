"""Claims of the theory figures: Fig 1 (the curse of memory), Fig 2 (normalisation and
reparametrisation), Fig 6 (curvature at the optimum per parametrisation), Fig 7 (learning the
angle) and Fig 8 (the sensitivity kernel S).

Registered into :data:`curse_of_memory.claims.core.CLAIMS` on import.  Criteria and thresholds were
fixed before any of these figures existed (see ``core.py``).  Each evaluator reads the columns it
names from the CSVs beside the figures; a CSV that is missing or lacks them makes the check "not
evaluated".
"""

from __future__ import annotations

import math

import numpy as np

from curse_of_memory.claims.core import (
    THRESHOLDS,
    NotEvaluated,
    Superseded,
    _finite,
    _log_slope,
    _need,
    _values,
    claim,
)

# The paper's curves (config theory.rhos and theory.lambda_stars): a check "for every ρ" or "for
# every λ*" needs all of them, so that a missing curve is not evaluated instead of skipped.
RHOS = (0.0, 0.9, 0.99, 0.999, 1.0)  # Figs 1A, 2, 8
LAMBDA_STARS = (0.36, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99)  # Figs 1B, 1C, 6


def _curves(df, by):
    return {k: g for k, g in df.groupby(by)}


# ---------------------------------------------------------------------------------------------
# Fig 1 (theory; columns of curse_of_memory.theory.figdata): fig1_A.csv [curve ("rho" |
# "variance"), rho, lam, y]; fig1_B.csv [lam_star, lam, loss]; fig1_C.csv [lam_star, theta, loss]
# ---------------------------------------------------------------------------------------------
def _fig1a(src):
    d = src.csv("fig1_A.csv", ["curve", "rho", "lam", "y"]).rename(columns={"y": "value"})
    sens = d[d["curve"] == "rho"]
    var = d[d["curve"] == "variance"]
    if sens.empty or var.empty:
        raise NotEvaluated("fig1_A.csv needs curve = rho and variance rows")
    _need(sens["rho"].unique(), RHOS, "fig1_A.csv (ρ curves)")
    return sens, var


@claim(
    "fig1.sensitivity_diverges",
    "fig1",
    "C1",
    "Every sensitivity curve E[(∂λ h)²] diverges as λ → 1.",
    "for every ρ: value at 1−λ = 1e−4 / value at 1−λ = 1e−1 ≥ 1000",
    kind="theory",
)
def _fig1_div(src):
    sens, _ = _fig1a(src)
    v = {}
    for rho, g in _curves(sens, "rho").items():
        e = 1 - g["lam"]
        hi = float(g.loc[(np.log10(e) + 4).abs().idxmin(), "value"])
        lo = float(g.loc[(np.log10(e) + 1).abs().idxmin(), "value"])
        v[f"growth_rho{rho:g}"] = hi / lo
    _finite(v)
    return v, all(x >= 1000 for x in v.values())


@claim(
    "fig1.faster_than_activity",
    "fig1",
    "C1",
    "The sensitivity grows much faster than the activity (grey curve) as λ → 1.",
    "for every ρ: log-log slope of the sensitivity against 1/(1−λ) over 1−λ ∈ [1e−4, 1e−3] ≥ "
    "the grey curve's slope + 0.5",
    kind="theory",
)
def _fig1_faster(src):
    sens, var = _fig1a(src)
    v = {"slope_activity": _log_slope(1 / (1 - var["lam"]), var["value"], 1e3, 1e4)}
    for rho, g in _curves(sens, "rho").items():
        v[f"slope_rho{rho:g}"] = _log_slope(1 / (1 - g["lam"]), g["value"], 1e3, 1e4)
    return v, all(
        x >= v["slope_activity"] + THRESHOLDS["slope_margin"]
        for k, x in v.items()
        if k != "slope_activity"
    )


@claim(
    "fig1.rho_ordering",
    "fig1",
    "C1",
    "Larger input autocorrelation ρ gives higher sensitivity curves.",
    "at every plotted λ ≥ 0.5 the sensitivity is non-decreasing in ρ (relative tolerance 1e−9)",
    kind="theory",
)
def _fig1_order(src):
    sens, _ = _fig1a(src)
    _values(sens[sens["lam"] >= 0.5], "value", "fig1_A.csv")
    s = sens[sens["lam"] >= 0.5].pivot_table(index="lam", columns="rho", values="value")
    r = s.to_numpy()
    viol = int(np.sum(r[:, 1:] < r[:, :-1] * (1 - 1e-9)))
    return {"n_rho": s.shape[1], "n_lambda": s.shape[0], "violations": viol}, viol == 0 and s.shape[
        1
    ] >= 2


def _fig1_lam_star(src, name, x, pole=False):
    """Fig 1B/C: one loss curve per λ* of the paper, without a NaN.  ``pole``: +inf is allowed
    (the closed form's value at λ = 1, never a minimum); the checks read the minimum and its
    neighbours, which must be finite."""
    d = src.csv(name, ["lam_star", x, "loss"])
    _need(d["lam_star"].unique(), LAMBDA_STARS, f"{name} (λ* curves)")
    y = d["loss"].to_numpy(float)
    if np.isnan(y).any() or np.isneginf(y).any() or (not pole and np.isinf(y).any()):
        raise NotEvaluated(f"{name}: {int(np.sum(~np.isfinite(y)))} non-finite loss value(s)")
    return d


def _argmin(g, y):
    """Index of the finite minimum of ``g[y]`` (a curve without one is not evaluated)."""
    i = g[y].idxmin()
    if not np.isfinite(g.loc[i, y]):
        raise NotEvaluated("no finite minimum on the plotted curve")
    return i


def _min_curv(g, x, y):
    g = g.sort_values(x).reset_index(drop=True)
    i = int(_argmin(g, y))
    if i == 0 or i == len(g) - 1:
        raise NotEvaluated("minimum at the edge of the plotted grid")
    if not np.all(np.isfinite(g[y].iloc[i - 1 : i + 2])):
        raise NotEvaluated("a non-finite loss beside the minimum")
    h = float(g[x].iloc[i + 1] - g[x].iloc[i - 1]) / 2
    curv = (g[y].iloc[i + 1] + g[y].iloc[i - 1] - 2 * g[y].iloc[i]) / h**2
    return float(g[x].iloc[i]), float(curv)


@claim(
    "fig1.minimum_at_teacher",
    "fig1",
    "C1",
    "Each 1-D loss L(λ; λ*) is minimal (zero) at the teacher value.",
    "for every λ*: the grid argmin of the loss is within 0.002 of λ* (2 grid steps)",
    kind="theory",
)
def _fig1_min(src):
    d = _fig1_lam_star(src, "fig1_B.csv", "lam", pole=True)
    v = {}
    for ls, g in _curves(d, "lam_star").items():
        v[f"dist_{ls:g}"] = abs(float(g.loc[_argmin(g, "loss"), "lam"]) - ls)
    return v, bool(v) and all(x <= THRESHOLDS["grid_tol"] for x in v.values())


@claim(
    "fig1.notch_sharpens",
    "fig1",
    "C1",
    "As λ* → 1 the minimum becomes an ever narrower notch (the loss sharpens without bound).",
    "finite-difference curvature at the argmin strictly increases with λ*, and "
    "curvature(λ* = 0.99) / curvature(λ* = 0.36) ≥ 1000",
    kind="theory",
)
def _fig1_sharp(src):
    d = _fig1_lam_star(src, "fig1_B.csv", "lam", pole=True)
    curv = {ls: _min_curv(g, "lam", "loss")[1] for ls, g in _curves(d, "lam_star").items()}
    keys = sorted(curv)
    v = {f"curv_{k:g}": curv[k] for k in keys}
    v["ratio"] = curv[keys[-1]] / curv[keys[0]]
    mono = all(curv[a] < curv[b] for a, b in zip(keys, keys[1:]))
    return v, mono and v["ratio"] >= 1000


@claim(
    "fig1.angle_notch",
    "fig1",
    "C1",
    "Along the angle, a notch that narrows as λ* → 1 sits on a rising plateau.",
    "half-width at half maximum of L(θ) is non-increasing in λ* with width(0.36)/width(0.99) ≥ 10, "
    "and max L(θ) increases with λ*",
    kind="theory",
)
def _fig1_angle(src):
    d = _fig1_lam_star(src, "fig1_C.csv", "theta")
    w, mx = {}, {}
    for ls, g in _curves(d, "lam_star").items():
        half = g["loss"].max() / 2
        above = g.loc[g["loss"] >= half, "theta"].abs()
        w[ls], mx[ls] = float(above.min()), float(g["loss"].max())
    keys = sorted(w)
    v = {f"halfwidth_{k:g}": w[k] for k in keys} | {f"plateau_{k:g}": mx[k] for k in keys}
    v["width_ratio"] = w[keys[0]] / w[keys[-1]]
    ok = (
        all(w[a] >= w[b] for a, b in zip(keys, keys[1:]))
        and v["width_ratio"] >= 10
        and all(mx[a] < mx[b] for a, b in zip(keys, keys[1:]))
    )
    return v, ok


# ---------------------------------------------------------------------------------------------
# Fig 2 (theory): fig2_left.csv, fig2_right.csv [curve, rho, lam, y]; curve "rho" (normalised
# curves) or the grey "without_gamma" / "without_gamma_and_exp"
# ---------------------------------------------------------------------------------------------
def _fig2_slopes(src, name):
    d = src.csv(name, ["curve", "rho", "lam", "y"]).rename(columns={"y": "value"})
    norm, grey = d[d["curve"] == "rho"], d[d["curve"].astype(str).str.startswith("without")]
    if norm.empty or grey.empty:
        raise NotEvaluated(f"{name} needs curve = rho and without_* rows")
    _need(norm["rho"].unique(), RHOS, f"{name} (ρ curves)")
    slopes, last = {}, {}
    for rho, g in _curves(norm, "rho").items():
        slopes[rho] = _log_slope(1 / (1 - g["lam"]), g["value"], 10**3.5, 1e4)
        last[rho] = float(g.loc[g["lam"].idxmax(), "value"])
    grey_last = float(grey.loc[grey["lam"].idxmax(), "value"])
    return slopes, last, grey_last


def _fig2_check(src, name, grey_gap=True):
    slopes, last, grey_last = _fig2_slopes(src, name)
    v = {f"slope_rho{r:g}": s for r, s in slopes.items()}
    v |= {f"grey_over_rho{r:g}": grey_last / x for r, x in last.items()}
    ok = True
    for r, s in slopes.items():
        if r == 1:
            ok &= THRESHOLDS["rho1_slope"][0] <= s <= THRESHOLDS["rho1_slope"][1]
        elif r <= 0.99:  # rho = 0.999 saturates only below 1-lambda = 1e-4: excluded a priori
            ok &= s <= THRESHOLDS["saturated_slope"]
    rhos = sorted(last)
    ok &= all(last[a] <= last[b] for a, b in zip(rhos, rhos[1:]))
    if grey_gap:
        ok &= all(grey_last / x >= 1e6 for x in last.values())
    return v, bool(ok) and 1 in slopes


_FIG2_SLOPES = (
    "over 1−λ ∈ [1e−4, 10^−3.5]: log-log slope ≤ 0.25 for every ρ ≤ 0.99 (ρ = 0.999 is excluded "
    "a priori: its asymptotic regime lies beyond the plotted range), slope in [0.9, 1.1] for "
    "ρ = 1; the value at the last λ is non-decreasing in ρ"
)
_FIG2_CRIT = _FIG2_SLOPES + " and ≥ 1e6 below the grey curve"
_FIG2_LEFT_CRIT = (
    _FIG2_SLOPES + " (the distance to the grey curve is reported, not judged: the "
    "paper states it for the right panel only)"
)


@claim(
    "fig2.normalised_variance_bounded",
    "fig2",
    "C2",
    "With γ = √(1−λ²) the activity is bounded for ρ < 1 at a level rising with ρ, and grows only "
    "like (1−λ)^−1 for ρ = 1.",
    _FIG2_LEFT_CRIT,
    superseded=[
        Superseded(
            _FIG2_CRIT,
            lambda src: _fig2_check(src, "fig2_left.csv"),
            "2026-11-30",
            "the clause '≥ 1e6 below the grey curve' is not a statement of the paper about the "
            "left panel, and cannot hold there: grey / (ρ = 1 curve) = 1/(2(1−λ)) ≈ 5e3 at "
            "1−λ = 1e−4",
        ),
    ],
    kind="theory",
)
def _fig2_left(src):
    return _fig2_check(src, "fig2_left.csv", grey_gap=False)


@claim(
    "fig2.reparametrised_sensitivity_bounded",
    "fig2",
    "C2",
    "With γ and the exp parametrisation the sensitivity saturates for ρ < 1, grows only like "
    "(1−λ)^−1 for ρ = 1, and sits orders of magnitude below the unnormalised curve.",
    _FIG2_CRIT,
    kind="theory",
)
def _fig2_right(src):
    return _fig2_check(src, "fig2_right.csv")


# ---------------------------------------------------------------------------------------------
# Fig 6 (theory): fig6_optimum.csv [param, column (magnitude | angle), lam_star,
# curvature_autodiff] (curvature at the optimum w.r.t. the plotted variable);
# fig6_curves.csv [param, column, lam_star, x, loss]
# ---------------------------------------------------------------------------------------------
def _fig6_curv(src):
    d = src.csv("fig6_optimum.csv", ["param", "column", "lam_star", "curvature_autodiff"])
    _values(d, "curvature_autodiff", "fig6_optimum.csv")
    for (p, col), g in d.groupby(["param", "column"]):
        _need(g["lam_star"].unique(), LAMBDA_STARS, f"fig6_optimum.csv ({p} {col})")
    return {
        (p, c, float(ls)): float(x)
        for p, c, ls, x in d[["param", "column", "lam_star", "curvature_autodiff"]].itertuples(
            index=False
        )
    }


@claim(
    "fig6.polar_explodes",
    "fig6",
    "C1",
    "Polar parametrisation: both curvatures at the optimum explode as λ* → 1.",
    "polar magnitude and angle curvature at the optimum: increasing in λ*, 0.99 vs 0.36 ratio "
    "≥ 1000",
    kind="theory",
)
def _fig6_polar(src):
    c = _fig6_curv(src)
    v, ok = {}, True
    for col in ("magnitude", "angle"):
        k = sorted(ls for (p, cc, ls) in c if p == "polar" and cc == col)
        if len(k) < 2:
            raise NotEvaluated(f"fig6_optimum.csv lacks polar {col}")
        vals = [c[("polar", col, ls)] for ls in k]
        v[f"{col}_ratio"] = vals[-1] / vals[0]
        ok &= all(a < b for a, b in zip(vals, vals[1:])) and v[f"{col}_ratio"] >= 1000
    return v, bool(ok)


@claim(
    "fig6.exp_bounded_angle_grows",
    "fig6",
    "C2",
    "exp parametrisation: the magnitude curvature stays bounded for every λ*, the angle curvature "
    "still grows with λ*.",
    "exp magnitude curvature at the optimum ≤ 1 for every λ* with max/min ≤ 10; exp angle "
    "curvature at 0.99 / at 0.36 ≥ 10",
    kind="theory",
)
def _fig6_exp(src):
    c = _fig6_curv(src)
    mag = {ls: x for (p, col, ls), x in c.items() if p == "exp" and col == "magnitude"}
    ang = {ls: x for (p, col, ls), x in c.items() if p == "exp" and col == "angle"}
    if len(mag) < 2 or len(ang) < 2:
        raise NotEvaluated("fig6_optimum.csv lacks exp rows")
    v = {
        "mag_max": max(mag.values()),
        "mag_spread": max(mag.values()) / min(mag.values()),
        "ang_ratio": ang[max(ang)] / ang[min(ang)],
    }
    return v, v["mag_max"] <= 1 and v["mag_spread"] <= THRESHOLDS["order"] and v[
        "ang_ratio"
    ] >= THRESHOLDS["order"]


@claim(
    "fig6.opt_constant_but_periodic",
    "fig6",
    "C2",
    "opt parametrisation: the curvature at the optimum is the same for every λ* (1 and π²), but "
    "the loss is periodic in the angle: many basins for small λ*, a flat landscape near 1.",
    "opt curvature within 5 % of 1 (magnitude) and of π² (angle) for every λ*; #local minima of "
    "the angle loss ≥ 5 for λ* = 0.36 and ≤ 1 for λ* = 0.99",
    kind="theory",
)
def _fig6_opt(src):
    c = _fig6_curv(src)
    mag = [x for (p, col, ls), x in c.items() if p == "opt" and col == "magnitude"]
    ang = [x for (p, col, ls), x in c.items() if p == "opt" and col == "angle"]
    if not mag or not ang:
        raise NotEvaluated("fig6_optimum.csv lacks opt rows")
    v = {
        "mag_maxdev": max(abs(x - 1) for x in mag),
        "ang_maxdev": max(abs(x / math.pi**2 - 1) for x in ang),
    }
    d = src.csv("fig6_curves.csv", ["param", "column", "lam_star", "x", "loss"])
    loss = d[(d["param"] == "opt") & (d["column"] == "angle")]
    nmin = {}
    for ls in (0.36, 0.99):
        y = loss[np.isclose(loss["lam_star"], ls)].sort_values("x")
        y = _values(y, "loss", f"fig6_curves.csv opt angle λ* = {ls}")
        if len(y) < 3:
            raise NotEvaluated(f"fig6_curves.csv lacks the opt angle loss at λ* = {ls}")
        nmin[ls] = int(np.sum((y[1:-1] < y[:-2]) & (y[1:-1] < y[2:])))
    v["minima_036"], v["minima_099"] = nmin[0.36], nmin[0.99]
    ok = (
        v["mag_maxdev"] <= THRESHOLDS["opt_rel"]
        and v["ang_maxdev"] <= THRESHOLDS["opt_rel"]
        and nmin[0.36] >= 5
        and nmin[0.99] <= 1
    )
    return v, ok


# ---------------------------------------------------------------------------------------------
# Fig 7 (toy optimisation): fig7_summary.csv / fig7_published_summary.csv [param, final_loss (mean
# over the last 5 % of ALL steps), mid_loss (as many steps ending at mid-run), init_w_theta,
# final_w_theta, target_w_theta] (curse_of_memory.theory.figdata.fig7_tables); the replaced
# criterion read fig7_loss.csv / fig7_published_loss.csv [param, step, loss] (every 10th step)
# ---------------------------------------------------------------------------------------------
def _fig7_old(src, name):
    d = src.csv(name, ["param", "step", "loss"])
    fin, init = {}, {}
    for p, g in d.groupby("param"):
        g = g.sort_values("step")
        fin[p] = float(g["loss"].iloc[-max(1, len(g) // 20) :].mean())  # mean of the last 5 %
        init[p] = float(g["loss"].iloc[0])
    if not {"polar", "exp", "opt"} <= set(fin):
        raise NotEvaluated(f"{name} needs polar, exp and opt")
    v = {f"final_{p}": fin[p] for p in ("polar", "exp", "opt")}
    v["opt_final_over_init"] = fin["opt"] / init["opt"]
    ok = (
        fin["exp"] <= min(fin["polar"], fin["opt"]) / THRESHOLDS["order"]
        and v["opt_final_over_init"] >= 0.5
    )
    return v, ok


def _fig7(src, name):
    d = src.csv(
        name, ["param", "final_loss", "mid_loss", "init_w_theta", "final_w_theta", "target_w_theta"]
    )
    rows = {p: g.iloc[0] for p, g in d.groupby("param")}
    if not {"polar", "exp", "opt"} <= set(rows):
        raise NotEvaluated(f"{name} needs polar, exp and opt")
    v = {f"final_{p}": float(rows[p]["final_loss"]) for p in ("polar", "exp", "opt")}
    o = rows["opt"]
    _finite(v)
    v["opt_over_exp"] = v["final_opt"] / v["final_exp"] if v["final_exp"] > 0 else math.inf
    v["opt_final_over_mid"] = v["final_opt"] / float(o["mid_loss"])
    start = abs(float(o["init_w_theta"]) - float(o["target_w_theta"]))
    v["opt_theta_distance_kept"] = (
        abs(float(o["final_w_theta"]) - float(o["target_w_theta"])) / start
    )
    v["opt_theta_moved"] = float(o["final_w_theta"]) - float(o["init_w_theta"])
    ok = (
        v["final_exp"] <= min(v["final_polar"], v["final_opt"]) / THRESHOLDS["order"]
        and v["opt_over_exp"] >= THRESHOLDS["orders"]
        and v["opt_final_over_mid"] >= 0.5
        and v["opt_theta_distance_kept"] >= 0.9
    )
    return v, ok


_FIG7_CRIT_OLD = (
    "mean loss over the last 5 % of steps: exp ≤ 0.1 × min(polar, opt), and opt's final "
    "loss ≥ 0.5 × its initial loss (stuck on the plateau)"
)
_FIG7_CRIT = (
    "loss = mean over the last 5 % of all steps: exp ≤ 0.1 × min(polar, opt); opt stuck on a high "
    "plateau far from the optimum: opt ≥ 100 × exp, opt's loss falls by less than a factor 2 over "
    "the second half (≥ 0.5 × its mean over as many steps ending at mid-run), and ω_θ ends at "
    "least 90 % as far from its target as it started"
)
_FIG7_REASON = (
    "opt leaves its initial loss within the first thousands of steps (ω_ν moves) and then stays on "
    "a plateau orders of magnitude above exp with ω_θ far from its target: the plateau the paper "
    "describes, which 'final ≥ 0.5 × initial' fails; the old measure also read every 10th step "
    "only, which shows one phase of a period-2 oscillation"
)


@claim(
    "fig7.published_ordering",
    "fig7",
    "C2",
    "Learning the angle (as published, sign descent): exp converges to a much lower loss than "
    "polar; opt stays stuck on a high plateau.",
    _FIG7_CRIT,
    superseded=[
        Superseded(
            _FIG7_CRIT_OLD,
            lambda src: _fig7_old(src, "fig7_published_loss.csv"),
            "2026-11-30",
            _FIG7_REASON,
        )
    ],
    kind="theory",
)
def _fig7_pub(src):
    return _fig7(src, "fig7_published_summary.csv")


@claim(
    "fig7.adam_ordering",
    "fig7",
    "C2",
    "The same ordering with real Adam (the pipeline's default; the paper did not run this).",
    _FIG7_CRIT,
    superseded=[
        Superseded(
            _FIG7_CRIT_OLD, lambda src: _fig7_old(src, "fig7_loss.csv"), "2026-11-30", _FIG7_REASON
        )
    ],
    kind="theory",
)
def _fig7_def(src):
    return _fig7(src, "fig7_summary.csv")


# ---------------------------------------------------------------------------------------------
# Fig 8 (theory): fig8_summary.csv [rho, abs_S_at_conj_lam0, abs_S_at_lam_near_1, argmax_re,
# argmax_im] (one row per rho, exact S)
# ---------------------------------------------------------------------------------------------
@claim(
    "fig8.peak_moves",
    "fig8",
    "C3",
    "|S(λ, λ0, ρ)| peaks near conj(λ0) for ρ = 0 (conjugates coupled); as ρ grows a peak at λ → 1 "
    "appears and dominates.",
    "argmax at ρ = 0 within 0.05 of conj(λ0) = 0.99 e^{−iπ/4}; argmax at ρ = 1 within 0.05 of "
    "λ = 0.99; |S| near 1 / |S| near conj(λ0) non-decreasing in ρ",
    kind="theory",
)
def _fig8(src):
    d = src.csv(
        "fig8_summary.csv",
        ["rho", "abs_S_at_conj_lam0", "abs_S_at_lam_near_1", "argmax_re", "argmax_im"],
    ).sort_values("rho")
    _need(d["rho"].unique(), RHOS, "fig8_summary.csv (ρ)")
    conj = 0.99 * complex(math.cos(math.pi / 4), -math.sin(math.pi / 4))
    v, ratios = {}, []
    for r in d.itertuples(index=False):
        ratios.append(r.abs_S_at_lam_near_1 / r.abs_S_at_conj_lam0)
        v[f"one_over_conj_rho{r.rho:g}"] = ratios[-1]
        z = complex(r.argmax_re, r.argmax_im)
        if r.rho == 0:
            v["dist_peak_conj_rho0"] = abs(z - conj)
        if r.rho == 1:
            v["dist_peak_one_rho1"] = abs(z - 0.99)
    if "dist_peak_conj_rho0" not in v or "dist_peak_one_rho1" not in v:
        raise NotEvaluated("fig8_summary.csv needs ρ = 0 and ρ = 1")
    ok = (
        v["dist_peak_conj_rho0"] <= 0.05
        and v["dist_peak_one_rho1"] <= 0.05
        and all(a <= b for a, b in zip(ratios, ratios[1:]))
    )
    return v, ok
