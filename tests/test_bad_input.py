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
from repo_copy import ROOT, copy_repo, dry_run_jobs, snakemake

from curse_of_memory import io
from curse_of_memory.train import main as train_main
from curse_of_memory.train import run_cell

CFG = yaml.safe_load((ROOT / "config.yaml").read_text())


def _errors(text: str, prefix: str = "error: ") -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- config rows: real snakemake, nothing runs, finished outputs untouched ------------------------
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
    proc = snakemake(
        repo,
        "--cores",
        "1",
        "--configfile",
        "config.yaml",
        str(cfg),
        "--config",
        "tier=test",
        timeout=300,
    )
    assert proc.returncode == 1
    errors = _errors(proc.stderr, "error: config:")
    assert len(errors) == 1 and key in errors[0], proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert _files(repo / "results") == before  # nothing written, deleted or rerun
    return errors[0]


@pytest.mark.e2e
@pytest.mark.parametrize(
    "override,key,fix",
    [
        ({"data": {"max_window": 5}}, "data", "config.schema.yaml"),  # the schema's sections
        (
            {"training": {"defaults": {"epochs": 3}}},
            "epochs",
            "allowed: model, optimizer",
        ),  # cell settings
    ],
    ids=["section-key", "cell-setting"],
)
def test_row_unknown_config_key(repo, tmp_path, override, key, fix):
    line = _config_row(repo, tmp_path, override, key)
    assert ("max_window" in line or "unknown cell setting" in line) and fix in line


@pytest.mark.e2e
def test_row_invalid_config_value(repo, tmp_path):
    line = _config_row(repo, tmp_path, {"device": "tpu"}, "device")
    assert "'tpu'" in line and "fix config.yaml" in line


@pytest.mark.e2e
def test_row_impossible_shape_heads_do_not_divide_hidden(repo, tmp_path):
    override = {
        "training": {"experiments": {"fig11": {"cells": {"heads-2": {"model": {"heads": 3}}}}}}
    }
    line = _config_row(repo, tmp_path, override, "fig11.cells.heads-2")
    assert "model.heads: 3 does not divide hidden=64" in line


@pytest.mark.e2e
@pytest.mark.parametrize(
    "override,key,needles",
    [
        (
            {"training": {"experiments": {"fig11": {"lrs": [0.001, 0.001]}}}},
            "training.experiments.fig11.lrs",
            ["0.001 is listed twice", "list each value once"],
        ),
        (
            {
                "training": {
                    "experiments": {"fig4": {"points": {"nu0": [0.99, 0.99], "theta0": [3.14]}}}
                }
            },
            "training.experiments.fig4.points.nu0",
            ["0.99 is listed twice"],
        ),
        (
            {"tiers": {"test": {"data": {"signal": {"n_sequences": 5, "batch_size": 2}}}}},
            "data.signal.n_sequences",
            ["5 is not a multiple of batch_size 2", "use 4 or 6"],
        ),
        (
            {"data": {"fig14": {"sequence": 100000}}},
            "data.fig14.sequence",
            ["needs 100001 embedding windows", "use at most 127", "GiB"],
        ),
        (
            {
                "training": {"defaults": {"task": {"T": 1000000}}}
            },  # 2 seeds: 43.7 TiB of T x T matrices
            "task.T: 1000000",
            ["needs about 43.7 TiB of memory", "smaller task.T"],
        ),
        (
            {
                "training": {"defaults": {"steps": 25500}}
            },  # test tier: 25500 // 500 = 51 steps, epochs of 10
            ".steps: 25500 becomes 51 in this tier",
            ["a multiple of 5000", "e.g. 25000 or 30000"],
        ),
    ],
    ids=[
        "repeated-lr",
        "repeated-task-point",
        "partial-signal-batch",
        "window-beyond-cache",
        "task-length-beyond-memory",
        "reduced-steps",
    ],
)
def test_row_config_that_would_silently_do_less_or_cannot_fit(
    repo, tmp_path, override, key, needles
):
    line = _config_row(repo, tmp_path, override, key)
    for needle in needles:
        assert needle in line, line


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["config.yaml", "--configfile"])
def test_row_repeated_yaml_key(repo, tmp_path, where):
    """Snakemake's YAML loader keeps the last of two equal keys; the pipeline re-reads strictly."""
    config = repo / "config.yaml"
    shipped = config.read_text()
    lines = shipped.splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip().startswith("heads-4:"))
    try:
        if where == "config.yaml":
            lines[i] = lines[i].replace("heads-4:", "heads-2:")
            config.write_text("\n".join(lines) + "\n")
            override, line_no, first = {"device": "cpu"}, i + 1, i
        else:
            override, line_no, first = None, 3, 1
            (tmp_path / "override.yaml").write_text("device: cpu\ntier: test\ndevice: auto\n")
        if override is None:
            before = _files(repo / "results")
            proc = snakemake(
                repo,
                "--cores",
                "1",
                "--configfile",
                "config.yaml",
                str(tmp_path / "override.yaml"),
                timeout=300,
            )
            assert proc.returncode == 1 and _files(repo / "results") == before
            (line,) = _errors(proc.stderr, "error: config:")
            assert "Traceback" not in proc.stderr
        else:
            line = _config_row(repo, tmp_path, override, "given twice")
    finally:
        config.write_text(shipped)
    key, under = (
        ("heads-2", "training.experiments.fig11.cells")
        if where == "config.yaml"
        else ("device", "the top level")
    )
    assert (
        f"line {line_no}: key {key!r} is given twice under {under} (first at line {first})" in line
    )
    assert "remove or rename one of them" in line


