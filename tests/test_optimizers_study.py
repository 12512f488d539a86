"""The optimizer study: curves, claims, table, numbers and the figure on synthetic
aggregated tables (results/tables/optimizers_best.parquet format)."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from latex_check import assert_compiles

from curse_of_memory.claims import core
from curse_of_memory.claims import optimizers as co
from curse_of_memory.experiments import build_cells

ROOT = Path(__file__).resolve().parents[1]
NUS = (0.36, 0.92, 0.99)


def _best(losses, flagged=(), diverged=()):
    """losses: {cell: [loss at each of NUS]}; NaN = every run diverged."""
    rows = []
    for cell, ls in losses.items():
        for nu, loss in zip(NUS, ls):
            rows.append(
                dict(
                    experiment="optimizers",
                    cell=cell,
                    nu0=nu,
                    theta0=3.14,
                    lr=1e-3,
                    mean=loss,
                    sem=0.1 * loss,
                    n_seeds=3,
                    n_diverged=0,
                    n_diverged_total=9 if math.isnan(loss) else int((cell, nu) in diverged),
                    flagged=(cell, nu) in flagged or math.isnan(loss),
                    edge=nu == 0.99,
                )
            )
    return pd.DataFrame(rows)


# the paper's picture plus a Muon that helps and an Adafactor that does not
PAPERLIKE = {
    "rnn-adam": [1e-6, 1e-3, 10.0],
    "rnn-muon": [1e-7, 1e-5, 1e-3],
    "rnn-adafactor": [1e-6, 1e-3, 9.0],
    "rnn-sgd-momentum": [1e-5, float("nan"), float("nan")],
    "block-adam": [1e-3, 1e-2, 0.05],
    "block-sgd-momentum": [1e-3, 5.0, float("nan")],
    "lru-adam": [1e-4, 1e-2, 0.05],
    "lru-sgd-momentum": [1e-3, 0.1, 100.0],
}


def _evaluate(tmp_path, best):
    (tmp_path / "t").mkdir(exist_ok=True)
    best.to_parquet(tmp_path / "t" / "optimizers_best.parquet")
    src = core.Sources(tmp_path / "f", tmp_path / "t", tmp_path / "r")
    recs = core.evaluate(src, [c for c in core.CLAIMS if c.figure == "fig_optimizers"])
    return {r["id"].split(".", 1)[1]: r for r in recs}


def test_split_cell_and_curves():
    assert co.split_cell("rnn-sgd-momentum") == ("rnn", "sgd_momentum")
    assert co.split_cell("lru-adam") == ("lru", "adam")
    with pytest.raises(ValueError):
        co.split_cell("heads-2")
    c = co.curves(_best(PAPERLIKE))
    assert len(c) == 3 * len(PAPERLIKE)
    assert list(c["arch"].unique()) == ["rnn", "block", "lru"]  # panel order
    assert np.allclose(c.loc[c["cell"] == "rnn-adam", "x"], co.x_of(NUS)) and np.isclose(
        co.x_of(0.99), 6
    )
    dead = c[c["all_diverged"]]
    assert set(zip(dead["cell"], dead["nu0"])) == {
        ("rnn-sgd-momentum", 0.92),
        ("rnn-sgd-momentum", 0.99),
        ("block-sgd-momentum", 0.99),
    }


def test_claims_pass_on_paperlike_data(tmp_path):
    r = _evaluate(tmp_path, _best(PAPERLIKE))
    assert r["adam_dense_degrades"]["status"] == "pass"
    assert r["adam_dense_degrades"]["values"]["ratio"] == pytest.approx(1e7)
    sgd = r["sgd_momentum_degrades_diagonal"]
    # block: every run diverged at 0.99 -> no loss to compare: not evaluated (diverged is not
    # degraded); the replaced criterion counted it as degraded and passed
    assert sgd["status"] == "not evaluated" and not sgd["pass"]
    assert "block-sgd-momentum: every seed of every lr diverged" in sgd["reason"]
    old = sgd["superseded"][0]
    assert old["status"] == "pass" and old["changed"] == "2026-11-30"
    assert old["values"]["block_ratio"] is None and old["values"]["block_all_diverged_099"] == 1.0
    assert old["values"]["lru_ratio"] == pytest.approx(1e5)
    assert r["muon_vs_adam_dense"]["status"] == "pass"
    assert r["muon_vs_adam_dense"]["values"]["ratio"] == pytest.approx(1e-4)
    assert r["adafactor_vs_adam_dense"]["status"] == "fail"  # 0.9: not an order of magnitude
    assert r["adafactor_vs_adam_dense"]["values"]["ratio"] == pytest.approx(0.9)


def test_claims_fail_when_the_effect_is_absent(tmp_path):
    flat = {k: [1e-3, 1e-3, 2e-3] for k in PAPERLIKE}
    r = _evaluate(tmp_path, _best(flat))
    assert r["adam_dense_degrades"]["status"] == "fail"
    assert r["sgd_momentum_degrades_diagonal"]["status"] == "fail"
    assert r["muon_vs_adam_dense"]["status"] == "fail"  # Muon equal to Adam


def test_claims_not_evaluated_without_table_or_cells(tmp_path):
    src = core.Sources(tmp_path / "f", tmp_path / "t", tmp_path / "r")
    recs = core.evaluate(src, [c for c in core.CLAIMS if c.figure == "fig_optimizers"])
    assert len(recs) == 4 and all(x["status"] == "not evaluated" and not x["pass"] for x in recs)
    only_adam = {"rnn-adam": PAPERLIKE["rnn-adam"]}
    r = _evaluate(tmp_path, _best(only_adam))
    assert r["adam_dense_degrades"]["status"] == "pass"
    assert r["muon_vs_adam_dense"]["status"] == "not evaluated"
    dead_adam = dict(PAPERLIKE, **{"rnn-adam": [1e-6, 1e-3, float("nan")]})
    assert _evaluate(tmp_path, _best(dead_adam))["muon_vs_adam_dense"]["status"] == "not evaluated"


def test_table_and_numbers():
    c = co.curves(_best(PAPERLIKE, flagged={("block-sgd-momentum", 0.92)}))
    grids = {k: [0.032, 0.01, 0.0032, 0.001, 3.2e-4, 1e-4, 3.2e-5] for k in PAPERLIKE}
    tex = co.lr_table(c, grids, "quick")
    assert r"\toprule" in tex and r"\bottomrule" in tex and tex.count(r" \\") == 1 + len(PAPERLIKE)
    assert "--" in tex and r"$^\dagger$" in tex and "$^*$" in tex
    assert "18/63" in tex  # rnn-sgd-momentum: 2 points x 9 diverged runs of 3 seeds x 7 lrs x 3 nu0
    n = co.numbers(c)
    assert n["OptMuonOverAdam"] == r"\ensuremath{1\times10^{-4}}"
    assert n["OptDenseAdamLoss"] == "10" and n["OptDenseSgdmLoss"] == "n/a"
    assert (
        n["OptLruMuonLoss"] == "n/a"
        and n["OptAllDivergedCount"] == "3"
        and n["OptFlaggedCount"] == "1"
    )
    assert co.numbers_tex(n).count(r"\newcommand") == len(n)
    empty = co.numbers(co.curves(pd.DataFrame(columns=co.BEST_COLUMNS)))
    assert set(empty) == set(n) and set(empty.values()) == {"n/a"}


def _script():
    spec = importlib.util.spec_from_file_location(
        "fig_optimizers", ROOT / "workflow/scripts/fig_optimizers.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_figure_on_synthetic_and_empty_tables(tmp_path):
    mod = _script()
    c = co.curves(_best(PAPERLIKE))
    mod.plot(c, tmp_path / "fig_optimizers.pdf", tier="quick")
    assert (tmp_path / "fig_optimizers.pdf").stat().st_size > 0 and (
        tmp_path / "fig_optimizers.png"
    ).exists()
    back = pd.read_csv(tmp_path / "fig_optimizers.csv")
    assert len(back) == len(c) and np.allclose(back["loss"].dropna(), c["loss"].dropna())
    mod.plot(co.curves(pd.DataFrame(columns=co.BEST_COLUMNS)), tmp_path / "empty.pdf", tier="test")
    assert (tmp_path / "empty.pdf").exists()


def test_paper_scale_reference_is_drawn_beside_with_its_grid_edges(tmp_path):
    """The reference's rows are drawn and written with source "paper-tier reference"; a best lr
    at the top (bottom) of the cell's paper grid is found as such."""
    mod = _script()
    grid = [0.032, 0.01, 0.0032, 0.001, 3.2e-4, 1e-4, 3.2e-5]
    grids = dict.fromkeys(PAPERLIKE, grid)
    ref_best = _best(PAPERLIKE)
    ref_best.loc[ref_best["cell"] == "rnn-muon", "lr"] = [0.032, 0.01, 3.2e-5]
    ref = co.edge_sides(co.curves(ref_best), grids)
    muon = ref[ref["cell"] == "rnn-muon"]
    assert list(muon["edge_side"]) == ["top", "", "bottom"]
    assert (ref.loc[ref["all_diverged"], "edge_side"] == "").all()
    assert co.grid_extensions(ref) == {"rnn-muon": ["top", "bottom"]}
    mod.plot(co.curves(_best(PAPERLIKE)), tmp_path / "f.pdf", tier="quick", ref=ref)
    back = pd.read_csv(tmp_path / "f.csv", keep_default_na=False)
    assert sorted(set(back["source"])) == [mod.REFERENCE, mod.THIS_RUN]
    assert (back["source"] == mod.REFERENCE).sum() == len(ref)
    tex = co.lr_table(ref, grids, "paper", reference=True)
    assert r"\label{tab:optimizers-reference}" in tex and "reference run" in tex
    n = co.numbers(ref, prefix="Ref")
    assert set(n) == {"Ref" + k for k in co.numbers(ref)} and n["RefOptDenseAdamLoss"] == "10"


