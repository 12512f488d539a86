"""Claims of the figures drawn from CSVs beside the figures (theory, Hessians, real data).

Registered into :data:`curse_of_memory.analysis.claims.CLAIMS` on import.  Criteria and thresholds
were fixed before any of these figures existed (see ``claims.py``).  Each evaluator reads the
columns it names; a CSV that is missing or lacks them makes the check "not evaluated".
"""

from __future__ import annotations

import math

import numpy as np

from curse_of_memory.analysis.claims import T, NotEvaluated, Superseded, _finite, _log_slope, claim

LAM_STARS = (0.36, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99)


def _curves(df, by):
    return {k: g for k, g in df.groupby(by)}


def _pr(v):
    """Participation ratio of a vector: 1 / sum(p^2) with p = v^2 / |v|^2 (1 .. len(v))."""
    p = np.asarray(v, float) ** 2
    p = p / p.sum()
    return float(1.0 / np.sum(p**2))


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
    return sens, var


@claim(
    "fig1.sensitivity_diverges", "fig1", "C1",
    "Every sensitivity curve E[(∂λ h)²] diverges as λ → 1.",
    "for every ρ: value at 1−λ = 1e−4 / value at 1−λ = 1e−1 ≥ 1000",
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
    "fig1.faster_than_activity", "fig1", "C1",
    "The sensitivity grows much faster than the activity (grey curve) as λ → 1.",
    "for every ρ: log-log slope of the sensitivity against 1/(1−λ) over 1−λ ∈ [1e−4, 1e−3] ≥ "
    "the grey curve's slope + 0.5",
)
def _fig1_faster(src):
    sens, var = _fig1a(src)
    v = {"slope_activity": _log_slope(1 / (1 - var["lam"]), var["value"], 1e3, 1e4)}
    for rho, g in _curves(sens, "rho").items():
        v[f"slope_rho{rho:g}"] = _log_slope(1 / (1 - g["lam"]), g["value"], 1e3, 1e4)
    return v, all(x >= v["slope_activity"] + T["slope_margin"] for k, x in v.items() if k != "slope_activity")


@claim(
    "fig1.rho_ordering", "fig1", "C1",
    "Larger input autocorrelation ρ gives higher sensitivity curves.",
    "at every plotted λ ≥ 0.5 the sensitivity is non-decreasing in ρ (relative tolerance 1e−9)",
)
def _fig1_order(src):
    sens, _ = _fig1a(src)
    s = sens[sens["lam"] >= 0.5].pivot_table(index="lam", columns="rho", values="value")
    r = s.to_numpy()
    viol = int(np.sum(r[:, 1:] < r[:, :-1] * (1 - 1e-9)))
    return {"n_rho": s.shape[1], "n_lambda": s.shape[0], "violations": viol}, viol == 0 and s.shape[1] >= 2


def _min_curv(g, x, y):
    g = g.sort_values(x).reset_index(drop=True)
    i = int(g[y].idxmin())
    if i == 0 or i == len(g) - 1:
        raise NotEvaluated("minimum at the edge of the plotted grid")
    h = float(g[x].iloc[i + 1] - g[x].iloc[i - 1]) / 2
    curv = (g[y].iloc[i + 1] + g[y].iloc[i - 1] - 2 * g[y].iloc[i]) / h**2
    return float(g[x].iloc[i]), float(curv)


@claim(
    "fig1.minimum_at_teacher", "fig1", "C1",
    "Each 1-D loss L(λ; λ*) is minimal (zero) at the teacher value.",
    "for every λ*: the grid argmin of the loss is within 0.002 of λ* (2 grid steps)",
)
def _fig1_min(src):
    d = src.csv("fig1_B.csv", ["lam_star", "lam", "loss"])
    v = {}
    for ls, g in _curves(d, "lam_star").items():
        v[f"dist_{ls:g}"] = abs(float(g.loc[g["loss"].idxmin(), "lam"]) - ls)
    return v, bool(v) and all(x <= T["grid_tol"] for x in v.values())


@claim(
    "fig1.notch_sharpens", "fig1", "C1",
    "As λ* → 1 the minimum becomes an ever narrower notch (the loss sharpens without bound).",
    "finite-difference curvature at the argmin strictly increases with λ*, and "
    "curvature(λ* = 0.99) / curvature(λ* = 0.36) ≥ 1000",
)
def _fig1_sharp(src):
    d = src.csv("fig1_B.csv", ["lam_star", "lam", "loss"])
    curv = {ls: _min_curv(g, "lam", "loss")[1] for ls, g in _curves(d, "lam_star").items()}
    keys = sorted(curv)
    v = {f"curv_{k:g}": curv[k] for k in keys}
    v["ratio"] = curv[keys[-1]] / curv[keys[0]]
    mono = all(curv[a] < curv[b] for a, b in zip(keys, keys[1:]))
    return v, mono and v["ratio"] >= 1000


@claim(
    "fig1.angle_notch", "fig1", "C1",
    "Along the angle, a notch that narrows as λ* → 1 sits on a rising plateau.",
    "half-width at half maximum of L(θ) is non-increasing in λ* with width(0.36)/width(0.99) ≥ 10, "
    "and max L(θ) increases with λ*",
)
def _fig1_angle(src):
    d = src.csv("fig1_C.csv", ["lam_star", "theta", "loss"])
    w, mx = {}, {}
    for ls, g in _curves(d, "lam_star").items():
        half = g["loss"].max() / 2
        above = g.loc[g["loss"] >= half, "theta"].abs()
        w[ls], mx[ls] = float(above.min()), float(g["loss"].max())
    keys = sorted(w)
    v = {f"halfwidth_{k:g}": w[k] for k in keys} | {f"plateau_{k:g}": mx[k] for k in keys}
    v["width_ratio"] = w[keys[0]] / w[keys[-1]]
    ok = (all(w[a] >= w[b] for a, b in zip(keys, keys[1:])) and v["width_ratio"] >= 10
          and all(mx[a] < mx[b] for a, b in zip(keys, keys[1:])))
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
            ok &= T["rho1_slope"][0] <= s <= T["rho1_slope"][1]
        elif r <= 0.99:  # rho = 0.999 saturates only below 1-lambda = 1e-4: excluded a priori
            ok &= s <= T["saturated_slope"]
    rhos = sorted(last)
    ok &= all(last[a] <= last[b] for a, b in zip(rhos, rhos[1:]))
    if grey_gap:
        ok &= all(grey_last / x >= 1e6 for x in last.values())
    return v, bool(ok) and 1 in slopes