@pytest.mark.e2e
def test_row_numbers_left_as_text_are_read_as_numbers(repo, tmp_path):
    """YAML 1.1 reads 1e-3 as text, and --config values nested in a mapping arrive as text."""
    before = _files(repo / "results")
    over = tmp_path / "override.yaml"
    over.write_text(
        "training:\n  experiments:\n    fig4:\n      cells:\n        rnn: {lrs: [1e-3]}\n"
    )
    proc = snakemake(
        repo,
        "-n",
        "--cores",
        "1",
        "--configfile",
        "config.yaml",
        str(over),
        "--config",
        "tier=test",
        "data={signal: {width: 64}, fig14: {n_lengths: 7}}",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not _errors(proc.stderr) and not _errors(proc.stdout) and "Traceback" not in proc.stderr
    assert _files(repo / "results") == before


@pytest.mark.e2e
def test_row_edited_text_folder_reruns_the_text_rule(tmp_path):
    """Adding or editing an article of data.text.folder reruns data_text (and what depends on
    it)."""
    repo = copy_repo(tmp_path / "repo")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("The first article. " * 50)
    over = tmp_path / "text.yaml"
    over.write_text(
        yaml.safe_dump({"data": {"text": {"source": "text-folder", "folder": str(folder)}}})
    )
    args = (
        "results/data/articles.jsonl",
        "--cores",
        "1",
        "--configfile",
        "config.yaml",
        str(over),
        "--config",
        "tier=test",
    )

    def planned():
        proc = snakemake(repo, "-n", *args, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return [j["rule"] for j in dry_run_jobs(proc.stdout + proc.stderr)]

    assert snakemake(repo, *args, timeout=300).returncode == 0
    first = (repo / "results/data/articles.jsonl").read_text()
    assert planned() == []  # nothing changed: nothing to do
    (folder / "b.txt").write_text("A second article.")
    assert planned() == ["data_text"]
    (folder / "b.txt").unlink()
    assert planned() == []
    (folder / "a.txt").write_text("The first article, edited. " * 50)
    assert planned() == ["data_text"]
    assert snakemake(repo, *args, timeout=300).returncode == 0
    assert "edited" in (repo / "results/data/articles.jsonl").read_text() and "edited" not in first


# --- data rows: the rule's script, run as Snakemake runs it ---------------------------------------
RUNNER = r"""
import json, runpy, sys, types
spec = json.loads(sys.argv[1])
class Named(list):
    def __init__(self, d):
        super().__init__(d.values())
        self.__dict__.update(d)
smk = types.SimpleNamespace(input=Named(spec["input"]), output=Named(spec["output"]),
                            params=Named(spec["params"]), log=Named({"log": spec["log"]}),
                            threads=1, rule=spec["rule"],
                            wildcards=Named(spec.get("wildcards", {})))
runpy.run_path(spec["script"], init_globals={"snakemake": smk}, run_name="__main__")
"""


def _run_script(script, rule, inputs, outputs, params, log, env=None, wildcards=None):
    spec = {
        "script": str(ROOT / "workflow" / "scripts" / script),
        "rule": rule,
        "input": inputs,
        "output": outputs,
        "params": params,
        "log": str(log),
        "wildcards": wildcards or {},
    }
    return subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, **(env or {})),
        cwd=log.parent,
    )