def test_grid_edge_rule_adds_one_half_decade_value_beyond_the_edge():
    grid = [0.032, 0.01, 0.0032, 0.001, 3.2e-4, 1e-4, 3.2e-5]
    assert co.extended_grid(grid, ["top"]) == [0.1] + grid
    assert co.extended_grid(grid, ["bottom"]) == grid + [1e-5]
    adafactor = [0.32, 0.1, 0.032, 0.01, 0.0032, 0.001, 3.2e-4]
    assert co.extended_grid(adafactor, ["top", "bottom"]) == [1.0] + adafactor + [1e-4]
    assert co.extended_grid([0.1, 0.032], ["top"]) == [0.32, 0.1, 0.032]
    assert co.extended_grid(grid, []) == grid


def test_grid_extension_before_and_after_reaches_the_pdf(tmp_path):
    """The reference's record of a retrain (its replaced best-lr rows) and its current table give
    the before/after table: every old edge point, its side, and the point now; the rendered
    LaTeX compiles.  Without a recorded retrain there is nothing to print."""
    grid = [0.032, 0.01, 0.0032, 0.001, 3.2e-4, 1e-4, 3.2e-5]
    wider = co.extended_grid(grid, ["top"])
    before = _best({"rnn-muon": [1.0, 2.0, 4.0], "rnn-sgd-momentum": [1.0, 1.0, math.nan]})
    before["lr"] = [0.032, 0.01, 0.032, 1e-3, 1e-3, 1e-3]  # muon: top edge at nu0 0.36 and 0.99
    after = _best(
        {"rnn-muon": [0.5, 2.0, 4.0], "rnn-adam": [1.0, 1.0, 1.0], "rnn-sgd-momentum": [1, 1, 9]},
        flagged=[("rnn-sgd-momentum", 0.99)],  # its loss only from the seeds that did not diverge
    )
    after["lr"] = [0.1, 0.01, 0.032] + [1e-3] * 6  # muon: 0.36 moved; 0.99 kept its lr
    grids = {"rnn-muon": wider, "rnn-adam": grid, "rnn-sgd-momentum": grid}
    now = co.edge_sides(co.curves(after), grids)
    replaced = [dict(r, grid=grid) for r in before.drop(columns=["flagged"]).to_dict("records")]
    prov = {
        "additions": [
            {"experiments": ["optimizers"]},
            {
                "cells": ["optimizers/rnn-muon"],
                "replaced_best": replaced,
                "runs": 210,
                "started": "2026-12-07T10:06:59Z",
                "finished": "2026-12-07T11:00:00Z",
            },
        ]
    }
    tex = co.extension_tex(prov, now)
    assert r"\label{tab:optimizers-extension}" in tex
    assert "2 of its 9 points" in tex and "1 of the 2 moved" in tex and "1 kept" in tex
    assert "Of the 1 points of these cells where every run had diverged, 1 now have a loss" in tex
    assert "(1 of them only from the seeds that did not diverge)" in tex
    assert "factor 0.5 to 1" in tex
    assert "1 of the 9 points now sit on an edge" in tex  # 0.1: the extended grid's top
    rows = [line for line in tex.splitlines() if line.startswith("dense RNN & Muon")]
    assert len(rows) == 2 and "(top)" in rows[0] and "0.1$^*$" in rows[0]
    (lost,) = [line for line in tex.splitlines() if line.startswith("dense RNN & SGD")]
    assert (
        lost.startswith("dense RNN & SGD+momentum & 0.99 & -- & ")
        and "dagger" in lost
        and lost.endswith("& -- & 9 \\\\")
    )
    assert co.extension_tex({"additions": [{"experiments": ["optimizers"]}]}, now) == ""
    assert co.extension_tex(None, now) == ""
    assert_compiles(tex, tmp_path, "\\usepackage{booktabs}")


