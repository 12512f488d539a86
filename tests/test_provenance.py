"""Source fingerprints and the reduced tiers' lr window centred on a reference run."""

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
    assert ("--fingerprint" if has_runs else "none of the paper's experiments") in err[0]
    assert not (tmp_path / "out").exists()  # nothing written