@pytest.fixture
def cache(tmp_path):
    """A small, valid embeddings cache (array + manifest) and a finished result beside it."""
    from curse_of_memory.data.embeddings import _sha256

    d = tmp_path / "results" / "data"
    arr = np.random.default_rng(0).standard_normal((3, 512, 8)).astype(np.float16)
    with io.atomic_path(d / "embeddings.npy") as tmp:
        np.save(tmp, arr)
    io.write_json(
        d / "embeddings.json",
        {
            "source": "test",
            "model": "test",
            "shape": list(arr.shape),
            "dtype": "float16",
            "sha256": _sha256(arr),
            "file": "embeddings.npy",
        },
    )
    io.write_json(d / "finished_fit.json", {"kept": True})
    return d


def _autocorrelation(d: Path):
    return _run_script(
        "autocorrelation.py",
        "autocorrelation",
        {"array": str(d / "embeddings.npy"), "manifest": str(d / "embeddings.json")},
        {"table": str(d / "autocorrelation.parquet"), "fit": str(d / "autocorrelation_fit.json")},
        {"data": {"autocorrelation": {"max_lag": 20}}, "src": "x"},
        d / "autocorrelation.log",
    )


def _one_line_failure(proc, *needles):
    assert proc.returncode == 2, proc.stderr[-3000:]
    errors = _errors(proc.stderr)
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.mark.e2e
def test_row_truncated_embeddings_array(cache):
    npy = cache / "embeddings.npy"
    npy.write_bytes(npy.read_bytes()[: npy.stat().st_size // 2])
    before = _files(cache)
    _one_line_failure(
        _autocorrelation(cache),
        "embeddings file",
        "truncated or corrupt",
        "delete",
        "rerun the embeddings rule",
    )
    assert not (cache / "autocorrelation.parquet").exists()
    assert {k: v for k, v in _files(cache).items() if not k.endswith(".log")} == before


@pytest.mark.e2e
def test_row_missing_cached_file(cache):
    (cache / "embeddings.json").unlink()
    before = _files(cache)
    _one_line_failure(
        _autocorrelation(cache),
        "embeddings manifest",
        "missing or corrupt",
        "rerun the embeddings rule",
    )
    assert {k: v for k, v in _files(cache).items() if not k.endswith(".log")} == before


@pytest.mark.e2e
def test_row_hub_source_while_offline(tmp_path):
    out = tmp_path / "results" / "data"
    io.write_json(out / "finished_fit.json", {"kept": True})
    text = dict(CFG["data"]["text"], source="hf-wikipedia")
    proc = _run_script(
        "embeddings.py",
        "data_text",
        {},
        {"articles": str(out / "articles.jsonl")},
        {"data": {"text": text}, "src": "x"},
        out / "data_text.log",
        env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"},
    )
    _one_line_failure(proc, "hf-wikipedia", "offline", "mediawiki-dump (works offline)")
    assert sorted(p.name for p in out.iterdir()) == ["data_text.log", "finished_fit.json"]


def _data_text(folder_or_text: dict, out: Path):
    text = dict(CFG["data"]["text"], **folder_or_text)
    return _run_script(
        "embeddings.py",
        "data_text",
        {},
        {"articles": str(out / "articles.jsonl")},
        {"data": {"text": text}, "src": "x"},
        out / "data_text.log",
    )


@pytest.mark.e2e
@pytest.mark.parametrize("bad", ["binary-txt", "latin1-jsonl", "dump-path-is-a-folder"])
def test_row_unreadable_text_source(tmp_path, bad):
    out = tmp_path / "results" / "data"
    io.write_json(out / "finished_fit.json", {"kept": True})
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("A good article.")
    if bad == "binary-txt":
        (folder / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
        proc = _data_text({"source": "text-folder", "folder": str(folder)}, out)
        _one_line_failure(
            proc,
            f"{folder / 'b.txt'} is not UTF-8 text",
            "byte 0x89 on line 1",
            "move it out of the folder",
        )
    elif bad == "latin1-jsonl":
        (folder / "c.jsonl").write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
        proc = _data_text({"source": "text-folder", "folder": str(folder)}, out)
        _one_line_failure(
            proc, f"{folder / 'c.jsonl'} is not UTF-8 text", "on line 2", "convert it to UTF-8"
        )
    else:
        proc = _data_text({"source": "mediawiki-dump", "dump_path": str(folder)}, out)
        _one_line_failure(
            proc,
            f"data.text.dump_path: {folder} is a folder, not a dump file",
            "give the .xml or .xml.bz2 file itself",
        )
    assert sorted(p.name for p in out.iterdir()) == ["data_text.log", "finished_fit.json"]


def test_row_nul_bytes_in_a_txt_file(tmp_path):
    from curse_of_memory.data.text import read_text_folder
    from curse_of_memory.errors import DataError

    (tmp_path / "a.txt").write_bytes(b"text\x00\x00\x00more")
    with pytest.raises(DataError, match=r"a.txt holds NUL bytes \(a binary file, not text\)"):
        read_text_folder(tmp_path)


def test_row_hub_source_offline_uses_a_cached_copy(monkeypatch):
    """Offline, hf-wikipedia reads a copy in the local datasets cache instead of refusing."""
    import types

    from curse_of_memory.data.text import load_articles

    calls = []
    config = types.SimpleNamespace(HF_HUB_OFFLINE=False, HF_DATASETS_OFFLINE=False)

    def load_dataset(name, config_name, split, streaming=False):
        calls.append(
            (
                name,
                config_name,
                split,
                streaming,
                config.HF_HUB_OFFLINE,
                os.environ.get("HF_DATASETS_OFFLINE"),
            )
        )
        return [{"title": f"A{i}", "text": "" if i == 1 else f"article {i}"} for i in range(10)]

    monkeypatch.setitem(
        sys.modules, "datasets", types.SimpleNamespace(config=config, load_dataset=load_dataset)
    )
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    arts = load_articles(
        {"source": "hf-wikipedia", "hf_date": "20231101", "hf_language": "en", "max_articles": 3}
    )
    assert [a["title"] for a in arts] == ["A0", "A2", "A3"]  # empty articles skipped, dataset order
    assert calls == [("wikimedia/wikipedia", "20231101.en", "train", False, True, "1")]
    assert config.HF_HUB_OFFLINE is False and "HF_DATASETS_OFFLINE" not in os.environ  # restored


def test_row_relative_model_path_that_does_not_exist(tmp_path, monkeypatch):
    from curse_of_memory.data.embeddings import load_model
    from curse_of_memory.errors import ConfigError, UserError

    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    with pytest.raises(ConfigError) as exc:
        load_model("models/bert-small")
    assert str(exc.value).startswith(
        f"data.model: folder models/bert-small does not exist (looked for "
        f"{tmp_path.resolve() / 'models' / 'bert-small'})"
    )
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # owner/name: a hub name or a relative folder
    with pytest.raises(UserError) as exc:
        load_model("nobody/bert-small")
    assert f"(and there is no folder {tmp_path.resolve() / 'nobody' / 'bert-small'})" in str(
        exc.value
    )
    assert "hub is offline" in str(exc.value) and "\n" not in str(exc.value)


# --- aggregation rows: a truncated run output -----------------------------------------------------
@pytest.mark.e2e
@pytest.mark.parametrize("name", ["metrics.parquet", "teachers.json"])
def test_row_truncated_run_output_in_the_aggregation(tmp_path, cellfile, name):
    _, ref = cellfile
    runs = tmp_path / "results" / "runs" / "badin"
    for cell in ("a", "b"):
        for f in ("metrics.parquet", "elr.parquet", "teachers.json"):
            (runs / cell).mkdir(parents=True, exist_ok=True)
            (runs / cell / f).write_bytes((ref / f).read_bytes())
    bad = runs / "b" / name
    bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    tables = tmp_path / "results" / "tables"
    before = _files(tmp_path / "results")
    proc = _run_script(
        "aggregate.py",
        "aggregate",
        {
            k: [str(runs / c / f) for c in ("a", "b")]
            for k, f in (
                ("metrics", "metrics.parquet"),
                ("elr", "elr.parquet"),
                ("teachers", "teachers.json"),
            )
        },
        {k: str(tables / f"badin_{k}.parquet") for k in ("by_lr", "best", "history")},
        {"cells": ["a", "b"], "src": "x"},
        tmp_path / "aggregate.log",
        wildcards={"experiment": "badin"},
    )
    _one_line_failure(proc, f"{bad} is truncated or corrupt", "delete it and rerun snakemake")
    assert _files(tmp_path / "results") == before and not tables.exists()


# --- training rows: the train CLI -----------------------------------------------------------------
CELL = {
    "experiment": "badin",
    "cell": "lru-tiny",
    "model": {"name": "lru", "hidden": 4},
    "optimizer": {"name": "adam"},
    "schedule": {"name": "cosine"},
    "task": {"T": 16, "batch": 4, "teacher_hidden": 3},
    "points": [{"nu0": 0.9, "theta0": 3.14}],
    "lrs": [0.01],
    "seeds": [0, 1],
    "steps": 20,
    "steps_per_epoch": 5,
    "validation_batches": 2,
    "checkpoint_every": 1,
    "device": "cpu",
}


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
    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "metrics.parquet"),
        pd.read_parquet(b / "metrics.parquet"),
        check_exact=True,
    )


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
    assert done.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "done.json",
        "rule.log",
    ]


