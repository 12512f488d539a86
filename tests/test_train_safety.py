"""The train CLI deletes only what it made, never executes a file from disk, and takes only plain
experiment names."""

import pickle

import pytest
import torch

from curse_of_memory.cell import validate_cell
from curse_of_memory.errors import ConfigError
from curse_of_memory.train import STATE_MARKER, run_cell

CELL = {
    "experiment": "safety",
    "cell": "lru-tiny",
    "model": {"name": "lru", "hidden": 4},
    "optimizer": {"name": "adam"},
    "task": {"T": 20, "batch": 4, "teacher_hidden": 3},
    "points": [{"nu0": 0.9}],
    "lrs": [0.01],
    "seeds": [0],
    "steps": 10,
    "steps_per_epoch": 5,
    "validation_batches": 1,
    "device": "cpu",
}


@pytest.mark.parametrize("which", ["out", "parent-of-out", "cwd"])
def test_state_dir_that_holds_outputs_or_the_working_directory_is_refused(
    tmp_path, monkeypatch, which
):
    out = tmp_path / "runs" / "safety" / "lru-tiny"
    monkeypatch.chdir(tmp_path)
    sdir = {"out": out, "parent-of-out": tmp_path / "runs", "cwd": tmp_path}[which]
    (tmp_path / "keep.txt").write_text("a user's file")
    with pytest.raises(ConfigError, match="--state-dir"):
        run_cell(CELL, out, state_dir=sdir)
    assert (tmp_path / "keep.txt").read_text() == "a user's file"


def test_only_the_engines_own_files_are_deleted(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("not the engine's")
    run_cell(CELL, tmp_path / "a", state_dir=shared)
    assert (shared / "notes.txt").exists() and not (
        shared / "state.pt"
    ).exists()  # a folder it did not make
    made = tmp_path / "made" / "by-engine"
    run_cell(CELL, tmp_path / "b", state_dir=made)
    assert not made.exists()  # a folder it made, emptied: removed
    keep = tmp_path / "made2"
    with pytest.raises(Exception, match="5"):
        run_cell(CELL, tmp_path / "c", state_dir=keep, stop_after_step=5, stop_mode="raise")
    assert (keep / STATE_MARKER).exists()
    (keep / "mine.txt").write_text("added while it ran")
    run_cell(CELL, tmp_path / "c", state_dir=keep)
    assert (keep / "mine.txt").exists() and not (keep / "state.pt").exists()


class _Evil:
    def __init__(self, flag):
        self.flag = flag

    def __reduce__(self):
        return (open, (self.flag, "w"))


def test_a_planted_state_file_is_never_executed(tmp_path):
    sdir = tmp_path / "state"
    sdir.mkdir()
    flag = tmp_path / "executed"
    with open(sdir / "state.pt", "wb") as fh:
        pickle.dump({"step": _Evil(str(flag))}, fh)
    logs = []
    run_cell(CELL, tmp_path / "out", state_dir=sdir, log=logs.append)
    assert not flag.exists()
    assert any("ignoring unreadable training state" in m for m in logs)
    final = torch.load(
        tmp_path / "out" / "final.pt", weights_only=True
    )  # outputs load without pickle
    assert "params" in final


@pytest.mark.parametrize("name", ["..", "../x", "a/b", "Fig3", ""])
def test_experiment_names_follow_the_pipeline_rule(name):
    with pytest.raises(ConfigError, match="experiment"):
        validate_cell(dict(CELL, experiment=name))


def test_a_full_disk_during_a_checkpoint_names_the_file(tmp_path, monkeypatch):
    """torch.save on a full disk raises a RuntimeError from its zip writer: reported as ENOSPC
    naming the file, with no temporary file left behind."""
    import errno

    from curse_of_memory import io

    def full(obj, f):
        with open(f, "wb") as fh:
            fh.write(b"partial")
        raise RuntimeError(
            "[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed "
            "writing file data/0: file write failed"
        )

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(OSError) as info:
        io.torch_save(tmp_path / "state.pt", {"x": 1})
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "state.pt")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_names_the_output_not_its_temporary_file(tmp_path):
    import errno

    from curse_of_memory import io

    target = tmp_path / "fig3.pdf"
    with pytest.raises(OSError) as info:
        with io.atomic_path(target) as tmp:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert info.value.filename == str(target) and list(tmp_path.iterdir()) == []


def test_a_log_on_the_full_disk_still_gets_the_message_to_the_console(capsys):
    """A rule's log that cannot be written (here /dev/full): the one-line error reaches stderr."""
    import errno
    from types import SimpleNamespace

    from curse_of_memory.runlog import snakemake_log

    with pytest.raises(SystemExit) as info:
        with snakemake_log(SimpleNamespace(log=["/dev/full"])):
            raise OSError(errno.ENOSPC, "No space left on device", "paper/figures/fig11.pdf")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "error: no space left while writing paper/figures/fig11.pdf" in err
