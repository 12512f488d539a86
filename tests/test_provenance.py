"""Source fingerprints and the reduced tiers' lr window centred on a reference run."""

import json

import pandas as pd
import pytest
from repo_copy import ROOT

from curse_of_memory.provenance import (
    reference_best_lrs,
    reference_lr_window,
    source_fingerprint,
    training_fingerprint,
)

GRID = [0.32, 0.1, 0.032, 0.01, 0.0032]


def test_window_is_centred_on_the_median_best_lr_and_stays_in_the_grid():
    assert reference_lr_window(GRID, [0.01, 0.01, 0.0032], 3) == [0.032, 0.01, 0.0032]
    assert reference_lr_window(GRID, [0.32], 3) == [0.32, 0.1, 0.032]  # shifted inside
    assert reference_lr_window(GRID, [0.0032], 3) == [0.032, 0.01, 0.0032]
    assert reference_lr_window(GRID, [0.1, 0.01], 3) == [0.32, 0.1, 0.032]  # even: the larger lr
    assert reference_lr_window(GRID, [float("nan")], 3) is None  # nothing to centre on
    assert reference_lr_window(GRID, [0.5], 3) is None  # not a grid value
    assert reference_lr_window([1e-3], [1e-3], 3) == [1e-3]


def test_best_lrs_are_read_per_cell(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "provenance.json").write_text('{"experiments": ["fig3a"], "cells": []}')
    pd.DataFrame({"cell": ["lru", "lru", "rnn"], "lr": [0.01, 0.0032, 1e-4]}).to_parquet(
        tmp_path / "tables" / "fig3a_best.parquet"
    )
    assert reference_best_lrs(tmp_path) == {
        ("fig3a", "lru"): [0.01, 0.0032],
        ("fig3a", "rnn"): [1e-4],
    }
    assert reference_best_lrs(tmp_path / "absent") == {}