class _TinyEmbedder:
    """Just what write_cache uses of a transformers model: config.hidden_size and embeddings()."""

    config = type("Config", (), {"hidden_size": 8})()

    def embeddings(self, input_ids):
        return torch.ones(*input_ids.shape, 8)


@pytest.mark.parametrize("where", ["free-space-check", "allocation"])
def test_row_full_disk_while_caching_embeddings(tmp_path, capsys, monkeypatch, where):
    """No SIGBUS inside the memory map: the space is checked and allocated before the first
    write."""
    from types import SimpleNamespace

    from curse_of_memory import storage
    from curse_of_memory.data.embeddings import write_cache
    from curse_of_memory.runlog import snakemake_log

    d = tmp_path / "results" / "data"
    io.write_json(d / "finished_fit.json", {"kept": True})
    before = _files(d)
    if where == "free-space-check":
        monkeypatch.setattr(storage.shutil, "disk_usage", lambda p: SimpleNamespace(free=1000))
    else:

        def no_space(fd, offset, length):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(storage.os, "posix_fallocate", no_space)
    ids = np.zeros((3, 512), dtype=np.int64)
    log = tmp_path / "embeddings.log"
    with pytest.raises(SystemExit) as exc:
        with snakemake_log(SimpleNamespace(log=[str(log)])):
            write_cache(d / "embeddings.npy", _TinyEmbedder(), ids, {"source": "test"})
    assert exc.value.code == 2
    errors = _errors(capsys.readouterr().err)
    assert (
        len(errors) == 1 and f"no space left while writing {d / 'embeddings.npy'}" in errors[0]
    ), errors
    if where == "free-space-check":
        assert "it needs 28.0 KiB, 1000 bytes are free" in errors[0]  # 3 x 512 x 8 float16 + header
    assert _files(d) == before  # no temporary file, no half cache; the finished file kept


