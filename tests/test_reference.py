"""The shipped paper-tier reference run (results/reference/paper): complete, self-consistent,
rebuildable without training, and reproduced by this checkout's training code."""

import json
import math
import platform

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from latex_check import assert_compiles
from repo_copy import ROOT, dry_run_jobs, snakemake

from curse_of_memory import aggregate as agg
from curse_of_memory.claims.core import CLAIMS
from curse_of_memory.claims.reference import add_reference, is_training_claim, section_tex
from curse_of_memory.provenance import PAPER_EXPERIMENTS, REFERENCE_DIR, _machine
from curse_of_memory.train import run_cell

REF = ROOT / REFERENCE_DIR
PROV = (
    json.loads((REF / "provenance.json").read_text())
    if (REF / "provenance.json").exists()
    else None
)
pytestmark = pytest.mark.skipif(
    PROV is None, reason="no paper-tier reference shipped in this checkout"
)
# runs Snakemake or trains a cell: end to end (tests/README.md)
e2e = pytest.mark.e2e


def test_provenance_is_complete():
    for key in (
        "tier",
        "commit",
        "training_fingerprint",
        "device",
        "torch",
        "started",
        "finished",
        "wall_seconds",
        "runs",
        "run_steps",
        "command",
    ):
        assert PROV.get(key) not in (None, ""), key
    assert PROV["tier"] == "paper"
    assert PROV["runs"] >= 2805  # the paper's figures, as-published variants included
    assert set(PAPER_EXPERIMENTS) <= set(PROV["experiments"])
    assert PROV["run_steps"] == sum(c["members"] * c["steps"] for c in PROV["cells"])
    assert all(c["steps"] == 10000 for c in PROV["cells"])
    size = sum(p.stat().st_size for p in REF.rglob("*") if p.is_file())
    assert size <= 25 * 2**20, f"reference folder is {size / 2**20:.1f} MB"


def test_tables_follow_from_the_shipped_runs():
    """Independent check: re-aggregating runs/members.parquet gives the shipped tables, and each
    member's final loss is the mean loss of its last epoch in runs/epochs.parquet."""
    members = pd.read_parquet(REF / "runs" / "members.parquet")
    epochs = pd.read_parquet(REF / "runs" / "epochs.parquet")
    assert len(members) == PROV["runs"]
    last = epochs[epochs["epoch"] == epochs["epoch"].max()].set_index(
        ["experiment", "cell", "member"]
    )
    m = members.set_index(["experiment", "cell", "member"])
    shared = last.index.intersection(m.index)
    assert len(shared) == len(m)
    got = last.loc[shared, "train_loss"].to_numpy(np.float64)
    want = m.loc[shared, "final_train_loss"].to_numpy(np.float64)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-7, atol=0)
    for exp in ("fig3a", "fig11"):
        d = members[members["experiment"] == exp].rename(columns={"final_train_loss": "final_loss"})
        d = d.assign(experiment=exp, diverged=d["diverged_step"] >= 0)
        d["cell"] = d["cell"].astype(str)
        d.loc[d["diverged"], "final_loss"] = np.nan
        mine = agg.by_lr(
            d[["experiment", "cell", "nu0", "theta0", "lr", "seed", "final_loss", "diverged"]]
        )
        shipped = pd.read_parquet(REF / "tables" / f"{exp}_by_lr.parquet")
        key = ["cell", "nu0", "theta0", "lr"]
        both = mine.merge(shipped, on=key, suffixes=("", "_shipped"))
        assert len(both) == len(shipped) == len(mine)
        assert (both["n_seeds"] == both["n_seeds_shipped"]).all()
        assert np.allclose(both["mean"], both["mean_shipped"], rtol=1e-12, equal_nan=True)