_FIG2_SLOPES = (
    "over 1−λ ∈ [1e−4, 10^−3.5]: log-log slope ≤ 0.25 for every ρ ≤ 0.99 (ρ = 0.999 is excluded "
    "a priori: its asymptotic regime lies beyond the plotted range), slope in [0.9, 1.1] for ρ = 1; "
    "the value at the last λ is non-decreasing in ρ"
)
_FIG2_CRIT = _FIG2_SLOPES + " and ≥ 1e6 below the grey curve"
_FIG2_LEFT_CRIT = (_FIG2_SLOPES + " (the distance to the grey curve is reported, not judged: the "
                   "paper states it for the right panel only)")


@claim(
    "fig2.normalised_variance_bounded", "fig2", "C2",
    "With γ = √(1−λ²) the activity is bounded for ρ < 1 at a level rising with ρ, and grows only "
    "like (1−λ)^−1 for ρ = 1.", _FIG2_LEFT_CRIT,
    superseded=[Superseded(
        _FIG2_CRIT, lambda src: _fig2_check(src, "fig2_left.csv"), "2026-11-30",
        "the clause '≥ 1e6 below the grey curve' is not a statement of the paper about the left "
        "panel, and cannot hold there: grey / (ρ = 1 curve) = 1/(2(1−λ)) ≈ 5e3 at 1−λ = 1e−4"),
    ],
)
def _fig2_left(src):
    return _fig2_check(src, "fig2_left.csv", grey_gap=False)


@claim(
    "fig2.reparametrised_sensitivity_bounded", "fig2", "C2",
    "With γ and the exp parametrisation the sensitivity saturates for ρ < 1, grows only like "
    "(1−λ)^−1 for ρ = 1, and sits orders of magnitude below the unnormalised curve.", _FIG2_CRIT,
)
def _fig2_right(src):
    return _fig2_check(src, "fig2_right.csv")


# ---------------------------------------------------------------------------------------------
# Figs 4 and 9 (Hessians at the optimum, effective LRs; curse_of_memory.plotting.hessian_panels):
#   figN_spectrum.csv [model, index, eigenvalue]
#   figN_eigvecs.csv [model, rank, param, group, value]  (rank 1 = top eigenvector)
#   figN_elr.csv [model, group, e]                       (per-entry effective lr e)
# model keys: rnn, crnn (Fig 4), lru, s4 (Fig 9); groups as in curse_of_memory.analysis.hessian
# ---------------------------------------------------------------------------------------------
def _eigs(src, fig):
    d = src.csv(f"{fig}_spectrum.csv", ["model", "eigenvalue"])
    return {m: np.sort(g["eigenvalue"].to_numpy(float))[::-1] for m, g in d.groupby("model")}


def _top_vec(src, fig):
    d = src.csv(f"{fig}_eigvecs.csv", ["model", "rank", "group", "value"])
    return {m: g[g["rank"] == g["rank"].min()] for m, g in d.groupby("model")}


def _models(d, fig, need):
    if not set(need) <= set(d):
        raise NotEvaluated(f"{fig} needs models {need}, has {sorted(d)}")