def test_row_full_disk_while_writing_the_articles(tmp_path, capsys, monkeypatch):
    """The text rule names its output (not 'an output') when the disk is full."""
    import runpy
    from types import SimpleNamespace

    out = tmp_path / "results" / "data"
    io.write_json(out / "finished_fit.json", {"kept": True})
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("A good article.")
    before = _files(out)

    def disk_full(self, *a, **kw):  # as a full disk fails inside write(): no file name
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    articles = out / "articles.jsonl"
    smk = SimpleNamespace(
        params=SimpleNamespace(data={"text": {"source": "text-folder", "folder": str(folder)}}),
        output=SimpleNamespace(articles=str(articles)),
        log=[str(tmp_path / "data_text.log")],
        threads=1,
        rule="data_text",
    )
    threads = torch.get_num_threads()
    try:
        with pytest.raises(SystemExit) as exc:
            runpy.run_path(
                str(ROOT / "workflow/scripts/embeddings.py"), init_globals={"snakemake": smk}
            )
    finally:
        torch.set_num_threads(threads)
    assert exc.value.code == 2
    errors = _errors(capsys.readouterr().err)
    assert (
        len(errors) == 1 and f"no space left while writing {articles} (No space left" in errors[0]
    ), errors
    assert _files(out) == before


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
    assert s["diverged_members"] == [0, 1] and all(
        m["diverged_step"] is not None for m in s["members"]
    )
    m = pd.read_parquet(out / "metrics.parquet")
    last = m[m.epoch == m.epoch.max()]
    assert last.diverged.all() and last.train_loss.isna().all()