def test_training_fingerprint_follows_the_training_sources(tmp_path):
    pkg = ROOT / "src" / "curse_of_memory"
    fp = training_fingerprint(pkg)
    assert len(fp) == 16 and fp == training_fingerprint(pkg)
    assert fp != source_fingerprint(pkg, "claims")
    import shutil

    copy = tmp_path / "curse_of_memory"
    shutil.copytree(pkg, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert training_fingerprint(copy) == fp
    (copy / "claims" / "core.py").write_text("# edited\n")
    assert training_fingerprint(copy) == fp  # claims code does not retrain
    (copy / "training" / "loss.py").write_text(
        (copy / "training" / "loss.py").read_text() + "\n# edited\n"
    )
    assert training_fingerprint(copy) != fp


def test_pack_refuses_a_folder_that_holds_an_older_reference(tmp_path):
    """Packing over an existing reference would mix its files with the new run's."""
    from curse_of_memory.errors import UserError
    from curse_of_memory.provenance import pack

    out = tmp_path / "reference"
    out.mkdir()
    (out / "provenance.json").write_text("{}")
    with pytest.raises(UserError, match="already holds files"):
        pack(
            tmp_path,
            out,
            command="c",
            started="s",
            finished="f",
            wall_seconds=1.0,
            commit=None,
            fingerprint="0",
        )
    assert (out / "provenance.json").read_text() == "{}"  # left as it was


@pytest.mark.parametrize("has_runs", [False, True], ids=["no-runs", "no-src"])
def test_pack_cli_names_a_run_folder_it_cannot_pack_in_one_line(tmp_path, capsys, has_runs):
    from curse_of_memory.provenance import main

    if has_runs:
        (tmp_path / "results" / "runs" / "fig4").mkdir(parents=True)
    args = ["pack", str(tmp_path), str(tmp_path / "out"), "--command", "c", "--started", "s"]
    with pytest.raises(SystemExit) as exc:
        main(args + ["--finished", "f", "--wall-seconds", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert ("--fingerprint" if has_runs else "none of the reference's experiments") in err[0]
    assert not (tmp_path / "out").exists()  # nothing written


# --- file hashes of a reference folder ---------------------------------------------------------
def _fake_paper_run(root, experiment="fig4", cell_name="rnn", lrs=(0.01,)):
    """A finished 'paper-tier' run folder with one trained cell (Fig 4's by default), its tables
    and a CSV."""
    from curse_of_memory import io
    from curse_of_memory.train import run_cell

    cell = {
        "experiment": experiment,
        "cell": cell_name,
        "model": {"name": "rnn", "hidden": 4},
        "optimizer": {"name": "adam"},
        "task": {"T": 10, "batch": 2, "teacher_hidden": 3},
        "points": [{"nu0": 0.9, "theta0": 3.14}],
        "lrs": list(lrs),
        "seeds": [0],
        "steps": 4,
        "steps_per_epoch": 2,
        "validation_batches": 1,
        "device": "cpu",
    }
    run_cell(cell, root / "results" / "runs" / experiment / cell_name, state_dir="none")
    for kind in ("best", "by_lr", "history"):
        frame = pd.DataFrame({"cell": [cell_name], "lr": [0.01], "kind": [kind]})
        io.write_parquet(root / "results" / "tables" / f"{experiment}_{kind}.parquet", frame)
    io.write_csv(root / "paper" / "figures" / "fig4_spectrum.csv", pd.DataFrame({"x": [1.0]}))
    return root


def _pack(run, out, **kw):
    from curse_of_memory.provenance import pack

    return pack(
        run,
        out,
        command="c",
        started="s",
        finished="f",
        wall_seconds=1.0,
        commit=None,
        fingerprint="0",
        **kw,
    )


@pytest.fixture
def packed(tmp_path):
    out = tmp_path / "reference"
    prov = _pack(_fake_paper_run(tmp_path / "run"), out)
    return out, prov


def test_pack_records_the_sha256_of_every_file_it_ships(packed):
    import hashlib
    import json

    from curse_of_memory.provenance import verify_reference

    out, prov = packed
    shipped = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name not in ("provenance.json", "README.md")
    )
    assert sorted(prov["files"]) == shipped and "tables/fig4_best.parquet" in shipped
    for rel, rec in prov["files"].items():
        data = (out / rel).read_bytes()
        assert rec == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert json.loads((out / "provenance.json").read_text())["files"] == prov["files"]
    verify_reference(out)  # as packed: no error


@pytest.mark.parametrize("damage", ["edited", "truncated", "missing"])
def test_verify_reference_names_a_changed_file_and_how_to_restore_it(packed, damage):
    from curse_of_memory.errors import DataError
    from curse_of_memory.provenance import verify_reference

    out, _ = packed
    table = out / "tables" / "fig4_best.parquet"
    data = table.read_bytes()
    if damage == "edited":  # same size, one byte changed: only the hash can tell
        table.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    elif damage == "truncated":
        table.write_bytes(data[: len(data) // 2])
    else:
        table.unlink()
    with pytest.raises(DataError) as exc:
        verify_reference(out)
    message = str(exc.value)
    assert "\n" not in message and f"git checkout -- {table}" in message
    assert {"edited": "(edited)", "truncated": "(truncated)", "missing": "is missing"}[
        damage
    ] in message


@pytest.mark.parametrize("index", ["no-hashes", "unreadable"])
def test_verify_reference_refuses_a_folder_it_cannot_check(packed, index):
    from curse_of_memory.errors import DataError
    from curse_of_memory.provenance import main, verify_reference

    out, prov = packed
    path = out / "provenance.json"
    if index == "no-hashes":  # packed before hashes were kept: `hash` records them
        path.write_text(json.dumps({k: v for k, v in prov.items() if k != "files"}))
    else:
        path.write_text(path.read_text()[:50])
    with pytest.raises(DataError) as exc:
        verify_reference(out)
    assert "\n" not in str(exc.value) and f"git checkout -- {out}" in str(exc.value)
    if index == "no-hashes":
        assert "provenance hash" in str(exc.value)
        assert main(["hash", str(out)]) == 0
        verify_reference(out)
        again = json.loads(path.read_text())
        assert again["files"] == prov["files"] and again["command"] == prov["command"]


def test_every_shipped_reference_folder_matches_its_hashes():
    """The committed reference folders carry the sha256 of every file but README.md, and match."""
    from curse_of_memory.provenance import file_hashes, read_provenance, verify_reference

    folders = sorted(p.parent for p in (ROOT / "results" / "reference").glob("*/provenance.json"))
    assert folders, "no reference folder is shipped"
    for folder in folders:
        verify_reference(folder)
        assert read_provenance(folder)["files"] == file_hashes(folder)


def test_a_later_run_is_added_to_a_reference_with_its_own_facts(packed, tmp_path):
    """pack --add: the optimizer study trained after the paper's figures joins the folder; the
    totals cover both runs, the later run's command and times are kept apart, and every file is
    hashed again."""
    from curse_of_memory.errors import UserError
    from curse_of_memory.provenance import main, verify_reference

    out, first = packed
    run = _fake_paper_run(tmp_path / "later", "optimizers", "rnn-adam")
    prov = _pack(run, out, add=True, experiments=["optimizers"])
    assert prov["experiments"] == ["fig4", "optimizers"]
    assert prov["runs"] == first["runs"] + 1 and prov["run_steps"] == first["run_steps"] + 4
    assert [c["cell"] for c in prov["cells"]] == ["rnn", "rnn-adam"]
    (added,) = prov["additions"]
    assert added["experiments"] == ["optimizers"] and added["runs"] == 1
    assert prov["command"] == first["command"] and prov["started"] == first["started"]
    members = pd.read_parquet(out / "runs" / "members.parquet")
    epochs = pd.read_parquet(out / "runs" / "epochs.parquet")
    assert sorted(members["experiment"].astype(str)) == ["fig4", "optimizers"]
    assert set(epochs["cell"].astype(str)) == {"rnn", "rnn-adam"}
    assert (out / "tables" / "optimizers_best.parquet").exists()
    assert "## Added: optimizers" in (out / "README.md").read_text()
    verify_reference(out)
    with pytest.raises(UserError, match="already holds optimizers"):
        _pack(run, out, add=True, experiments=["optimizers"])
    with pytest.raises(UserError, match="has no fig9"):
        _pack(run, out, add=True, experiments=["fig9"])
    # the CLI: one line, nothing written, for a folder without a reference to add to
    args = ["pack", str(run), str(tmp_path / "empty"), "--command", "c", "--started", "s"]
    with pytest.raises(SystemExit):
        main(args + ["--finished", "f", "--wall-seconds", "1", "--fingerprint", "0", "--add"])
    assert not (tmp_path / "empty").exists()


def test_retrained_cells_replace_their_runs_and_nothing_else(packed, tmp_path):
    """pack --add --cells: a cell retrained on a wider lr grid replaces its shipped runs; the
    experiment's other cells must be the shipped runs themselves, else nothing is written."""
    from curse_of_memory.errors import UserError
    from curse_of_memory.provenance import verify_reference

    out, _ = packed
    run = tmp_path / "later"
    _fake_paper_run(run, "optimizers", "rnn-adam")
    _fake_paper_run(run, "optimizers", "rnn-muon")
    before = _pack(run, out, add=True, experiments=["optimizers"])
    muon = [c for c in before["cells"] if c["cell"] == "rnn-muon"]
    _fake_paper_run(run, "optimizers", "rnn-muon", lrs=(0.1, 0.01))  # its grid, extended
    with pytest.raises(UserError, match="use it with --add"):
        _pack(run, out, cells=["optimizers/rnn-muon"])
    with pytest.raises(UserError, match="holds no cell optimizers/rnn-sgd"):
        _pack(run, out, add=True, cells=["optimizers/rnn-sgd"])
    with pytest.raises(UserError, match="experiment/cell"):
        _pack(run, out, add=True, cells=["rnn-muon"])
    other = tmp_path / "other"  # a checkout whose rnn-adam is not the shipped one
    _fake_paper_run(other, "optimizers", "rnn-adam", lrs=(0.001,))
    _fake_paper_run(other, "optimizers", "rnn-muon", lrs=(0.1, 0.01))
    shipped = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(UserError, match="not the reference's runs"):
        _pack(other, out, add=True, cells=["optimizers/rnn-muon"])
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == shipped

    prov = _pack(run, out, add=True, cells=["optimizers/rnn-muon"])
    assert prov["runs"] == before["runs"] + 1 and prov["experiments"] == before["experiments"]
    assert [c["cell"] for c in prov["cells"]] == [c["cell"] for c in before["cells"]]
    assert [c["members"] for c in prov["cells"] if c["cell"] == "rnn-muon"] == [2]
    retrain = prov["additions"][-1]
    assert retrain["cells"] == ["optimizers/rnn-muon"] and retrain["replaced"] == muon
    assert retrain["runs"] == 2 and len(prov["additions"]) == 2
    # the replaced cell's shipped best-lr rows stay in the provenance, with its old grid
    assert [(r["cell"], r["lr"], r["grid"]) for r in retrain["replaced_best"]] == [
        ("rnn-muon", 0.01, [0.01])
    ]
    members = pd.read_parquet(out / "runs" / "members.parquet")
    assert len(members) == prov["runs"]
    lrs = members[members["cell"] == "rnn-muon"]["lr"]
    assert sorted(lrs) == [0.01, 0.1]
    epochs = pd.read_parquet(out / "runs" / "epochs.parquet")
    assert epochs.groupby("cell", observed=True)["member"].nunique().to_dict() == {
        "rnn": 1,
        "rnn-adam": 1,
        "rnn-muon": 2,
    }
    assert "## Retrained: optimizers/rnn-muon" in (out / "README.md").read_text()
    verify_reference(out)
