"""The train CLI: bad input ends in one line naming the field (exit 2, nothing written); a cell
killed halfway (SIGKILL at a given step) resumes to the same metrics as an uninterrupted run."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from curse_of_memory.train import main

BASE = {
    "experiment": "clitest",
    "cell": "lru-small",
    "model": {"name": "lru", "hidden": 4},
    "optimizer": {"name": "adam"},
    "schedule": {"name": "cosine"},
    "task": {"T": 20, "batch": 4, "teacher_hidden": 3},
    "points": [{"nu0": 0.9, "theta0": 3.14}],
    "lrs": [0.01],
    "seeds": [0, 1],
    "steps": 20,
    "steps_per_epoch": 5,
    "validation_batches": 2,
    "checkpoint_every": 1,
    "device": "cpu",
}


def _with(**kw):
    c = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for k, v in kw.items():
        if v is None:
            c.pop(k)
        else:
            c[k] = v
    return c


BAD = [
    (_with(model={"name": "transformer", "hidden": 4}), "model.name", "rnn, lru, s4"),
    (_with(model={"name": "lru", "hidden": 4, "param": "cart"}), "model.param", "exp, polar, reim"),
    (_with(model={"name": "rnn", "hidden": 6, "heads": 4}), "model.heads", "divisor"),
    (_with(optimizer={"name": "rmsprop"}), "optimizer.name", "adam, adamw"),
    (_with(optimizer={"name": "muon"}), "optimizer.name", "rnn"),
    (_with(points=[{"nu0": 1.0}]), "points[0].nu0", "[0, 1)"),
    (_with(points=[{"nu0": -0.1}]), "points[0].nu0", "[0, 1)"),
    (_with(lrs=[0.01, 0.0]), "lrs[1]", "> 0"),
    (_with(lrs=[-1e-3]), "lrs[0]", "> 0"),
    (_with(seeds=None), "seeds", "CELL_FORMAT"),
    (_with(task={"batch": 4}), "task.T", "integer"),
    (_with(schedule={"name": "step"}), "schedule.name", "constant, cosine"),
    (_with(steps_per_epoch=7), "steps_per_epoch", "divisor"),
    (_with(cell="Bad Name"), "cell", "[a-z0-9-]"),
    (_with(dtype="float16"), "dtype", "float32, float64"),
    # a value listed twice would train the same members twice (the pipeline's config check says
    # the same: "<key>.lrs: 0.001 is listed twice; allowed: each value once")
    (_with(lrs=[0.01, 0.001, 0.01]), "lrs: 0.01 is listed twice", "each value once"),
    (_with(seeds=[0, 1, 0]), "seeds: 0 is listed twice", "each value once"),
    (
        _with(points=[{"nu0": 0.9, "theta0": 3.14}, {"nu0": 0.9}]),
        "points[1]: {nu0: 0.9, theta0: 3.14} is listed twice",
        "each value once",
    ),
]


@pytest.mark.parametrize("cell,field,allowed", BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_input_one_line(tmp_path, capsys, cell, field, allowed):
    f = tmp_path / "cell.yaml"
    f.write_text(yaml.safe_dump(cell))
    out = tmp_path / "runs" / "x" / "y"
    with pytest.raises(SystemExit) as exc:
        main([str(f), "--out", str(out), "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {field}") and "\n" not in err and allowed in err, err
    assert not out.exists() and not (tmp_path / "runs").exists()  # nothing (half-)written


def test_missing_file_and_bad_yaml(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    assert "does not exist" in capsys.readouterr().err
    f = tmp_path / "c.yaml"
    f.write_text("model: [unclosed\n")
    with pytest.raises(SystemExit):
        main([str(f), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert "not valid YAML" in err and "\n" not in err


def _cli(args, env_extra=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "curse_of_memory.train", *args, "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_killed_cell_resumes_to_identical_metrics(tmp_path):
    f = tmp_path / "cell.yaml"
    f.write_text(yaml.safe_dump(BASE))
    full = tmp_path / "runs" / "clitest" / "full"
    r = _cli([str(f), "--out", str(full)])
    assert r.returncode == 0, r.stderr
    part = tmp_path / "runs" / "clitest" / "lru-small"
    r = _cli([str(f), "--out", str(part)], {"CURSE_OF_MEMORY_STOP_AFTER_STEP": "12"})
    assert r.returncode == -9  # SIGKILL
    assert not part.exists()
    states = list((tmp_path / "state" / "clitest").glob("lru-small-*"))
    assert len(states) == 1 and (states[0] / "state.pt").exists()  # default state dir beside runs/
    r = _cli([str(f), "--out", str(part)])
    assert r.returncode == 0, r.stderr
    assert "resuming" in r.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(full / "metrics.parquet"),
        pd.read_parquet(part / "metrics.parquet"),
        check_exact=True,
    )
    assert not states[0].exists()


def test_yaml11_exponent_is_read_as_a_number(tmp_path):
    """`lrs: [1e-3]` is text to YAML 1.1 (PyYAML); the CLI reads it as config.yaml does."""
    f = tmp_path / "cell.yaml"
    f.write_text(yaml.safe_dump(BASE).replace("- 0.01", "- 1e-2"))
    assert "1e-2" in f.read_text() and yaml.safe_load(f.read_text())["lrs"] == ["1e-2"]
    out = tmp_path / "runs" / "clitest" / "lru-small"
    assert main([str(f), "--out", str(out), "--no-progress", "--state-dir", "none"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["lrs"] == [0.01]


def test_rerun_into_a_finished_folder_removes_its_summary_first(tmp_path):
    """summary.json marks a finished cell: a rerun that fails must not leave the old one beside
    new files."""
    from curse_of_memory.train import run_cell

    out = tmp_path / "runs" / "clitest" / "lru-small"
    run_cell(BASE, out, state_dir="none")
    assert (out / "summary.json").exists()
    with pytest.raises(Exception):  # the engine's test stop ("raise" mode) after update 3
        run_cell(_with(lrs=[0.02]), out, state_dir="none", stop_after_step=3, stop_mode="raise")
    assert not (out / "summary.json").exists()
    assert (out / "metrics.parquet").exists()  # the rest is replaced as the new files are written


def test_cell_format_doc_states_what_the_code_does(tmp_path):
    """docs/CELL_FORMAT.md: the experiment-name rule the CLI applies, and final.pt loaded with
    weights_only=True (nothing is unpickled from disk)."""
    import re
    from pathlib import Path

    import torch

    doc = (Path(__file__).resolve().parents[1] / "docs" / "CELL_FORMAT.md").read_text()
    (pattern,) = re.findall(r"^experiment: \S+ +# .*?(\[[^\]]+\][+*]?)", doc, flags=re.M)
    assert pattern == "[a-z0-9_]+"
    for name, ok in (("fig3a", True), ("my_study2", True), ("Fig3", False), ("a.b", False)):
        assert bool(re.fullmatch(pattern, name)) == ok
        f = tmp_path / f"{name}.yaml"
        f.write_text(yaml.safe_dump(_with(experiment=name, steps=5)))
        out = tmp_path / "runs" / "x" / name
        args = [str(f), "--out", str(out), "--no-progress", "--state-dir", "none"]
        if ok:
            assert main(args) == 0
        else:
            with pytest.raises(SystemExit):
                main(args)
    assert "weights_only=False" not in doc and "weights_only=True" in doc
    final = torch.load(tmp_path / "runs" / "x" / "fig3a" / "final.pt", weights_only=True)
    assert set(final) >= {"model", "params", "elr", "members"}