@e2e
def test_rebuild_from_reference_schedules_no_training():
    proc = snakemake(ROOT, "-n", "--config", "tier=paper", "runs=reference", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rules = {j["rule"] for j in dry_run_jobs(proc.stdout)}
    assert "train_cell" not in rules and "write_cell" not in rules
    assert {"aggregate", "fig3", "fig11", "fig10", "claims"} <= rules or "aggregate" in rules


@e2e
def test_reference_switch_needs_the_paper_tier():
    proc = snakemake(ROOT, "-n", "--config", "tier=quick", "runs=reference", timeout=300)
    assert proc.returncode != 0
    err = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "tier=paper" in err[0]


def test_training_claims_are_judged_on_the_reference():
    records = [{"id": c.id, "figure": c.figure, "status": "fail", "values": {}} for c in CLAIMS]
    prov = add_reference(records, REF)
    assert prov["tier"] == "paper"
    training = [r for r in records if is_training_claim(r)]
    assert training and all("reference" in r for r in training)
    assert all("reference" not in r for r in records if not is_training_claim(r))
    judged = [r for r in training if r["figure"] != "fig_optimizers"]
    assert sum(r["reference"]["status"] != "not evaluated" for r in judged) >= len(judged) - 2


def test_section_says_whether_the_code_matches():
    fp = PROV["training_fingerprint"]
    alike = dict(PROV, additions=[dict(a, training_fingerprint=fp) for a in PROV["additions"]])
    same = section_tex(alike, fp, [], "quick", "train")
    other = section_tex(PROV, "0" * 16, [], "quick", "train")
    assert "same fingerprint" in same and "older training code" not in same
    assert "older training code" in other
    if any(a["training_fingerprint"] != fp for a in PROV["additions"]):  # one run differs
        assert "older training code" in section_tex(PROV, fp, [], "quick", "train")


def test_section_compiles_with_every_addition(tmp_path):
    """The shipped reference's section (with its later additions) is valid LaTeX on its own."""
    body = section_tex(PROV, PROV["training_fingerprint"], [], "quick", "train")
    assert_compiles(body, tmp_path, "\\usepackage{xcolor}\\definecolor{failred}{rgb}{.7,0,0}")
    assert "Added later" in body and "\\{,}" not in body


def _smallest_single_run():
    cells = [c for c in PROV["cells"] if c["experiment"] in ("fig4", "fig9")]
    return min(cells, key=lambda c: c["wall_seconds"])


@e2e
def test_retraining_a_reference_cell_reproduces_it(tmp_path):
    """This checkout's engine, rerun on the cheapest paper-tier cell (a single run of Fig 4/9),
    gives the reference's numbers: bit-identical on the machine and thread count that made the
    reference, else every per-epoch loss within 1e-3 relative."""
    c = _smallest_single_run()
    cdir = REF / "runs" / c["experiment"] / c["cell"]
    cell = yaml.safe_load((cdir / "cell.yaml").read_text())
    torch.set_num_threads(1)
    summary = run_cell(dict(cell, device="cpu"), tmp_path / "o", state_dir="none", threads=1)
    got = pd.read_parquet(tmp_path / "o" / "metrics.parquet")
    epochs = pd.read_parquet(REF / "runs" / "epochs.parquet")
    ref = epochs[(epochs["experiment"] == c["experiment"]) & (epochs["cell"] == c["cell"])]
    ref = ref.sort_values(["member", "epoch"])["train_loss"].to_numpy(np.float64)
    mine = got.sort_values(["member", "epoch"])["train_loss"].to_numpy(np.float64)
    same_machine = (
        _machine() == PROV["machine"]
        and PROV.get("threads_per_job") == [1]
        and torch.__version__ == PROV["torch"]
    )
    final_ref = torch.load(cdir / "final.pt", weights_only=True)["params"]
    final_new = torch.load(tmp_path / "o" / "final.pt", weights_only=True)["params"]
    if same_machine:
        assert np.array_equal(mine, ref)
        assert all(torch.equal(final_new[k], final_ref[k]) for k in final_ref)
    else:
        assert np.allclose(mine, ref, rtol=1e-3), platform.processor()
    assert math.isfinite(summary["members"][0]["final_train_loss"])


def test_the_main_reference_is_on_the_papers_teacher_and_the_second_on_the_other_draw():
    """results/reference/paper was trained on the paper's own teacher draw (the default), the
    second folder on the PyTorch draw; each cell of each says so."""
    assert PROV["teacher_rng"] == "jax"
    assert all(c["teacher_rng"] == "jax" for c in PROV["cells"])
    second = json.loads((REF.parent / "paper-torch-teacher" / "provenance.json").read_text())
    assert second["teacher_rng"] == "torch" and second["runs"] >= 2805
    # the main reference is what config.yaml trains by default
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert cfg["training"]["defaults"]["task"]["teacher_rng"] == PROV["teacher_rng"]


def test_the_reference_holds_the_optimizer_study_added_later():
    """The optimizer study at the paper's scale is part of the reference: every cell config.yaml
    configures for it, with the paper-scale grid, and the run that added it keeps its own
    provenance (command, times, commit) under `additions`, as does each later retrain of cells
    whose grid the grid-edge rule extended."""
    from curse_of_memory.experiments import build_cells

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cells = build_cells(cfg["training"])  # the paper-scale cells
    want = {c: v["cell"]["lrs"] for (e, c), v in cells.items() if e == "optimizers"}
    got = {c["cell"]: c for c in PROV["cells"] if c["experiment"] == "optimizers"}
    assert set(got) == set(want) and "optimizers" in PROV["experiments"]
    members = pd.read_parquet(REF / "runs" / "members.parquet")
    mine = members[members["experiment"] == "optimizers"]
    for cell, lrs in want.items():
        d = mine[mine["cell"] == cell]
        assert sorted(set(d["lr"])) == sorted(lrs), cell
        assert len(d) == got[cell]["members"] and got[cell]["steps"] == 10000
    added, *retrains = [a for a in PROV["additions"] if "optimizers" in a["experiments"]]
    assert "cells" not in added and added["command"] and added["started"] < added["finished"]
    # the runs shipped are the first run's, less the cells trained again, plus their new runs
    replaced = sum(c["members"] for a in retrains for c in a["replaced"])
    assert added["runs"] - replaced + sum(a["runs"] for a in retrains) == len(mine)
    for a in retrains:  # a cell was trained again because its grid changed, to the configured one
        for row in a["replaced_best"]:
            assert row["grid"] != want[row["cell"]] and set(row["grid"]) < set(want[row["cell"]])