@claim(
    "fig4.hessians_degenerate", "fig4", "C3",
    "Both Hessians at the optimum are highly degenerate (symmetries), with the non-negligible "
    "eigenvalues spread over many decades.",
    "for RNN and cRNN: ≥ 5 eigenvalues below 1e−10 × the largest, and largest / smallest "
    "eigenvalue above that floor ≥ 1e3",
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


@claim(
    "fig4.top_eigenvalues_similar", "fig4", "C3",
    "The largest Hessian eigenvalues of the dense and the diagonal network are of similar magnitude.",
    "max/min of the two largest eigenvalues ≤ 100",
)
def _fig4_similar(src):
    e = _eigs(src, "fig4")
    _models(e, "fig4", ["rnn", "crnn"])
    v = {"top_rnn": float(e["rnn"][0]), "top_crnn": float(e["crnn"][0])}
    v["ratio"] = max(v.values()) / min(v.values())
    return v, v["ratio"] <= T["orders"]


@claim(
    "fig4.eigenvectors_dense_vs_localised", "fig4", "C3",
    "Top eigenvectors are spread over A for the dense RNN but concentrated on a few λ "
    "coordinates for the diagonal network.",
    "participation ratio of the top eigenvector: cRNN < RNN, and ≥ 50 % of the cRNN top "
    "eigenvector's squared mass on λ_re, λ_im",
)
def _fig4_vec(src):
    t = _top_vec(src, "fig4")
    _models(t, "fig4", ["rnn", "crnn"])
    c = t["crnn"]
    lam = c[c["group"].astype(str).str.startswith("lambda")]["value"].to_numpy(float)
    v = {"pr_rnn": _pr(t["rnn"]["value"]), "pr_crnn": _pr(c["value"]),
         "lambda_mass_crnn": float(np.sum(lam**2) / np.sum(c["value"].to_numpy(float) ** 2))}
    return v, v["pr_crnn"] < v["pr_rnn"] and v["lambda_mass_crnn"] >= 0.5


def _elr(src, fig):
    return src.csv(f"{fig}_elr.csv", ["model", "group", "e"]).rename(columns={"e": "value"})


def _pos(e, what):
    """The positive, finite entries of the effective lrs ``e`` and the share of entries <= 0.

    A non-positive e comes from a negative first moment (beta1 m + 1 - beta1 < 0), not from the
    second-moment scaling the paper discusses: statistics of that scaling use the positive entries,
    and the non-positive share is reported beside them."""
    e = np.asarray(e, dtype=float)
    pos = e[np.isfinite(e) & (e > 0)]
    if pos.size == 0:
        raise NotEvaluated(f"{what}: no positive effective lr ({e.size} entries, all <= 0)")
    return pos, float(np.mean(~(e > 0))) if e.size else math.nan


_POS = ("on the positive entries e > 0 (e ≤ 0 comes from a negative first moment; its share is "
        "reported beside): ")
_FIG4_ELR_OLD = ("median e over A (RNN) ≤ 1e−4 (base lr 1e−3); median e over the cRNN's λ entries "
                 "≥ 10 × median e over A; median e over cRNN B, C, D ≥ 1e−3")
_NONPOS_REASON = (
    "entries with e ≤ 0 (negative first moment, not a small step from the second moment) entered "
    "the statistics as small rates: a minimum is met by any one such entry, a median as soon as "
    "half of a group is non-positive")


def _fig4_groups(src):
    d = _elr(src, "fig4")
    rnn, cr = d[d["model"] == "rnn"], d[d["model"] == "crnn"]
    a = rnn[rnn["group"] == "A"]["value"]
    g = cr["group"].astype(str)
    lam = cr[g.str.startswith("lambda")]["value"]
    rest = cr[g.str.startswith(("B", "C", "D"))]["value"]
    if a.empty or lam.empty or rest.empty:
        raise NotEvaluated("fig4_elr.csv needs RNN group A and cRNN λ, B, C, D groups")
    return a, lam, rest


def _fig4_elr_all_entries(src):
    a, lam, rest = _fig4_groups(src)
    v = {"median_A": float(a.median()), "median_lambda": float(lam.median()),
         "median_BCD_crnn": float(rest.median())}
    ok = v["median_A"] <= 1e-4 and v["median_lambda"] >= 10 * v["median_A"] and v["median_BCD_crnn"] >= 1e-3
    return v, ok


@claim(
    "fig4.adam_per_coordinate", "fig4", "C3",
    "After training, Adam's effective rates on the dense A are orders of magnitude below the base "
    "lr, while the diagonal network keeps most λ, B, C, D near the ceiling.",
    _POS + _FIG4_ELR_OLD,
    superseded=[Superseded(_FIG4_ELR_OLD, _fig4_elr_all_entries, "2026-11-30", _NONPOS_REASON)],
)
def _fig4_elr(src):
    a, lam, rest = _fig4_groups(src)
    (pa, na), (pl, nl), (pr, nr) = _pos(a, "RNN A"), _pos(lam, "cRNN λ"), _pos(rest, "cRNN B, C, D")
    v = {"median_A": float(np.median(pa)), "median_lambda": float(np.median(pl)),
         "median_BCD_crnn": float(np.median(pr)),
         "nonpos_frac_A": na, "nonpos_frac_lambda": nl, "nonpos_frac_BCD_crnn": nr}
    ok = v["median_A"] <= 1e-4 and v["median_lambda"] >= 10 * v["median_A"] and v["median_BCD_crnn"] >= 1e-3
    return v, ok


@claim(
    "fig9.hessian_structure", "fig9", "C3",
    "LRU and S4 Hessians have spectra of similar magnitude to Fig 4; the LRU's dominant block is "
    "ω_θ, S4's is Δ/A; S4's spectrum decays more slowly.",
    "top eigenvalues of LRU and S4 within a factor 100 of Fig 4's largest; top eigenvector mass "
    "≥ 50 % on ω_θ (LRU) and on A_re, A_im, Δ (S4); #eigenvalues > 1e−6 × max: S4 > LRU",
)
def _fig9_h(src):
    e4, e9, t = _eigs(src, "fig4"), _eigs(src, "fig9"), _top_vec(src, "fig9")
    _models(e9, "fig9", ["lru", "s4"])
    _models(t, "fig9", ["lru", "s4"])
    top4 = max(float(x[0]) for x in e4.values())
    v = {"top_fig4": top4, "top_lru": float(e9["lru"][0]), "top_s4": float(e9["s4"][0])}

    def mass(df, prefixes):
        g = df["group"].astype(str)
        sel = df[g.str.startswith(prefixes)]["value"].to_numpy(float)
        return float(np.sum(sel**2) / np.sum(df["value"].to_numpy(float) ** 2))

    v["theta_mass_lru"] = mass(t["lru"], ("omega_theta",))
    v["A_delta_mass_s4"] = mass(t["s4"], ("A_re", "A_im", "Delta"))
    v["n_sig_lru"] = int(np.sum(e9["lru"] > 1e-6 * e9["lru"][0]))
    v["n_sig_s4"] = int(np.sum(e9["s4"] > 1e-6 * e9["s4"][0]))
    ok = (all(1 / T["orders"] <= v[k] / top4 <= T["orders"] for k in ("top_lru", "top_s4"))
          and v["theta_mass_lru"] >= 0.5 and v["A_delta_mass_s4"] >= 0.5 and v["n_sig_s4"] > v["n_sig_lru"])
    return v, bool(ok)


_FIG9_ELR_OLD = ("LRU: median e(ω_ν) ≥ 1e−3 and min e(ω_θ) ≤ 1e−4; S4: median e over A_re, A_im, Δ "
                 "≤ 1e−4 and median e over B, C, D ≥ 1e−4")


def _fig9_groups(src, bcd_pattern=r"(B|C|D)(_|$)"):
    """LRU ω_ν, ω_θ and S4 A/Δ, B/C/D entries.  ``bcd_pattern`` selects the S4 groups B_*, C_*, D
    (the replaced criterion's reader used the prefixes B, C, D, which also matched "Delta")."""
    d = _elr(src, "fig9")
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
    return (v["median_omega_nu"] >= 1e-3 and v["min_omega_theta"] <= 1e-4
            and v["median_A_delta_s4"] <= 1e-4 and v["median_BCD_s4"] >= 1e-4)


def _fig9_elr_all_entries(src):
    nu, th, ad, bcd = _fig9_groups(src, r"B|C|D")
    v = {"median_omega_nu": float(nu.median()), "min_omega_theta": float(th.min()),
         "median_A_delta_s4": float(ad.median()), "median_BCD_s4": float(bcd.median())}
    return v, _fig9_elr_ok(v)


@claim(
    "fig9.effective_lrs", "fig9", "C3",
    "LRU: ω_ν sits at the probe's ceiling while ω_θ is spread downwards; S4: A and Δ are reduced "
    "by one to a few orders of magnitude, B, C, D only mildly.",
    _POS + _FIG9_ELR_OLD,
    superseded=[Superseded(_FIG9_ELR_OLD, _fig9_elr_all_entries, "2026-11-30", _NONPOS_REASON)],
)
def _fig9_elr(src):
    nu, th, ad, bcd = _fig9_groups(src)
    (pn, nn), (pt, nt) = _pos(nu, "LRU ω_ν"), _pos(th, "LRU ω_θ")
    (pa, na), (pb, nb) = _pos(ad, "S4 A, Δ"), _pos(bcd, "S4 B, C, D")
    v = {"median_omega_nu": float(np.median(pn)), "min_omega_theta": float(pt.min()),
         "median_A_delta_s4": float(np.median(pa)), "median_BCD_s4": float(np.median(pb)),
         "nonpos_frac_omega_nu": nn, "nonpos_frac_omega_theta": nt,
         "nonpos_frac_A_delta_s4": na, "nonpos_frac_BCD_s4": nb}
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
    top = e.groupby("theta0")["eigenvalue"].max().sort_index()  # ascending theta0
    if len(top) < 2:
        raise NotEvaluated("fig10 top needs >= 2 theta0 values")
    v = {f"top_{th:.4g}": float(x) for th, x in top.items()}
    v["ratio"] = float(top[top.index[0]] / top[top.index[-1]])
    mono = bool(np.all(np.diff(top.to_numpy()) < 0))
    return top, vec, v, mono


def _fig10_top_old(src):
    top, vec, v, mono = _fig10_top_data(src)
    pr = {th: _pr(g[g["rank"] == g["rank"].min()]["value"]) for th, g in vec.groupby("theta0")}
    lo, hi = top.index[0], top.index[-1]
    v["pr_small_theta"], v["pr_large_theta"] = pr[lo], pr[hi]
    return v, mono and v["ratio"] >= T["orders"] and pr[lo] > pr[hi]


# 2026-11-30: "the eigenvectors become delocalised" = the plotted top eigenvectors are spread over
# at least twice as many coordinates (participation ratio) at the smallest theta0 as at theta0 = pi.
PR_SPREAD = 2.0
_FIG10_TOP_OLD = ("top eigenvalue increases as θ0 shrinks with top(π/100)/top(π) ≥ 100, and the top "
                  "eigenvector's participation ratio at π/100 > at π")


@claim(
    "fig10.concentrated_phases_sharpen", "fig10", "C3",
    "As the teacher's phases concentrate (θ0: π → π/100) the λ-Hessian's top eigenvalue grows by "
    "orders of magnitude and its top eigenvectors delocalise.",
    "top eigenvalue increases as θ0 shrinks with top(π/100)/top(π) ≥ 100, and the median "
    "participation ratio of the plotted top eigenvectors (ranks 1-10) at π/100 ≥ 2 × that at π",
    superseded=[Superseded(
        _FIG10_TOP_OLD, _fig10_top_old, "2026-11-30",
        "the paper shows the top-10 eigenvectors delocalising; the top eigenvector alone stays on "
        "about one conjugate pair at every θ0, so a strict '>' on it is decided by a few per cent "
        "that another draw of the eigenvalues reverses")],
)
def _fig10_top(src):
    top, vec, v, mono = _fig10_top_data(src)
    med, first = {}, {}
    for th, g in vec.groupby("theta0"):
        ranks = sorted(g["rank"].unique())[:10]
        if len(ranks) < 3:
            raise NotEvaluated(f"fig10_eigvecs.csv has {len(ranks)} eigenvectors at θ0 = {th:g} (needs >= 3)")
        prs = [_pr(g[g["rank"] == k]["value"]) for k in ranks]
        med[th], first[th] = float(np.median(prs)), prs[0]
    lo, hi = top.index[0], top.index[-1]
    if lo not in med or hi not in med:
        raise NotEvaluated("fig10_eigvecs.csv lacks the smallest or the largest θ0")
    v["pr_median_small_theta"], v["pr_median_large_theta"] = med[lo], med[hi]
    v["pr_median_ratio"] = med[lo] / med[hi]
    v["pr_top_small_theta"], v["pr_top_large_theta"] = first[lo], first[hi]
    return v, mono and v["ratio"] >= T["orders"] and v["pr_median_ratio"] >= PR_SPREAD


# ---------------------------------------------------------------------------------------------
# Figs 5 and 13 (signal propagation at init; curse_of_memory.data.signal):
#   fig5_A.csv [arch, layer, t_mem, activity]; fig5_B.csv [arch, group, t_mem, grad_sq];
#   fig5_C.csv [norm, group, t_mem, grad_sq]; fig13_layers.csv [arch, group, layer, t_mem, grad_sq];
#   fig13_norm.csv [norm, group, t_mem, grad_sq, quantity (grad | activity)]
# groups lambda / all_but_lambda / nu / theta / seq / all_but_seq, norms none / layer / batch are
# read as λ / all_but_λ / ν / θ and none / layernorm / batchnorm below.
# ---------------------------------------------------------------------------------------------
_GROUP = {"lambda": "λ", "all_but_lambda": "all_but_λ", "nu": "ν", "theta": "θ"}
_NORM = {"layer": "layernorm", "batch": "batchnorm", "none": "none"}


def _signal(src, name, cols, value):
    d = src.csv(name, cols + [value]).rename(columns={value: "value", "t_mem": "T_mem"})
    if "group" in d.columns:
        d["group"] = d["group"].map(lambda g: _GROUP.get(g, g))
    if "norm" in d.columns:
        d["norm"] = d["norm"].map(lambda n: _NORM.get(n, n))
    return d
def _growth(g, x="T_mem", y="value"):
    g = g.sort_values(x)
    return float(g[y].iloc[-1] / g[y].iloc[0])


def _spread(g, y="value"):
    return float(g[y].max() / g[y].min())


@claim(
    "fig5.activity", "fig5", "C4",
    "At init, the cRNN's activity grows by orders of magnitude with ν (more at the last layer); "
    "LRU and GRU activity is flat.",
    "cRNN layer-3 activity T_mem = 100 vs 1 ≥ 100 and ≥ its layer-0 growth; LRU and GRU: "
    "max/min over T_mem ≤ 10 at layers 0 and 3",
)
def _fig5_a(src):
    d = _signal(src, "fig5_A.csv", ["arch", "t_mem", "layer"], "activity")
    sel = {(a, int(l)): g for (a, l), g in d.groupby(["arch", "layer"])}
    need = [(a, l) for a in ("crnn", "lru", "gru") for l in (0, 3)]
    if not set(need) <= set(sel):
        raise NotEvaluated(f"fig5_A.csv needs arch x layer {need}")
    v = {"crnn_l3_growth": _growth(sel[("crnn", 3)]), "crnn_l0_growth": _growth(sel[("crnn", 0)])}
    for a in ("lru", "gru"):
        for l in (0, 3):
            v[f"{a}_l{l}_spread"] = _spread(sel[(a, l)])
    ok = (v["crnn_l3_growth"] >= T["orders"] and v["crnn_l3_growth"] >= v["crnn_l0_growth"]
          and all(v[k] <= T["order"] for k in v if k.endswith("spread")))
    return v, ok


@claim(
    "fig5.gradients", "fig5", "C4",
    "At init, every cRNN gradient group explodes with ν, λ fastest; in the LRU only θ grows (far "
    "less than the cRNN's λ); the GRU is flat.",
    "cRNN: λ growth (T_mem 100 vs 1) ≥ 1e3 and > all_but_λ growth; LRU: θ growth ≥ 100 and < "
    "cRNN λ growth, all_but_λ and ν max/min ≤ 10; GRU: every group max/min ≤ 10",
)
def _fig5_b(src):
    d = _signal(src, "fig5_B.csv", ["arch", "t_mem", "group"], "grad_sq")
    s = {(a, str(g)): x for (a, g), x in d.groupby(["arch", "group"])}
    need = [("crnn", "λ"), ("crnn", "all_but_λ"), ("lru", "θ"), ("lru", "ν"), ("lru", "all_but_λ")]
    if not set(need) <= set(s) or not any(a == "gru" for a, _ in s):
        raise NotEvaluated(f"fig5_B.csv needs arch/group {need} and GRU groups")
    v = {"crnn_lambda": _growth(s[("crnn", "λ")]), "crnn_rest": _growth(s[("crnn", "all_but_λ")]),
         "lru_theta": _growth(s[("lru", "θ")]), "lru_nu_spread": _spread(s[("lru", "ν")]),
         "lru_rest_spread": _spread(s[("lru", "all_but_λ")])}
    for (a, g), x in s.items():
        if a == "gru":
            v[f"gru_{g}_spread"] = _spread(x)
    ok = (v["crnn_lambda"] >= 1e3 and v["crnn_lambda"] > v["crnn_rest"]
          and T["orders"] <= v["lru_theta"] < v["crnn_lambda"]
          and v["lru_nu_spread"] <= T["order"] and v["lru_rest_spread"] <= T["order"]
          and all(v[k] <= T["order"] for k in v if k.startswith("gru_")))
    return v, ok


def _norm_check(src, name):
    d = _signal(src, name, ["norm", "t_mem", "group"], "grad_sq")
    if "quantity" in d.columns:
        d = d[d["quantity"] == "grad"]
    s = {(str(n), str(g)): x for (n, g), x in d.groupby(["norm", "group"])}
    need = [("none", "λ"), ("layernorm", "λ"), ("layernorm", "all_but_λ")]
    if not set(need) <= set(s):
        raise NotEvaluated(f"{name} needs norm/group {need}")
    ln_l, ln_r = s[("layernorm", "λ")].sort_values("T_mem"), s[("layernorm", "all_but_λ")].sort_values("T_mem")
    v = {"none_lambda_growth": _growth(s[("none", "λ")]),
         "ln_lambda_growth": _growth(ln_l),
         "ln_rest_spread": _spread(ln_r),
         "ln_lambda_over_rest_growth": float(
             (ln_l["value"].iloc[-1] / ln_r["value"].iloc[-1]) / (ln_l["value"].iloc[0] / ln_r["value"].iloc[0]))}
    ok = (v["ln_rest_spread"] <= T["order"] and v["ln_lambda_growth"] < v["none_lambda_growth"]
          and v["ln_lambda_over_rest_growth"] >= 3)
    if ("batchnorm", "λ") in s:
        v["bn_lambda_growth"] = _growth(s[("batchnorm", "λ")])
    return v, ok, s


_NORM_CRIT = ("with LayerNorm: all_but_λ max/min over T_mem ≤ 10, λ growth (T_mem 100 vs 1) < "
              "without normalisation, and λ/all_but_λ grows ≥ 3x")


@claim(
    "fig5.layernorm", "fig5", "C4",
    "LayerNorm reins in the cRNN's gradients, but the λ gradients still grow relative to the rest.",
    _NORM_CRIT,
)
def _fig5_c(src):
    v, ok, _ = _norm_check(src, "fig5_C.csv")
    return v, ok


@claim(
    "fig13.layerwise", "fig13", "C4",
    "Layer-wise: the cRNN's λ growth and the LRU's θ growth appear at every layer; the LRU's other "
    "groups and the GRU stay flat at every layer.",
    "every layer: cRNN λ growth ≥ 100, LRU θ growth ≥ 10, LRU ν and all_but_λ max/min ≤ 10, every "
    "GRU group max/min ≤ 10",
)
def _fig13_layers(src):
    d = _signal(src, "fig13_layers.csv", ["arch", "t_mem", "layer", "group"], "grad_sq")
    v, ok = {}, True
    layers = sorted(d["layer"].unique())
    if not layers:
        raise NotEvaluated("fig13_layers.csv is empty")
    for (a, l, g), x in d.groupby(["arch", "layer", "group"]):
        g = str(g)
        if a == "crnn" and g == "λ":
            v[f"crnn_l{l}_lambda"] = _growth(x)
            ok &= v[f"crnn_l{l}_lambda"] >= T["orders"]
        elif a == "lru" and g == "θ":
            v[f"lru_l{l}_theta"] = _growth(x)
            ok &= v[f"lru_l{l}_theta"] >= T["order"]
        elif (a == "lru" and g in ("ν", "all_but_λ")) or a == "gru":
            v[f"{a}_l{l}_{g}_spread"] = _spread(x)
            ok &= v[f"{a}_l{l}_{g}_spread"] <= T["order"]
    if not any(k.startswith("gru_") for k in v) or not any(k.startswith("crnn_") for k in v):
        raise NotEvaluated("fig13_layers.csv needs cRNN, LRU and GRU layers (GRU panel empty?)")
    return v, bool(ok)


@claim(
    "fig13.normalisation", "fig13", "C4",
    "Normalisation study (all 8 batches): as Fig 5C, and BatchNorm behaves like LayerNorm.",
    _NORM_CRIT + "; BatchNorm λ growth within a factor 10 of LayerNorm's",
)
def _fig13_norm(src):
    v, ok, s = _norm_check(src, "fig13_norm.csv")
    if "bn_lambda_growth" not in v:
        raise NotEvaluated("fig13_norm.csv has no batchnorm rows")
    r = v["bn_lambda_growth"] / v["ln_lambda_growth"]
    return v, ok and 1 / T["order"] <= r <= T["order"]


# ---------------------------------------------------------------------------------------------
# Fig 6 (theory): fig6_optimum.csv [param, column (magnitude | angle), lam_star,
# curvature_autodiff] (curvature at the optimum w.r.t. the plotted variable);
# fig6_curves.csv [param, column, lam_star, x, loss]
# ---------------------------------------------------------------------------------------------
def _fig6_curv(src):
    d = src.csv("fig6_optimum.csv", ["param", "column", "lam_star", "curvature_autodiff"])
    return {(p, c, float(ls)): float(x) for p, c, ls, x in
            d[["param", "column", "lam_star", "curvature_autodiff"]].itertuples(index=False)}


@claim(
    "fig6.polar_explodes", "fig6", "C1",
    "Polar parametrisation: both curvatures at the optimum explode as λ* → 1.",
    "polar magnitude and angle curvature at the optimum: increasing in λ*, 0.99 vs 0.36 ratio ≥ 1000",
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
    "fig6.exp_bounded_angle_grows", "fig6", "C2",
    "exp parametrisation: the magnitude curvature stays bounded for every λ*, the angle curvature "
    "still grows with λ*.",
    "exp magnitude curvature at the optimum ≤ 1 for every λ* with max/min ≤ 10; exp angle "
    "curvature at 0.99 / at 0.36 ≥ 10",
)
def _fig6_exp(src):
    c = _fig6_curv(src)
    mag = {ls: x for (p, col, ls), x in c.items() if p == "exp" and col == "magnitude"}
    ang = {ls: x for (p, col, ls), x in c.items() if p == "exp" and col == "angle"}
    if len(mag) < 2 or len(ang) < 2:
        raise NotEvaluated("fig6_optimum.csv lacks exp rows")
    v = {"mag_max": max(mag.values()), "mag_spread": max(mag.values()) / min(mag.values()),
         "ang_ratio": ang[max(ang)] / ang[min(ang)]}
    return v, v["mag_max"] <= 1 and v["mag_spread"] <= T["order"] and v["ang_ratio"] >= T["order"]


@claim(
    "fig6.opt_constant_but_periodic", "fig6", "C2",
    "opt parametrisation: the curvature at the optimum is the same for every λ* (1 and π²), but "
    "the loss is periodic in the angle: many basins for small λ*, a flat landscape near 1.",
    "opt curvature within 5 % of 1 (magnitude) and of π² (angle) for every λ*; #local minima of the "
    "angle loss ≥ 5 for λ* = 0.36 and ≤ 1 for λ* = 0.99",
)
def _fig6_opt(src):
    c = _fig6_curv(src)
    mag = [x for (p, col, ls), x in c.items() if p == "opt" and col == "magnitude"]
    ang = [x for (p, col, ls), x in c.items() if p == "opt" and col == "angle"]
    if not mag or not ang:
        raise NotEvaluated("fig6_optimum.csv lacks opt rows")
    v = {"mag_maxdev": max(abs(x - 1) for x in mag),
         "ang_maxdev": max(abs(x / math.pi**2 - 1) for x in ang)}
    d = src.csv("fig6_curves.csv", ["param", "column", "lam_star", "x", "loss"])
    loss = d[(d["param"] == "opt") & (d["column"] == "angle")]
    nmin = {}
    for ls in (0.36, 0.99):
        y = loss[np.isclose(loss["lam_star"], ls)].sort_values("x")["loss"].to_numpy(float)
        if len(y) < 3:
            raise NotEvaluated(f"fig6_curves.csv lacks the opt angle loss at λ* = {ls}")
        nmin[ls] = int(np.sum((y[1:-1] < y[:-2]) & (y[1:-1] < y[2:])))
    v["minima_036"], v["minima_099"] = nmin[0.36], nmin[0.99]
    ok = (v["mag_maxdev"] <= T["opt_rel"] and v["ang_maxdev"] <= T["opt_rel"]
          and nmin[0.36] >= 5 and nmin[0.99] <= 1)
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
        fin[p] = float(g["loss"].iloc[-max(1, len(g) // 20):].mean())  # mean of the last 5 %
        init[p] = float(g["loss"].iloc[0])
    if not {"polar", "exp", "opt"} <= set(fin):
        raise NotEvaluated(f"{name} needs polar, exp and opt")
    v = {f"final_{p}": fin[p] for p in ("polar", "exp", "opt")}
    v["opt_final_over_init"] = fin["opt"] / init["opt"]
    ok = fin["exp"] <= min(fin["polar"], fin["opt"]) / T["order"] and v["opt_final_over_init"] >= 0.5
    return v, ok


def _fig7(src, name):
    d = src.csv(name, ["param", "final_loss", "mid_loss", "init_w_theta", "final_w_theta",
                       "target_w_theta"])
    rows = {p: g.iloc[0] for p, g in d.groupby("param")}
    if not {"polar", "exp", "opt"} <= set(rows):
        raise NotEvaluated(f"{name} needs polar, exp and opt")
    v = {f"final_{p}": float(rows[p]["final_loss"]) for p in ("polar", "exp", "opt")}
    o = rows["opt"]
    _finite(v)
    v["opt_over_exp"] = v["final_opt"] / v["final_exp"] if v["final_exp"] > 0 else math.inf
    v["opt_final_over_mid"] = v["final_opt"] / float(o["mid_loss"])
    start = abs(float(o["init_w_theta"]) - float(o["target_w_theta"]))
    v["opt_theta_distance_kept"] = abs(float(o["final_w_theta"]) - float(o["target_w_theta"])) / start
    v["opt_theta_moved"] = float(o["final_w_theta"]) - float(o["init_w_theta"])
    ok = (v["final_exp"] <= min(v["final_polar"], v["final_opt"]) / T["order"]
          and v["opt_over_exp"] >= T["orders"] and v["opt_final_over_mid"] >= 0.5
          and v["opt_theta_distance_kept"] >= 0.9)
    return v, ok


_FIG7_CRIT_OLD = ("mean loss over the last 5 % of steps: exp ≤ 0.1 × min(polar, opt), and opt's final "
                  "loss ≥ 0.5 × its initial loss (stuck on the plateau)")
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
    "only, which shows one phase of a period-2 oscillation")


@claim(
    "fig7.published_ordering", "fig7", "C2",
    "Learning the angle (as published, sign descent): exp converges to a much lower loss than "
    "polar; opt stays stuck on a high plateau.", _FIG7_CRIT,
    superseded=[Superseded(_FIG7_CRIT_OLD, lambda src: _fig7_old(src, "fig7_published_loss.csv"),
                           "2026-11-30", _FIG7_REASON)],
)
def _fig7_pub(src):
    return _fig7(src, "fig7_published_summary.csv")


@claim(
    "fig7.adam_ordering", "fig7", "C2",
    "The same ordering with real Adam (the pipeline's default; the paper did not run this).",
    _FIG7_CRIT,
    superseded=[Superseded(_FIG7_CRIT_OLD, lambda src: _fig7_old(src, "fig7_loss.csv"),
                           "2026-11-30", _FIG7_REASON)],
)
def _fig7_def(src):
    return _fig7(src, "fig7_summary.csv")


# ---------------------------------------------------------------------------------------------
# Fig 8 (theory): fig8_summary.csv [rho, abs_S_at_conj_lam0, abs_S_at_lam_near_1, argmax_re,
# argmax_im] (one row per rho, exact S)
# ---------------------------------------------------------------------------------------------
@claim(
    "fig8.peak_moves", "fig8", "C3",
    "|S(λ, λ0, ρ)| peaks near conj(λ0) for ρ = 0 (conjugates coupled); as ρ grows a peak at λ → 1 "
    "appears and dominates.",
    "argmax at ρ = 0 within 0.05 of conj(λ0) = 0.99 e^{−iπ/4}; argmax at ρ = 1 within 0.05 of "
    "λ = 0.99; |S| near 1 / |S| near conj(λ0) non-decreasing in ρ",
)
def _fig8(src):
    d = src.csv("fig8_summary.csv", ["rho", "abs_S_at_conj_lam0", "abs_S_at_lam_near_1",
                                      "argmax_re", "argmax_im"]).sort_values("rho")
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
    ok = (v["dist_peak_conj_rho0"] <= 0.05 and v["dist_peak_one_rho1"] <= 0.05
          and all(a <= b for a, b in zip(ratios, ratios[1:])))
    return v, ok


# ---------------------------------------------------------------------------------------------
# Fig 12 (real data): fig12.csv [lag, c (uncentred, as plotted), c_centred (each feature's mean
# removed)] and results/data/autocorrelation_fit.json {"default": {a0, a1, r1}} (the default fit
# of c over Δ ≥ 1); the centred fit is computed here from c_centred over the same range
# ---------------------------------------------------------------------------------------------
def _fig12_uncentred(src):
    d = src.csv("fig12.csv", ["lag", "c"]).rename(columns={"lag": "delta"})
    fit = src.json("data/autocorrelation_fit.json")
    fit = fit.get("default", fit)
    if not {"a0", "a1", "r1"} <= set(fit):
        raise NotEvaluated("autocorrelation_fit.json lacks a0, a1, r1")
    a0, a1, r1 = float(fit["a0"]), float(fit["a1"]), float(fit["r1"])
    v = {"a0": a0, "a1": a1, "r1": r1, "tau": -1 / math.log(r1) if 0 < r1 < 1 else math.inf,
         "c_last": float(d.sort_values("delta")["c"].iloc[-1])}
    return d, v, a0 > a1 and v["tau"] >= 50 and bool((d["c"] > 0).all())


def _fig12_old(src):
    _, v, ok = _fig12_uncentred(src)
    return v, ok


_FIG12_OLD = "white part a0 = c(0) − a1 > a1; correlation time −1/ln r1 ≥ 50 tokens; c(Δ) > 0 up to Δ = 510"


@claim(
    "fig12.white_plus_slow", "fig12", "C4",
    "The embeddings look like a large white component plus a small, slowly decaying correlated "
    "component (long correlation time).",
    "on the plotted (uncentred) c(Δ) and on the centred autocorrelation (each feature's mean over "
    "all tokens removed, so that a constant offset cannot pass for slow correlation), each with "
    "its own fit over Δ = 1..510: " + _FIG12_OLD,
    superseded=[Superseded(
        _FIG12_OLD, _fig12_old, "2026-11-30",
        "the uncentred c(Δ) contains the squared feature means, a constant that a long correlation "
        "time cannot be told apart from (a LayerNorm bias alone contributes such a constant)")],
)
def _fig12(src):
    from curse_of_memory.data.autocorrelation import fit as fit_exp

    d, v, ok = _fig12_uncentred(src)
    if "c_centred" not in d.columns:
        raise NotEvaluated("fig12.csv lacks the column c_centred (the centred autocorrelation)")
    d = d.sort_values("delta")
    cc = d["c_centred"].to_numpy(float)
    if d["delta"].iloc[0] != 0 or len(cc) < 3:
        raise NotEvaluated("fig12.csv must start at Δ = 0 with at least 3 lags")
    try:
        f = fit_exp(cc, start=1)
    except ValueError:  # fewer than two positive values: no slow component to fit
        f = {"a1": math.nan, "r1": math.nan, "a0": math.nan}
    r1 = f["r1"]
    v |= {"a0_centred": f["a0"], "a1_centred": f["a1"], "r1_centred": r1,
          "tau_centred": -1 / math.log(r1) if 0 < r1 < 1 else (math.inf if r1 >= 1 else math.nan),
          "c_centred_last": float(cc[-1]), "n_nonpos_centred": float(np.sum(cc <= 0)),
          "offset_share_lag1": float(1 - cc[1] / d["c"].iloc[1]) if d["c"].iloc[1] else math.nan}
    ok_c = (f["a0"] > f["a1"] and v["tau_centred"] >= 50 and bool((cc > 0).all()))
    return v, bool(ok and ok_c)


# ---------------------------------------------------------------------------------------------
# Fig 14 (GRU Jacobians): fig14_summary.csv [row (0-based: 0 constant gates, 1 sigma = 1, 2 the
# sigma_h sweep), t_max, scale_h, dt, diag_mean_abs, offdiag_mean_abs, offdiag_max_abs_all]
# ---------------------------------------------------------------------------------------------
@claim(
    "fig14.gru_near_diagonal", "fig14", "C4",
    "At init a GRU's recurrent Jacobian is close to diagonal: exactly diagonal with constant gates, "
    "longer memory with larger T_max, off-diagonal small at σ_h = 1 and larger at σ_h = 3.",
    "row 1: max |off-diagonal| ≤ 1e−6; rows 1-2: mean diagonal at the largest Δt increases with "
    "T_max; row 3: mean |off|/mean |diag| ≤ 0.1 at σ_h = 1 and larger at σ_h = 3",
)
def _fig14(src):
    d = src.csv("fig14_summary.csv", ["row", "t_max", "scale_h", "dt", "diag_mean_abs",
                                       "offdiag_mean_abs"])
    v, ok = {}, True
    r1 = d[d["row"] == 0]
    col = "offdiag_max_abs_all" if "offdiag_max_abs_all" in d.columns else "offdiag_max_abs_sampled"
    if r1.empty or col not in d.columns:
        raise NotEvaluated("fig14_summary.csv lacks row 0 or the off-diagonal maximum")
    v["row1_max_offdiag"] = float(r1[col].abs().max())
    ok &= v["row1_max_offdiag"] <= T["zero"]
    for row in (0, 1):
        r = d[d["row"] == row]
        last = r[r["dt"] == r["dt"].max()].groupby("t_max")["diag_mean_abs"].mean().sort_index()
        v |= {f"row{row + 1}_diag_Tmax{int(k)}": float(x) for k, x in last.items()}
        ok &= bool(np.all(np.diff(last.to_numpy()) > 0)) and len(last) >= 2
    r3 = d[d["row"] == 2]
    rat = {}
    for sh, g in r3.groupby("scale_h"):
        rat[float(sh)] = float(g["offdiag_mean_abs"].mean() / g["diag_mean_abs"].mean())
        v[f"row3_off_over_diag_sh{sh:g}"] = rat[float(sh)]
    if 1.0 not in rat or 3.0 not in rat:
        raise NotEvaluated("fig14_summary.csv row 3 needs scale_h 1 and 3")
    ok &= rat[1.0] <= 0.1 and rat[3.0] > rat[1.0]
    return v, bool(ok)


# ---------------------------------------------------------------------------------------------
# Fig 15 (GRU theory vs empirics): fig15_curves.csv [setting, T, theory_var_h, theory_var_dh,
# theory_var_dh_published, empirical_var_h, empirical_var_dh], read as rows per quantity h2 / dh2
# (the activity's published theory equals the default one)
# ---------------------------------------------------------------------------------------------
def _fig15(src):
    d = src.csv("fig15_curves.csv", ["setting", "T", "theory_var_h", "theory_var_dh",
                                      "theory_var_dh_published", "empirical_var_h", "empirical_var_dh"])
    import pandas as pd

    h = pd.DataFrame(dict(setting=d["setting"], quantity="h2", T=d["T"], empirical=d["empirical_var_h"],
                          theory=d["theory_var_h"], theory_published=d["theory_var_h"]))
    dh = pd.DataFrame(dict(setting=d["setting"], quantity="dh2", T=d["T"],
                           empirical=d["empirical_var_dh"], theory=d["theory_var_dh"],
                           theory_published=d["theory_var_dh_published"]))
    return pd.concat([h, dh], ignore_index=True)


@claim(
    "fig15.theory_matches", "fig15", "C4",
    "The diagonal theory predicts the GRU's activity and gate-bias sensitivity in all three settings.",
    "for every setting and quantity: median over T of |log10(empirical mean / theory)| ≤ log10 2",
)
def _fig15_match(src):
    d = _fig15(src)
    v = {}
    for (s, q), g in d.groupby(["setting", "quantity"]):
        v[f"{s}_{q}_logdev"] = float(np.median(np.abs(np.log10(g["empirical"] / g["theory"]))))
    _finite(v)
    return v, bool(v) and all(x <= math.log10(T["theory_factor"]) for x in v.values())


@claim(
    "fig15.bounded", "fig15", "C4",
    "Var h and Var ∂h/∂b stay bounded as T grows (no explosion): the GRU's built-in normalisation "
    "and sigmoid parametrisation act like γ and exp.",
    "for every setting and quantity: max of the empirical mean over T ≤ 10 × its value at the "
    "smallest T",
)
def _fig15_bounded(src):
    d = _fig15(src)
    v = {}
    for (s, q), g in d.groupby(["setting", "quantity"]):
        g = g.sort_values("T")
        v[f"{s}_{q}_max_over_first"] = float(g["empirical"].max() / g["empirical"].iloc[0])
    _finite(v)
    return v, bool(v) and all(x <= T["order"] for x in v.values())


@claim(
    "fig15.published_formula_small_T", "fig15", "fig",
    "The default and as-published sensitivity formulas differ visibly only at small T.",
    "|published/default − 1| for the dh2 curve: ≤ 0.1 at the largest T and larger at the smallest T",
)
def _fig15_pub(src):
    d = _fig15(src)
    g = d[d["quantity"] == "dh2"].groupby("T")[["theory", "theory_published"]].first().sort_index()
    if g.empty:
        raise NotEvaluated("fig15_curves.csv has no dh2 rows")
    dev = (g["theory_published"] / g["theory"] - 1).abs()
    v = {"dev_small_T": float(dev.iloc[0]), "dev_large_T": float(dev.iloc[-1])}
    return v, v["dev_large_T"] <= 0.1 and v["dev_small_T"] > v["dev_large_T"]