def test_cell_names_say_their_architecture_and_optimizer():
    """The figure and the claims read a cell's architecture and optimizer from its name
    (<architecture>-<optimizer>): every configured cell's name must agree with its settings, and
    the study is not trained in the test tier (its 6 training jobs are taken)."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text())
    cells = {c: v for (e, c), v in build_cells(raw["training"]).items() if e == "optimizers"}
    assert cells
    model_of = {"rnn": ("rnn", 1), "block": ("rnn", 32), "lru": ("lru", None)}
    for name, v in cells.items():
        arch, opt = co.split_cell(name)
        assert v["cell"]["optimizer"]["name"] == opt, name
        model = v["cell"]["model"]
        assert (model["name"], model.get("heads")) == model_of[arch], name
    assert "optimizers" not in raw["tiers"]["test"]["training"]["select"]


def test_verdict_words_follow_the_numbers():
    assert co.compare_words(1e-4, "Adam's").startswith("lower than Adam's by at least")
    assert co.compare_words(0.9, "Adam's").startswith("within an order")
    assert co.compare_words(50.0, "Adam's").startswith("higher than")
    assert "diverged" in co.compare_words(math.inf, "Adam's")
    n = co.numbers(co.curves(_best(PAPERLIKE)))
    assert n["OptMuonVerdict"].startswith("lower") and n["OptAdafactorVerdict"].startswith("within")
    assert n["OptAdamVerdict"] == "rises by orders of magnitude"
    assert n["OptMuonVsBlockVerdict"].startswith("lower than the block-diagonal RNN")
    assert n["OptSgdmVerdict"].startswith("cannot be judged")  # block diverged everywhere at 0.99
    flat = co.numbers(co.curves(_best({k: [1e-3, 1e-3, 2e-3] for k in PAPERLIKE})))
    assert flat["OptAdamVerdict"].startswith("does not") and flat["OptSgdmVerdict"].startswith(
        "do not"
    )


def test_sgd_momentum_degradation_is_measured_not_inferred_from_divergence(tmp_path):
    """Present: both diagonal models degrade by >= 100 with finite losses -> pass.  Absent: they
    stay flat -> fail.  Every run diverged at 0.99 (a too aggressive grid) -> not evaluated."""
    deg = dict(PAPERLIKE, **{"block-sgd-momentum": [1e-3, 5.0, 10.0]})
    r = _evaluate(tmp_path, _best(deg))["sgd_momentum_degrades_diagonal"]
    assert r["status"] == "pass"
    assert r["values"]["block_ratio"] == pytest.approx(1e4) and r["values"][
        "lru_ratio"
    ] == pytest.approx(1e5)
    assert (
        co.numbers(co.curves(_best(deg)))["OptSgdmVerdict"]
        == "degrade by orders of magnitude as well"
    )
    flat = dict(
        deg, **{"block-sgd-momentum": [1e-3, 1e-3, 2e-3], "lru-sgd-momentum": [1e-3, 1e-3, 2e-3]}
    )
    assert _evaluate(tmp_path, _best(flat))["sgd_momentum_degrades_diagonal"]["status"] == "fail"
    dead = dict(deg, **{"lru-sgd-momentum": [1e-3, float("nan"), float("nan")]})
    r = _evaluate(tmp_path, _best(dead))["sgd_momentum_degrades_diagonal"]
    assert r["status"] == "not evaluated" and "lru-sgd-momentum" in r["reason"]
    assert r["superseded"][0]["status"] == "pass"
