"""One test per row of the bad-input table (README "Resume and bad input", docs/RELIABILITY.md):
each bad input ends in ONE line naming the cause and the fix, with the documented exit status, and
finished outputs (and saved training states) are left exactly as they were.

Config rows run the real ``snakemake`` in a throw-away copy; data rows run the rule's script the
way Snakemake does (a subprocess with a ``snakemake`` object); training rows run the train CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from curse_of_memory import io
from curse_of_memory.train import main as train_main
from curse_of_memory.train import run_cell
from repo_copy import ROOT, copy_repo, snakemake

CFG = yaml.safe_load((ROOT / "config.yaml").read_text())


def _errors(text: str, prefix: str = "error: ") -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- config rows: real snakemake, nothing runs, finished outputs untouched ---------------------------
@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("badinput"))
    done = repo / "results" / "runs" / "fig4" / "rnn"  # a finished cell from an earlier run
    io.write_parquet(done / "metrics.parquet", pd.DataFrame({"member": [0], "train_loss": [0.5]}))
    io.write_json(done / "summary.json", {"cell": "rnn"})
    return repo


def _config_row(repo, tmp_path, override: dict, key: str):
    before = _files(repo / "results")
    cfg = tmp_path / "override.yaml"
    cfg.write_text(yaml.safe_dump(override))
    proc = snakemake(repo, "--cores", "1", "--configfile", "config.yaml", str(cfg), "--config", "tier=test",
                     timeout=300)
    assert proc.returncode == 1
    errors = _errors(proc.stderr, "error: config:")
    assert len(errors) == 1 and key in errors[0], proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert _files(repo / "results") == before  # nothing written, deleted or rerun
    return errors[0]


@pytest.mark.slow
@pytest.mark.parametrize("override,key,fix", [
    ({"data": {"max_window": 5}}, "data", "config.schema.yaml"),  # the schema's sections
    ({"training": {"defaults": {"epochs": 3}}}, "epochs", "allowed: model, optimizer"),  # cell settings
], ids=["section-key", "cell-setting"])
def test_row_unknown_config_key(repo, tmp_path, override, key, fix):
    line = _config_row(repo, tmp_path, override, key)
    assert ("max_window" in line or "unknown cell setting" in line) and fix in line


@pytest.mark.slow
def test_row_invalid_config_value(repo, tmp_path):
    line = _config_row(repo, tmp_path, {"device": "tpu"}, "device")
    assert "'tpu'" in line and "fix config.yaml" in line


@pytest.mark.slow
def test_row_impossible_shape_heads_do_not_divide_hidden(repo, tmp_path):
    override = {"training": {"experiments": {"fig11": {"cells": {"heads-2": {"model": {"heads": 3}}}}}}}
    line = _config_row(repo, tmp_path, override, "fig11.cells.heads-2")
    assert "model.heads: 3 does not divide hidden=64" in line


# --- data rows: the rule's script, run as Snakemake runs it ----------------------------------------
RUNNER = r'''
import json, runpy, sys, types
spec = json.loads(sys.argv[1])
class Named(list):
    def __init__(self, d):
        super().__init__(d.values())
        self.__dict__.update(d)
smk = types.SimpleNamespace(input=Named(spec["input"]), output=Named(spec["output"]),
                            params=Named(spec["params"]), log=Named({"log": spec["log"]}),
                            threads=1, rule=spec["rule"], wildcards=Named({}))
runpy.run_path(spec["script"], init_globals={"snakemake": smk}, run_name="__main__")
'''


def _run_script(script, rule, inputs, outputs, params, log, env=None):
    spec = {"script": str(ROOT / "workflow" / "scripts" / script), "rule": rule, "input": inputs,
            "output": outputs, "params": params, "log": str(log)}
    return subprocess.run([sys.executable, "-c", RUNNER, json.dumps(spec)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, **(env or {})), cwd=log.parent)


@pytest.fixture
def cache(tmp_path):
    """A small, valid embeddings cache (array + manifest) and a finished result beside it."""
    from curse_of_memory.data.embeddings import _sha256

    d = tmp_path / "results" / "data"
    arr = np.random.default_rng(0).standard_normal((3, 512, 8)).astype(np.float16)
    with io.atomic_path(d / "embeddings.npy") as tmp:
        np.save(tmp, arr)
    io.write_json(d / "embeddings.json", {"source": "test", "model": "test", "shape": list(arr.shape),
                                          "dtype": "float16", "sha256": _sha256(arr), "file": "embeddings.npy"})
    io.write_json(d / "finished_fit.json", {"kept": True})
    return d


def _autocorrelation(d: Path):
    return _run_script("autocorrelation.py", "autocorrelation",
                       {"array": str(d / "embeddings.npy"), "manifest": str(d / "embeddings.json")},
                       {"table": str(d / "autocorrelation.parquet"), "fit": str(d / "autocorrelation_fit.json")},
                       {"data": {"autocorrelation": {"max_lag": 20}}, "src": "x"}, d / "autocorrelation.log")


def _one_line_failure(proc, *needles):
    assert proc.returncode == 2, proc.stderr[-3000:]
    errors = _errors(proc.stderr)
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.mark.slow
def test_row_truncated_embeddings_array(cache):
    npy = cache / "embeddings.npy"
    npy.write_bytes(npy.read_bytes()[: npy.stat().st_size // 2])
    before = _files(cache)
    _one_line_failure(_autocorrelation(cache), "embeddings file", "truncated or corrupt",
                      "delete", "rerun the embeddings rule")
    assert not (cache / "autocorrelation.parquet").exists()
    assert {k: v for k, v in _files(cache).items() if not k.endswith(".log")} == before


@pytest.mark.slow
def test_row_missing_cached_file(cache):
    (cache / "embeddings.json").unlink()
    before = _files(cache)
    _one_line_failure(_autocorrelation(cache), "embeddings manifest", "missing or corrupt",
                      "rerun the embeddings rule")
    assert {k: v for k, v in _files(cache).items() if not k.endswith(".log")} == before


@pytest.mark.slow
def test_row_hub_source_while_offline(tmp_path):
    out = tmp_path / "results" / "data"
    io.write_json(out / "finished_fit.json", {"kept": True})
    text = dict(CFG["data"]["text"], source="hf-wikipedia")
    proc = _run_script("embeddings.py", "data_text", {}, {"articles": str(out / "articles.jsonl")},
                       {"data": {"text": text}, "src": "x"}, out / "data_text.log",
                       env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"})
    _one_line_failure(proc, "hf-wikipedia", "offline", "mediawiki-dump (works offline)")
    assert sorted(p.name for p in out.iterdir()) == ["data_text.log", "finished_fit.json"]


# --- training rows: the train CLI -----------------------------------------------------------------
CELL = {"experiment": "badin", "cell": "lru-tiny", "model": {"name": "lru", "hidden": 4},
        "optimizer": {"name": "adam"}, "schedule": {"name": "cosine"},
        "task": {"T": 16, "batch": 4, "teacher_hidden": 3}, "points": [{"nu0": 0.9, "theta0": 3.14}],
        "lrs": [0.01], "seeds": [0, 1], "steps": 20, "steps_per_epoch": 5, "validation_batches": 2,
        "checkpoint_every": 1, "device": "cpu"}


@pytest.fixture
def cellfile(tmp_path):
    f = tmp_path / "cell.yaml"
    f.write_text(yaml.safe_dump(CELL))
    ref = tmp_path / "runs" / "badin" / "reference"  # an uninterrupted run, also a finished output
    train_main([str(f), "--out", str(ref), "--state-dir", "none", "--no-progress"])
    return f, ref


def _killed(tmp_path, step=12) -> tuple[Path, Path]:
    out = tmp_path / "runs" / "badin" / "lru-tiny"
    with pytest.raises(Exception, match=str(step)):
        run_cell(CELL, out, stop_after_step=step, stop_mode="raise")
    (state,) = (tmp_path / "state" / "badin").glob("lru-tiny-*/state.pt")
    return out, state


def _same_metrics(a: Path, b: Path):
    pd.testing.assert_frame_equal(pd.read_parquet(a / "metrics.parquet"), pd.read_parquet(b / "metrics.parquet"),
                                  check_exact=True)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign"])
def test_row_corrupt_training_state_starts_fresh(tmp_path, cellfile, capsys, damage):
    f, ref = cellfile
    finished = _files(ref)
    out, state = _killed(tmp_path)
    if damage == "truncated":
        state.write_bytes(state.read_bytes()[: state.stat().st_size // 3])
    elif damage == "garbage":
        state.write_bytes(b"\x00not a torch file\xff" * 10)
    else:  # readable, but not this cell's state (e.g. written by another version of the code)
        torch.save({"step": 10, "epoch": 2, "model": {"nope": torch.zeros(1)}}, state)
    capsys.readouterr()
    assert train_main([str(f), "--out", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    warnings = _errors(err, "warning: ")
    assert len(warnings) == 1 and "ignoring unreadable training state" in warnings[0], err
    assert "from step 0" in warnings[0] and "resuming" not in err and "Traceback" not in err
    _same_metrics(ref, out)  # a fresh start gives exactly the uninterrupted result
    assert not state.parent.exists() and _files(ref) == finished


def test_row_full_disk_while_writing(tmp_path, cellfile, capsys, monkeypatch):
    f, ref = cellfile
    finished = _files(ref)
    out, state = _killed(tmp_path)  # state saved at step 10
    real = pd.DataFrame.to_parquet

    def disk_full(self, path, **kw):  # half a file, then ENOSPC
        Path(path).write_bytes(b"PAR1 half")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        train_main([str(f), "--out", str(out), "--no-progress"])
    assert exc.value.code == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "no space left while writing" in errors[0], errors
    assert "free disk space and rerun" in errors[0]
    assert _files(ref) == finished and state.exists()  # finished output and the saved state kept
    assert not [p for p in tmp_path.rglob(".tmp-*")] and not (out / "metrics.parquet").exists()
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    assert train_main([str(f), "--out", str(out), "--no-progress"]) == 0  # after freeing space
    # the failed run's own checkpoints were kept too: it resumes from its last one (epoch 3 of 4)
    assert "resuming badin/lru-tiny from epoch 3 (step 15)" in capsys.readouterr().err
    _same_metrics(ref, out)


def test_row_full_disk_in_a_pipeline_script(tmp_path, capsys, monkeypatch):
    """The same for a workflow script (curse_of_memory.runlog.snakemake_log)."""
    from types import SimpleNamespace

    from curse_of_memory.runlog import snakemake_log

    done = tmp_path / "done.json"
    io.write_json(done, {"kept": True})
    before = done.read_bytes()

    def disk_full(self, *a, **kw):
        raise OSError(28, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", disk_full)
    log = tmp_path / "rule.log"
    with pytest.raises(SystemExit) as exc:
        with snakemake_log(SimpleNamespace(log=[str(log)])):
            io.write_json(done, {"kept": False})
    assert exc.value.code == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "no space left while writing" in errors[0] and str(log) in errors[0]
    assert done.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["done.json", "rule.log"]


def test_row_diverged_run_is_recorded_not_fatal(tmp_path, capsys):
    f = tmp_path / "cell.yaml"
    f.write_text(yaml.safe_dump(dict(CELL, model={"name": "rnn", "hidden": 4}, lrs=[1.0e6])))
    out = tmp_path / "runs" / "badin" / "diverged"
    assert train_main([str(f), "--out", str(out), "--no-progress"]) == 0  # a result, not an error
    err = capsys.readouterr().err
    warnings = _errors(err, "warning: ")
    assert len(warnings) == 1 and "2 of 2 members diverged" in warnings[0], err
    assert "lower the cell's lrs" in warnings[0]
    s = json.loads((out / "summary.json").read_text())
    assert s["diverged_members"] == [0, 1] and all(m["diverged_step"] is not None for m in s["members"])
    m = pd.read_parquet(out / "metrics.parquet")
    last = m[m.epoch == m.epoch.max()]
    assert last.diverged.all() and last.train_loss.isna().all()