@pytest.mark.e2e
def test_row_yaml_syntax_error_names_line_and_column(repo):
    """A syntax error in config.yaml: one line with the place, exit 1, nothing written."""
    config = repo / "config.yaml"
    shipped = config.read_text()
    try:
        config.write_text(shipped.replace("device: auto", "device: [auto", 1))
        before = _files(repo / "results")
        proc = snakemake(repo, "-n", timeout=300)
    finally:
        config.write_text(shipped)
    assert proc.returncode == 1 and _files(repo / "results") == before
    (line,) = _errors(proc.stderr, "error: config:")
    line_no = next(
        n for n, text in enumerate(shipped.splitlines(), 1) if text.startswith("device: auto")
    )
    assert "config.yaml line " in line and "column" in line and "YAML syntax error" in line
    assert f"at line {line_no} column" in line  # the flow sequence opened on the device line
    assert "Traceback" not in proc.stderr


# --- the shipped reference run: checked before anything reads it, its absence said once ---------
REFERENCE = Path("results/reference/paper")


@pytest.fixture(scope="module")
def ref_repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("reference"))


@pytest.mark.e2e
@pytest.mark.parametrize(
    "damage,table,args",
    [
        ("edited", "fig3a_best", ["-n"]),  # the default (quick) tier: lr windows, Fig 3, claims
        ("truncated", "fig3a_best", ["-n"]),  # was an ArrowInvalid traceback at DAG build
        ("truncated", "fig11_best", ["-n", "--config", "tier=test"]),  # was fig11.py's traceback
        ("truncated", "fig3a_best", ["-n", "--config", "tier=paper", "runs=reference"]),
    ],
    ids=["edited-quick", "truncated-quick", "truncated-test", "truncated-runs-reference"],
)
def test_row_edited_or_truncated_reference_file(ref_repo, damage, table, args):
    """One value changed in a reference table (or the file cut short) stops the run before the
    DAG is built, with one line naming the file and how to restore it; nothing is written."""
    rel = REFERENCE / "tables" / f"{table}.parquet"
    path = ref_repo / rel
    shipped = path.read_bytes()
    before = _files(ref_repo / "results")
    try:
        if damage == "edited":
            frame = pd.read_parquet(path)
            frame.loc[0, "mean"] *= 1.5
            frame.to_parquet(path, index=False)
        else:
            path.write_bytes(shipped[:500])
        proc = snakemake(ref_repo, *args, timeout=300)
    finally:
        path.write_bytes(shipped)
    assert proc.returncode == 1, proc.stderr[-3000:]
    (line,) = _errors(proc.stderr)
    assert str(rel) in line and f"restore it with `git checkout -- {rel}`" in line, line
    assert f"({damage})" in line
    assert "Traceback" not in proc.stderr and "ArrowInvalid" not in proc.stderr
    assert _files(ref_repo / "results") == before


@pytest.mark.e2e
def test_row_missing_reference_is_said_once_with_what_changes(ref_repo):
    """`rm -rf results/` removes the shipped reference: the quick tier still runs, and says once
    what changes without it and how to restore it."""
    away = ref_repo.parent / "reference-away"
    (ref_repo / REFERENCE).rename(away)
    try:
        proc = snakemake(ref_repo, "-n", timeout=300)
    finally:
        away.rename(ref_repo / REFERENCE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if "reference" in line.lower()]
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith("warning: no paper-tier reference run")
    assert "lr windows fall back to the centres of the paper's grids" in line
    assert "no paper-tier reference is drawn" in line and "judged in the claims" in line
    assert "restore it with `git checkout -- results/reference`" in line


@pytest.mark.e2e
def test_row_python_tag_in_config_yaml_names_its_line(repo):
    """A tag the safe loader refuses: Snakemake only says 'not valid JSON or YAML'; the
    Snakefile's check names the line first."""
    config = repo / "config.yaml"
    shipped = config.read_text()
    try:
        config.write_text(shipped.replace("device: auto", "device: !!python/object:os.system", 1))
        before = _files(repo / "results")
        proc = snakemake(repo, "-n", timeout=300)
    finally:
        config.write_text(shipped)
    line_no = next(
        n for n, text in enumerate(shipped.splitlines(), 1) if text.startswith("device: auto")
    )
    assert proc.returncode == 1 and _files(repo / "results") == before
    (line,) = _errors(proc.stderr, "error: config:")
    assert f"config.yaml line {line_no}: the YAML tag !!python/object:os.system" in line
    assert "remove the tag" in line and "Traceback" not in proc.stderr
