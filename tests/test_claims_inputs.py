"""Every registered check on inputs it cannot judge: a check never passes or fails on numbers it
does not have.

One complete set of inputs (``complete_inputs``) lets every check reach a verdict (pass or fail).
The fixtures of the test are derived from it by transforming the inputs, the same way for every
check, never by hand per check:

* **all diverged**: every measured value of every input (``INPUTS``: the seed means and medians
  of the aggregated tables, the effective lrs, eigenvalues, eigenvector entries, curve values,
  measurements and fit parameters) is NaN, or +inf: what a run whose every seed diverged writes,
  or a closed form that overflowed.  Expected: "not evaluated" for every check.
* **missing point**: each point of each input the check read is removed in turn (``INPUTS``: a
  point is one row of an aggregated table or of a measurement at initialisation, one parameter
  group of the effective lrs, one model's spectrum, one eigenvector, one curve of a closed form).
  Expected: "not evaluated", or exactly the verdict and numbers of the complete inputs (the check
  does not read that point; a number it only reports beside its verdict may be left out).
* **diverged point**: the same, with the point kept and its measured values set to NaN (one
  task point whose every seed diverged, e.g. nu0 = 0.99 only).  Expected: as for a missing point.

No check may raise ("error") in any of them.  The checks that read no trained runs (closed forms
and constructed optima: Figs 1, 2, 6, 7, 8, Fig 10 top and the Hessians of Figs 4 and 9; the
measurements at initialisation of Figs 5, 12-15) are covered by the same two transformations: for
them "diverged" is a non-finite value of the formula or measurement, and a missing point is a
missing curve (closed forms) or a missing measurement.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from curse_of_memory.claims import core as C

# --- inputs held in memory ----------------------------------------------------------------------


@dataclasses.dataclass
class Memory(C.Sources):
    """Sources served from ``files`` ({"figures/x.csv" | "tables/x.parquet" | "results/...":
    DataFrame or dict}); every path a check asks for is recorded in ``reads``."""

    files: dict = dataclasses.field(default_factory=dict)
    reads: set = dataclasses.field(default_factory=set)

    def _exists(self, path) -> bool:
        return Path(path).as_posix() in self.files

    def _load(self, path):
        rel = Path(path).as_posix()
        self.reads.add(rel)
        if rel not in self.files:
            raise C.NotEvaluated(f"{rel} not built")
        return self.files[rel]

    def json(self, relpath):
        rel = (Path(self.results) / relpath).as_posix()
        self.reads.add(rel)
        if rel not in self.files:
            raise C.NotEvaluated(f"{rel} not built")
        return copy.deepcopy(self.files[rel])


def memory(files: dict) -> Memory:
    return Memory(Path("figures"), Path("tables"), Path("results"), files=files)


# Every input a check reads: its measured values (set to NaN / inf for "all diverged"; for a JSON
# file, the keys of its "default" entry) and what one point of it is (the columns naming one
# point; None: one row; () for a JSON file: no points).
LOSS = ["mean", "median", "sem", "lr"]
INPUTS = {
    "tables/fig3a_best.parquet": (LOSS, None),
    "tables/fig3b_best.parquet": (LOSS, None),
    "tables/fig10.parquet": (LOSS, None),
    "tables/fig11_best.parquet": (LOSS, None),
    "tables/fig11_history.parquet": (["elr_A", "elrpos_A", "nonpos_A"], None),
    "tables/optimizers_best.parquet": (LOSS, None),
    "figures/fig4_elr.csv": (["e"], ["model", "group"]),
    "figures/fig9_elr.csv": (["e"], ["model", "group"]),
    "figures/fig4_spectrum.csv": (["eigenvalue"], ["model"]),
    "figures/fig9_spectrum.csv": (["eigenvalue"], ["model"]),
    "figures/fig10_spectrum.csv": (["eigenvalue"], ["model"]),
    "figures/fig4_eigvecs.csv": (["value"], ["model", "rank"]),
    "figures/fig9_eigvecs.csv": (["value"], ["model", "rank"]),
    "figures/fig10_eigvecs.csv": (["value"], ["model", "rank"]),
    "figures/fig1_A.csv": (["y"], ["curve", "rho"]),
    "figures/fig1_B.csv": (["loss"], ["lam_star"]),
    "figures/fig1_C.csv": (["loss"], ["lam_star"]),
    "figures/fig2_left.csv": (["y"], ["curve", "rho"]),
    "figures/fig2_right.csv": (["y"], ["curve", "rho"]),
    "figures/fig6_optimum.csv": (["curvature_autodiff"], None),
    "figures/fig6_curves.csv": (["loss"], ["param", "column", "lam_star"]),
    "figures/fig7_summary.csv": (
        ["final_loss", "mid_loss", "init_w_theta", "final_w_theta", "target_w_theta"],
        None,
    ),
    "figures/fig7_published_summary.csv": (
        ["final_loss", "mid_loss", "init_w_theta", "final_w_theta", "target_w_theta"],
        None,
    ),
    "figures/fig8_summary.csv": (
        ["abs_S_at_conj_lam0", "abs_S_at_lam_near_1", "argmax_re", "argmax_im"],
        None,
    ),
    "figures/fig5_A.csv": (["activity"], None),
    "figures/fig5_B.csv": (["grad_sq"], None),
    "figures/fig5_C.csv": (["grad_sq"], None),
    "figures/fig13_layers.csv": (["grad_sq"], None),
    "figures/fig13_norm.csv": (["grad_sq"], None),
    "figures/fig12.csv": (["c", "c_centred"], None),
    "results/data/autocorrelation_fit.json": (["a0", "a1", "r1"], ()),
    "figures/fig14_summary.csv": (
        ["diag_mean_abs", "offdiag_mean_abs", "offdiag_max_abs_all"],
        None,
    ),
    "figures/fig15_curves.csv": (
        [
            "theory_var_h",
            "theory_var_dh",
            "theory_var_dh_published",
            "empirical_var_h",
            "empirical_var_dh",
        ],
        None,
    ),
}
HEADS = (1, 2, 4, 8, 16, 32)
for _h in HEADS:  # the schedule of each head count: settings, no measured values
    INPUTS[f"results/runs/fig11/heads-{_h}/summary.json"] = ([], ())


# --- the complete inputs ------------------------------------------------------------------------
NU0 = (0.36, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99)
THETA0 = (3.14, 0.993, 0.314, 0.0993, 0.0314)
EPOCHS, SPE = 10, 10
CEIL = 3.16e-3


def _best(experiment, rows, nu0=0.99, theta0=3.14):
    d = pd.DataFrame(rows)
    d.insert(0, "experiment", experiment)
    for col, v in (("nu0", nu0), ("theta0", theta0), ("lr", 1e-3)):
        if col not in d:
            d[col] = v
    return d.assign(
        median=0.9 * d["mean"],
        sem=0.1 * d["mean"],
        n_seeds=3,
        n_diverged=0,
        n_diverged_total=0,
        n_lrs=3,
        flagged=False,
        edge=False,
    )


def _training():
    rnn = [1e-6, 3e-6, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2]
    lru = [1e-6, 1e-6, 2e-6, 2e-6, 3e-6, 4e-6, 5e-6]
    fig3a = [dict(cell="rnn", nu0=n, mean=m) for n, m in zip(NU0, rnn)]
    fig3a += [dict(cell="lru", nu0=n, mean=m) for n, m in zip(NU0, lru)]
    fig3b = {"block-diagonal": 2e-5, "more-neurons": 1e-5, "crnn": 8e-6, "gamma": 6e-6, "lru": 5e-6}
    loss10 = {
        "lru": dict(zip(THETA0, (5e-6, 4e-6, 3e-6, 2e-6, 1e-6))),
        "crnn": dict(zip(THETA0, (1e-5, 2e-5, 1.5e-5, 1e-5, 1.2e-5))),
        "rnn": dict(zip(THETA0, (0.2, 0.15, 0.9, 0.1, 0.03))),
    }
    fig10 = []
    for remap, source in (("default", "fig10"), ("published", "fig10_published")):
        for model, by_theta in loss10.items():
            for th, m in by_theta.items():
                fig10.append(dict(model=model, remap=remap, theta0=th, mean=m, source=source))
    fig10 = _best("fig10", fig10).drop(columns="experiment")
    fig11 = [
        dict(cell=f"heads-{h}", mean=m) for h, m in zip(HEADS, (1e-2, 9e-3, 8e-3, 6e-3, 1e-4, 1e-5))
    ]
    epochs = np.arange(1, EPOCHS + 1)
    step = np.minimum(epochs * SPE, EPOCHS * SPE)
    cosine = 1e-7 + (1e-3 - 1e-7) * 0.5 * (1 + np.cos(np.pi * step / (EPOCHS * SPE)))
    hist = []
    for h in HEADS:
        e = 10.0 ** (np.log2(h) / 2 - 3) * cosine
        hist.append(
            pd.DataFrame(
                dict(
                    cell=f"heads-{h}",
                    lr=1e-3,
                    epoch=epochs,
                    elr_A=np.maximum(e, 1e-8),
                    elrpos_A=e,
                    nonpos_A=0.2,
                )
            )
        )
    schedule = {"name": "cosine", "warmup": 0, "lr_min": 1e-7}
    cfg = {"config": {"schedule": schedule, "steps": EPOCHS * SPE, "steps_per_epoch": SPE}}
    files = {
        "tables/fig3a_best.parquet": _best("fig3a", fig3a),
        "tables/fig3b_best.parquet": _best(
            "fig3b", [dict(cell=k, mean=m) for k, m in fig3b.items()]
        ),
        "tables/fig10.parquet": fig10,
        "tables/fig11_best.parquet": _best("fig11", fig11),
        "tables/fig11_history.parquet": pd.concat(hist, ignore_index=True),
    }
    files |= {f"results/runs/fig11/heads-{h}/summary.json": cfg for h in HEADS}
    return files


def _optimizers():
    nus = (0.36, 0.92, 0.99)
    losses = {
        "rnn-adam": (1e-6, 1e-3, 10.0),
        "rnn-muon": (1e-7, 1e-5, 1e-3),
        "rnn-adafactor": (1e-6, 1e-3, 9.0),
        "rnn-sgd-momentum": (1e-5, 1e-2, 1.0),
        "block-adam": (1e-3, 1e-2, 0.05),
        "block-sgd-momentum": (1e-3, 5.0, 10.0),
        "lru-adam": (1e-4, 1e-2, 0.05),
        "lru-sgd-momentum": (1e-3, 0.1, 100.0),
    }
    rows = [dict(cell=c, nu0=n, mean=m) for c, ls in losses.items() for n, m in zip(nus, ls)]
    return {"tables/optimizers_best.parquet": _best("optimizers", rows)}


def _entries(model, groups):
    return [
        pd.DataFrame(dict(model=model, group=g, entry=np.arange(len(e)), e=e))
        for g, e in groups.items()
    ]


def _hessians():
    rng = np.random.default_rng(0)
    ceil = np.full(16, CEIL)
    fig4_elr = _entries("rnn", {"A": 10 ** rng.uniform(-8, -5, 64), "B": ceil, "C": ceil})
    fig4_elr += _entries(
        "crnn", {g: ceil for g in ("lambda_re", "lambda_im", "B_re", "B_im", "C_re", "C_im")}
    )
    fig4_elr += _entries("crnn", {"D": ceil[:1]})
    spread = 10 ** np.linspace(-6, np.log10(CEIL), 16)
    fig9_elr = _entries("lru", {"omega_nu": ceil, "omega_theta": spread, "omega_gamma": ceil})
    fig9_elr += _entries("s4", {g: np.full(16, 1e-5) for g in ("A_re", "A_im", "Delta")})
    fig9_elr += _entries("s4", {g: ceil for g in ("B_re", "B_im", "C_re", "C_im")})
    fig9_elr += _entries("s4", {"D": ceil[:1]})
    layouts = {
        "rnn": {"A": 16, "B": 4, "C": 4, "D": 1},
        "crnn": {
            "lambda_re": 4,
            "lambda_im": 4,
            "B_re": 4,
            "B_im": 4,
            "C_re": 4,
            "C_im": 4,
            "D": 1,
        },
        "lru": {"omega_theta": 4, "omega_nu": 4, "omega_gamma": 4, "B_re": 4, "B_im": 4}
        | {"C_re": 4, "C_im": 4, "D": 1},
        "s4": {
            "A_re": 4,
            "A_im": 4,
            "Delta": 4,
            "B_re": 4,
            "B_im": 4,
            "C_re": 4,
            "C_im": 4,
            "D": 1,
        },
    }
    # spectra: a few decades of non-negligible eigenvalues, then numerical zeros
    decay = {"rnn": 0.5, "crnn": 0.4, "lru": 0.7, "s4": 0.25}
    tops = {"rnn": 4e4, "crnn": 3e3, "lru": 5e4, "s4": 5e4}
    spectra, vecs = {"fig4": [], "fig9": []}, {"fig4": [], "fig9": []}
    for fig, models in (("fig4", ("rnn", "crnn")), ("fig9", ("lru", "s4"))):
        for m in models:
            groups = [g for g, k in layouts[m].items() for _ in range(k)]
            n = len(groups)
            ev = tops[m] * 10 ** (-decay[m] * np.arange(9))
            ev = np.r_[ev, 1e-17 * np.linspace(1, -1, n - 9)]
            spectra[fig].append(
                pd.DataFrame(dict(model=m, index=np.arange(1, n + 1), eigenvalue=ev))
            )
            for rank in range(1, 11):
                v = np.full(n, 0.01)
                lead = {"rnn": "A", "crnn": "lambda", "lru": "omega_theta", "s4": ("A_", "Delta")}
                hit = [str(g).startswith(lead[m]) for g in groups]
                v[np.array(hit)] = 1.0 if m != "rnn" else rng.uniform(0.5, 1.0, int(np.sum(hit)))
                if m == "crnn":
                    v[np.flatnonzero(hit)[2:]] = 0.05  # the diagonal network: a few coordinates
                vecs[fig].append(
                    pd.DataFrame(
                        dict(model=m, rank=rank, param=np.arange(n), group=groups, value=v)
                    )
                )
    files = {
        "figures/fig4_elr.csv": pd.concat(fig4_elr),
        "figures/fig9_elr.csv": pd.concat(fig9_elr),
    }
    for fig in ("fig4", "fig9"):
        files[f"figures/{fig}_spectrum.csv"] = pd.concat(spectra[fig], ignore_index=True)
        files[f"figures/{fig}_eigvecs.csv"] = pd.concat(vecs[fig], ignore_index=True)
    # Fig 10 top: the plotted top eigenvectors delocalise as theta0 shrinks
    spec, ev = [], []
    for th, top, width in ((0.0314159, 1e9, 10), (0.314159, 1e7, 2), (3.14159, 1e5, 2)):
        model = f"theta0={th}"
        spec.append(
            pd.DataFrame(
                dict(model=model, index=np.arange(1, 21), eigenvalue=top * 0.5 ** np.arange(20))
            )
        )
        for k in range(1, 11):
            v = np.zeros(20)
            v[(np.arange(width) + 2 * k) % 20] = np.linspace(1.0, 0.5, width)
            ev.append(pd.DataFrame(dict(model=model, rank=k, param=np.arange(20), value=v)))
    files["figures/fig10_spectrum.csv"] = pd.concat(spec, ignore_index=True)
    files["figures/fig10_eigvecs.csv"] = pd.concat(ev, ignore_index=True)
    return files


def _theory():
    from curse_of_memory.theory import figdata as F

    f1, f2 = F.fig1_data(n=400), F.fig2_data(n=1000)
    f6 = F.fig6_data(n=400, n_polar_angle=400)
    fig7 = pd.DataFrame(
        dict(
            param=["polar", "exp", "opt"],
            final_loss=[0.059, 1e-7, 16.8],
            mid_loss=[0.06, 1e-6, 16.9],
            init_w_theta=[0.785, -0.24, 54.98],
            final_w_theta=[0.03, -3.46, 54.62],
            target_w_theta=[0.0314, -3.46, 2.2],
        )
    )
    return {
        "figures/fig1_A.csv": f1["A"],
        "figures/fig1_B.csv": f1["B"],
        "figures/fig1_C.csv": f1["C"],
        "figures/fig2_left.csv": f2["left"],
        "figures/fig2_right.csv": f2["right"],
        "figures/fig6_optimum.csv": f6["optimum"],
        "figures/fig6_curves.csv": f6["curves"],
        "figures/fig7_summary.csv": fig7,
        "figures/fig7_published_summary.csv": fig7.copy(),
        "figures/fig8_summary.csv": F.fig8_data()[1],
    }


T_MEM = np.array([1, 10**0.5, 10, 10**1.5, 100])


def _curve(value, **keys):
    return pd.DataFrame(dict(**keys, t_mem=T_MEM, value=value))


def _init_parts():
    t = T_MEM
    a = [_curve(t ** (1 + l / 3), arch="crnn", layer=l) for l in range(4)]
    a += [_curve(np.ones(5), arch=x, layer=l) for x in ("lru", "gru") for l in range(4)]
    groups = {
        ("crnn", "lambda"): t**4,
        ("crnn", "all_but_lambda"): t**2,
        ("lru", "theta"): t**1.5,
        ("lru", "nu"): np.ones(5),
        ("lru", "all_but_lambda"): np.ones(5),
        ("gru", "seq"): np.ones(5),
        ("gru", "all_but_seq"): np.ones(5),
    }
    b = [_curve(y, arch=x, group=g) for (x, g), y in groups.items()]
    norms = {
        ("none", "lambda"): t**4,
        ("none", "all_but_lambda"): t**2,
        ("layer", "lambda"): t**1,
        ("layer", "all_but_lambda"): np.ones(5),
        ("batch", "lambda"): t**1.2,
        ("batch", "all_but_lambda"): np.ones(5),
    }
    c = [_curve(y, norm=n, group=g) for (n, g), y in norms.items() if n != "batch"]
    n13 = [_curve(y, norm=n, group=g, quantity="grad") for (n, g), y in norms.items()]
    n13 += [
        _curve(np.ones(5), norm=n, group="lambda", quantity="activity") for n in ("none", "layer")
    ]
    layers = [_curve(y, arch=x, group=g, layer=l) for (x, g), y in groups.items() for l in range(4)]
    lag = np.arange(101)
    slow = 0.1 * 0.99**lag + np.where(lag == 0, 1.0, 0.0)  # white part 1, slow part 0.1 r^lag
    return a, b, c, n13, layers, lag, slow


def _init_files():
    from curse_of_memory.data.autocorrelation import fit

    a, b, c, n13, layers, lag, slow = _init_parts()
    fig12 = pd.DataFrame(dict(lag=lag, c=slow + 0.02, c_centred=slow))
    fig14 = []
    settings = [(0, 0, 1, 0.0), (0, 1, 16, 0.0), (0, 2, 256, 0.0), (1, 0, 1, 1.0), (1, 1, 16, 1.0)]
    settings += [(1, 2, 256, 1.0), (2, 0, 16, 0.0), (2, 1, 16, 1.0), (2, 2, 16, 3.0)]
    for row, col, t_max, sh in settings:
        for dt in (1, 4, 16, 64):
            fig14.append(
                dict(
                    row=row,
                    col=col,
                    t_max=t_max,
                    scale_h=sh,
                    dt=dt,
                    diag_mean_abs=math.exp(-dt / (t_max + 1)),
                    offdiag_mean_abs=0.0 if row == 0 else 0.005 * max(sh, 1.0) * sh,
                    offdiag_max_abs_all=0.0 if row == 0 else 0.05,
                )
            )
    T = np.geomspace(2, 256, 20)
    th = 1 / (1 + 0.1 * np.log(T))
    fig15 = pd.concat(
        pd.DataFrame(
            dict(
                setting=s,
                T=T,
                theory_var_h=th,
                theory_var_dh=th / 2,
                theory_var_dh_published=th / 2 * (1 + 1 / T),
                empirical_var_h=th * 1.3,
                empirical_var_dh=th / 2 * 0.8,
            )
        )
        for s in ("Constant gates", "Input-dependent gates", "Input and hidden-dependent gates")
    )
    return {
        "figures/fig5_A.csv": pd.concat(a).rename(columns={"value": "activity"}),
        "figures/fig5_B.csv": pd.concat(b).rename(columns={"value": "grad_sq"}),
        "figures/fig5_C.csv": pd.concat(c).rename(columns={"value": "grad_sq"}),
        "figures/fig13_layers.csv": pd.concat(layers).rename(columns={"value": "grad_sq"}),
        "figures/fig13_norm.csv": pd.concat(n13).rename(columns={"value": "grad_sq"}),
        "figures/fig12.csv": fig12,
        "results/data/autocorrelation_fit.json": {
            "default": fit(fig12["c"].to_numpy(), start=1),
            "n_sequences": 64,
            "seq_len": 512,
            "max_lag": 100,
        },
        "figures/fig14_summary.csv": pd.DataFrame(fig14),
        "figures/fig15_curves.csv": fig15,
    }


def complete_inputs() -> dict:
    """Inputs on which every registered check reaches a verdict."""
    return _training() | _optimizers() | _hessians() | _theory() | _init_files()


# --- the scenarios ------------------------------------------------------------------------------
def all_diverged(files: dict, value) -> dict:
    """Every measured value of every input set to ``value`` (NaN or inf)."""
    out = {}
    for rel, data in files.items():
        cols = INPUTS[rel][0]
        if isinstance(data, dict):
            data = copy.deepcopy(data)
            for k in cols:
                data["default"][k] = value
        else:
            data = data.assign(**{c: value for c in cols if c in data.columns})
        out[rel] = data
    return out


def points(rel: str, data) -> list:
    """The index labels of each point of an input (INPUTS)."""
    key = INPUTS[rel][1]
    if key == ():
        return []
    data = data.reset_index(drop=True)
    if key is None:
        return [[i] for i in data.index]
    return [list(g.index) for _, g in data.groupby(key, sort=False)]


def without(files: dict, rel: str, rows: list) -> dict:
    return files | {rel: files[rel].reset_index(drop=True).drop(index=rows)}


def diverged(files: dict, rel: str, rows: list) -> dict:
    d = files[rel].reset_index(drop=True).copy()
    cols = [c for c in INPUTS[rel][0] if c in d.columns]
    d.loc[rows, cols] = math.nan
    return files | {rel: d}


def _judge(cid: str, files: dict) -> tuple[dict, set]:
    (c,) = [c for c in C.CLAIMS if c.id == cid]
    src = memory(files)
    return C.judge(c, src), src.reads


@pytest.fixture(scope="module")
def complete():
    return complete_inputs()


@pytest.fixture(scope="module")
def baseline(complete):
    return {c.id: _judge(c.id, complete) for c in C.CLAIMS}


def test_the_complete_inputs_cover_every_check(complete, baseline):
    """Every check reaches a verdict on the complete inputs (so that the scenarios below test
    something), and every input it reads is declared in INPUTS (its values and its points)."""
    for cid, (rec, reads) in baseline.items():
        assert rec["status"] in ("pass", "fail"), (cid, rec.get("reason"))
        if "median" in rec:
            assert rec["median"]["status"] in ("pass", "fail"), (cid, rec["median"])
        assert reads <= set(INPUTS), (cid, reads - set(INPUTS))
    assert set(complete) <= set(INPUTS)


SCENARIOS = ("all diverged (NaN)", "all diverged (inf)", "missing point", "diverged point")


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("cid", [c.id for c in C.CLAIMS])
def test_no_verdict_on_numbers_the_check_does_not_have(cid, scenario, complete, baseline):
    base, reads = baseline[cid]
    if scenario.startswith("all diverged"):
        value = math.nan if "NaN" in scenario else math.inf
        rec, _ = _judge(cid, all_diverged(complete, value))
        assert rec["status"] == "not evaluated", (rec["status"], rec["values"])
        assert rec["pass"] is False and rec.get("reason")
        if "median" in rec:
            assert rec["median"]["status"] == "not evaluated", rec["median"]
        return
    change = without if scenario == "missing point" else diverged
    n = 0
    for rel in sorted(reads & set(complete)):
        for rows in points(rel, complete[rel]):
            rec, _ = _judge(cid, change(complete, rel, rows))
            n += 1
            where = (rel, complete[rel].reset_index(drop=True).loc[rows].iloc[0].to_dict())
            assert rec["status"] != "error", (where, rec.get("reason"))
            if rec["status"] == "not evaluated":
                continue
            # the point was not read: the same verdict on the same numbers
            assert rec["status"] == base["status"], (where, rec["values"])
            assert rec["values"].items() <= base["values"].items(), (where, rec["values"])
            if "median" in base and rec.get("median", {}).get("status") != "not evaluated":
                assert rec["median"]["status"] == base["median"]["status"], where
    assert n > 0
