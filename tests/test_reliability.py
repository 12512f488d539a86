"""Reliability (docs/RELIABILITY.md): the pipeline killed with SIGKILL in the middle of a
training job resumes (``--unlock``, then ``--rerun-incomplete``) to metrics bit-identical to an
uninterrupted run; a second ``snakemake`` in the same folder refuses with Snakemake's lock message
and changes nothing; every writer is atomic; the same config gives bit-identical metrics in two
processes and the summary records seeds, versions and the git commit.

The kill happens at a step count, not after a time: the training engine's stop hook
(``CURSE_OF_MEMORY_STOP_AFTER_STEP``, a self-SIGKILL) is turned by a ``sitecustomize`` shim (test
only) into "write a marker and wait": the test then kills the whole Snakemake process group.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from repo_copy import ROOT, copy_repo

from curse_of_memory import io

EXP, CELLS = "fig4", ("rnn", "crnn")  # the test tier's two single-member Fig 4 cells (20 steps)
TARGET = f"results/tables/{EXP}_best.parquet"  # both cells + their aggregation
STOP_STEP = 15  # epoch 2 of 2 (10 steps per epoch; the state is saved after epoch 1)
WAIT_S = 600  # failure guard for events (never a timing assertion)

# Test-only shim: the engine's stop hook calls os.kill(own pid, SIGKILL).  Here it announces the
# pid in HOLD_DIR/<pid>.held and waits for HOLD_DIR/<pid>.go (or is killed by the test meanwhile).
SHIM = """
import json, os, signal, sys, time
_dir = os.environ.get("COM_TEST_HOLD_DIR")
if _dir:
    _real_kill = os.kill
    def _hold(pid, sig):
        me = os.getpid()
        if pid != me or sig != signal.SIGKILL:
            return _real_kill(pid, sig)
        held, go = os.path.join(_dir, f"{me}.held"), os.path.join(_dir, f"{me}.go")
        if not os.path.exists(held):
            with open(held + ".tmp", "w") as fh:
                json.dump({"pid": me, "argv": sys.argv}, fh)
            os.replace(held + ".tmp", held)
        deadline = time.monotonic() + 900
        while not os.path.exists(go):
            if time.monotonic() > deadline:  # the test is gone: do not linger
                _real_kill(me, signal.SIGKILL)
            time.sleep(0.05)
    os.kill = _hold
"""


def _env(repo: Path, hook: Path | None = None, **extra) -> dict:
    path = [str(hook)] if hook else []
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SNAKEMAKE_PROFILE", "CURSE_OF_MEMORY_STOP_AFTER_STEP")
    }
    env.update(
        PYTHONPATH=os.pathsep.join(path + [str(repo / "src")]),
        CI="true",
        OMP_NUM_THREADS="1",
        **extra,
    )
    return env


def _smk(repo, *args, env=None, timeout=WAIT_S):
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=repo,
        env=env or _env(repo),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _wait_for(pred, what, proc=None):
    deadline = time.monotonic() + WAIT_S
    while not pred():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"snakemake ended (rc {proc.returncode}) before {what}:\n"
                + proc.stderr.read()[-4000:]
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def _held(hold_dir: Path) -> dict[str, int]:
    """{cell: pid} of the training processes waiting in the shim."""
    out = {}
    for f in hold_dir.glob("*.held"):
        info = json.loads(f.read_text())
        cell = Path(
            info["argv"][1]
        ).stem  # python -m curse_of_memory.train results/cells/fig4/<cell>.yaml
        out[cell] = info["pid"]
    return out


def _snapshot(repo: Path) -> dict[str, bytes]:
    """Every file under results/ with its bytes (logs of the held job excluded: it is running)."""
    return {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted((repo / "results").rglob("*"))
        if p.is_file() and "/logs/" not in str(p) and "/benchmarks/" not in str(p)
    }


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """Run A holds the first training job at step 15 (a second snakemake is started meanwhile),
    lets it finish, holds the second one at step 15 and is then killed (SIGKILL, whole process
    group); a plain rerun meets the stale lock; ``--unlock`` + ``--rerun-incomplete`` finishes."""
    base = tmp_path_factory.mktemp("reliability")
    repo = copy_repo(base / "repo")
    hook, hold = base / "hook", base / "hold"
    hook.mkdir()
    hold.mkdir()
    (hook / "sitecustomize.py").write_text(SHIM)
    env_a = _env(
        repo, hook, COM_TEST_HOLD_DIR=str(hold), CURSE_OF_MEMORY_STOP_AFTER_STEP=str(STOP_STEP)
    )
    rec = {"repo": repo}
    a = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1", TARGET, "--config", "tier=test"],
        cwd=repo,
        env=env_a,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: len(_held(hold)) == 1, "the first training job to reach step 15", a)
        first, first_pid = next(iter(_held(hold).items()))
        # 5. a second snakemake in the same folder while A runs
        before = _snapshot(repo)
        rec["second"] = _smk(
            repo, "--cores", "1", TARGET, "--config", "tier=test"
        )  # the same command
        after = _snapshot(repo)
        rec["second_changed"] = sorted(
            k for k in set(before) | set(after) if before.get(k) != after.get(k)
        )
        (hold / f"{first_pid}.go").write_text("")
        _wait_for(lambda: len(_held(hold)) == 2, "the second training job to reach step 15", a)
        second = next(c for c in _held(hold) if c != first)
        rec["first"], rec["second_cell"] = first, second
        rec["state_files"] = sorted(
            str(p.relative_to(repo)) for p in (repo / "results/state").rglob("state.pt")
        )
        first_done = repo / f"results/runs/{EXP}/{first}/metrics.parquet"
        rec["first_before"] = (first_done.read_bytes(), first_done.stat().st_mtime_ns)
        os.killpg(a.pid, signal.SIGKILL)  # kill -9 of snakemake and all its jobs
        a.wait(timeout=60)
        rec["a_rc"] = a.returncode
        rec["after_kill"] = sorted(
            str(p.relative_to(repo)) for p in (repo / "results/runs").rglob("*") if p.is_file()
        )
    finally:
        if a.poll() is None:
            os.killpg(a.pid, signal.SIGKILL)
            a.wait()
    rec["plain_rerun"] = _smk(repo, "--cores", "2", TARGET, "--config", "tier=test")
    rec["unlock"] = _smk(repo, "--unlock", TARGET, "--config", "tier=test")
    rec["resume"] = _smk(
        repo, "--cores", "2", TARGET, "--config", "tier=test", "--rerun-incomplete"
    )
    # uninterrupted reference: the same CELL.yaml, trained in one go outside Snakemake
    rec["ref"] = {}
    for cell in CELLS:
        out = base / "ref" / cell
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "curse_of_memory.train",
                str(repo / f"results/cells/{EXP}/{cell}.yaml"),
                "--out",
                str(out),
                "--threads",
                "1",
                "--state-dir",
                "none",
                "--no-progress",
            ],
            env=_env(repo),
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
        assert r.returncode == 0, r.stderr[-3000:]
        rec["ref"][cell] = out
    return rec


@pytest.mark.e2e
def test_second_snakemake_in_the_same_folder_refuses_and_changes_nothing(killed):
    r = killed["second"]
    assert r.returncode != 0
    assert "Directory cannot be locked" in r.stderr, r.stderr[-3000:]
    assert killed["second_changed"] == []  # no output written, deleted or touched


@pytest.mark.e2e
def test_pipeline_killed_mid_training_keeps_finished_work_and_the_state(killed):
    assert killed["a_rc"] == -signal.SIGKILL
    first, second = killed["first"], killed["second_cell"]
    assert killed["state_files"] and all(f"/{EXP}/{second}-" in s for s in killed["state_files"])
    done = {
        f"results/runs/{EXP}/{first}/{n}"
        for n in (
            "cell.yaml",
            "elr.parquet",
            "final.pt",
            "metrics.parquet",
            "summary.json",
            "teachers.json",
        )
    }
    assert set(killed["after_kill"]) == done  # the killed cell left nothing half-written
    # after a kill -9 the lock stays: a plain rerun refuses with Snakemake's message naming the fix
    plain = killed["plain_rerun"]
    assert plain.returncode != 0 and "--unlock" in plain.stderr, plain.stderr[-3000:]
    assert killed["unlock"].returncode == 0, killed["unlock"].stderr[-3000:]


@pytest.mark.e2e
def test_rerun_incomplete_resumes_to_bit_identical_metrics(killed):
    repo, first, second = killed["repo"], killed["first"], killed["second_cell"]
    r = killed["resume"]
    assert r.returncode == 0, r.stderr[-4000:]
    log = (repo / f"results/logs/train_cell/{EXP}/{second}.log").read_text()
    assert f"resuming {EXP}/{second} from epoch 1 (step 10)" in log  # it really resumed
    # the cell finished before the kill was not retrained
    done = repo / f"results/runs/{EXP}/{first}/metrics.parquet"
    assert (done.read_bytes(), done.stat().st_mtime_ns) == killed["first_before"]
    assert not list((repo / "results/state").rglob("state.pt"))  # states removed once finished
    for cell in CELLS:
        got, ref = repo / f"results/runs/{EXP}/{cell}", killed["ref"][cell]
        for name in ("metrics.parquet", "elr.parquet"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(ref / name), pd.read_parquet(got / name), check_exact=True
            )
        a, b = (torch.load(d / "final.pt", weights_only=True) for d in (ref, got))
        assert a["params"].keys() == b["params"].keys()
        assert all(torch.equal(a["params"][n], b["params"][n]) for n in a["params"])
        sa, sb = (json.loads((d / "summary.json").read_text()) for d in (ref, got))
        key = ("final_train_loss", "validation_loss", "final_expected_loss")
        assert [[m[k] for k in key] for m in sa["members"]] == [
            [m[k] for k in key] for m in sb["members"]
        ]
    assert len(pd.read_parquet(repo / TARGET)) > 0


# --- atomic outputs ------------------------------------------------------------------------------
def test_failure_inside_atomic_path_leaves_no_file(tmp_path):
    old = tmp_path / "done.parquet"
    old.write_bytes(b"finished result")
    new = tmp_path / "sub" / "new.parquet"
    for target in (old, new):
        with pytest.raises(RuntimeError, match="killed mid-write"):
            with io.atomic_path(target) as tmp:
                tmp.write_bytes(b"half a file")
                raise RuntimeError("killed mid-write")
    assert old.read_bytes() == b"finished result" and not new.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["done.parquet"]


def test_writer_failing_mid_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "metrics.parquet"
    df = pd.DataFrame({"a": [1.0, 2.0]})
    io.write_parquet(path, df)
    good = path.read_bytes()

    def half_then_fail(self, target, **kw):
        Path(target).write_bytes(good[: len(good) // 2])
        raise OSError(5, "Input/output error", str(target))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_fail)
    with pytest.raises(OSError):
        io.write_parquet(path, pd.DataFrame({"a": [3.0]}))
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.parquet"]


RAW_WRITE = re.compile(
    r"\.to_parquet\(|\.to_csv\(|\btorch\.save\(|\bnp\.save[z]?(_compressed)?\(|\.savefig\(|"
    r"(?<!\bio)\.write_text\(|\.write_bytes\(|\bjson\.dump\(|\bpickle\.dump\(|"
    r"\bopen\([^)]*['\"][wax]b?\+?['\"]|\.open\(['\"][wax]"
)


def test_every_writer_goes_through_an_atomic_helper():
    """A raw write (to_parquet, savefig, open(..., 'w'), ...) must sit inside ``with atomic_path``
    (curse_of_memory.io; plotting.style.save uses it too).  Only runlog's rule log is exempt."""
    files = (
        sorted((ROOT / "src/curse_of_memory").rglob("*.py"))
        + sorted((ROOT / "workflow").rglob("*.py"))
        + sorted((ROOT / "workflow/rules").glob("*.smk"))
        + [ROOT / "Snakefile"]
    )
    exempt = {"src/curse_of_memory/io.py", "src/curse_of_memory/runlog.py"}
    bad = []
    for f in files:
        rel = str(f.relative_to(ROOT))
        if rel in exempt:
            continue
        lines = f.read_text().splitlines()
        for i, line in enumerate(lines):
            code = line.split("#", 1)[0]
            if RAW_WRITE.search(code) and not any(
                "atomic_path(" in lines[j] for j in range(max(0, i - 8), i + 1)
            ):
                bad.append(f"{rel}:{i + 1}: {line.strip()}")
    assert not bad, "write through curse_of_memory.io (atomic):\n" + "\n".join(bad)


# --- determinism and provenance ------------------------------------------------------------------
TINY = {
    "experiment": "reltest",
    "cell": "rnn-tiny",
    "model": {"name": "rnn", "hidden": 4, "heads": 2},
    "optimizer": {"name": "adam"},
    "schedule": {"name": "cosine"},
    "task": {"T": 16, "batch": 4, "teacher_hidden": 3},
    "points": [{"nu0": 0.9, "theta0": 3.14}],
    "lrs": [0.01, 0.001],
    "seeds": [3, 5],
    "steps": 10,
    "steps_per_epoch": 5,
    "validation_batches": 2,
    "device": "cpu",
}


def test_same_config_twice_is_bit_identical_and_summary_records_provenance(tmp_path):
    f = tmp_path / "cell.yaml"
    f.write_text(yaml.safe_dump(TINY))
    outs = []
    for run in ("a", "b"):  # two separate processes
        out = tmp_path / run
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "curse_of_memory.train",
                str(f),
                "--out",
                str(out),
                "--threads",
                "1",
                "--state-dir",
                "none",
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            timeout=WAIT_S,
            env=dict(os.environ, PYTHONHASHSEED=str(len(run) + ord(run))),
        )
        assert r.returncode == 0, r.stderr[-3000:]
        outs.append(out)
    for name in ("metrics.parquet", "elr.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(outs[0] / name), pd.read_parquet(outs[1] / name), check_exact=True
        )
    s = json.loads((outs[0] / "summary.json").read_text())
    assert s["config"]["seeds"] == [3, 5] and [m["seed"] for m in s["members"]] == [3, 5, 3, 5]
    assert s["config"]["task"]["teacher_seed"] == 42
    import curse_of_memory

    assert (
        s["package_version"] == curse_of_memory.__version__
        and s["torch_version"] == torch.__version__
    )
    assert s["python"] == ".".join(map(str, sys.version_info[:3])) and s["threads"] == 1
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=Path(curse_of_memory.__file__).parent,
        capture_output=True,
        text=True,
    )
    assert s["git_commit"] == (head.stdout.strip() or None)
    assert s["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", s["git_commit"])


# --- an interrupted PDF build, the end-of-run summary ---------------------------------------------
TINY_TEX = r"""\documentclass{article}
\begin{document}
A one-page stand-in for paper/main.tex: the rule, not the paper, is under test.
\end{document}
"""
# Test-only pdflatex: the first call runs the real pdflatex (its aux, log and PDF are written),
# then announces its pid and waits to be killed - a pdflatex killed during a build.
PDFLATEX = """#!/bin/sh
if [ ! -e "$COM_TEST_PDF_HOLD/go" ]; then
    "$COM_TEST_REAL_PDFLATEX" "$@"
    echo $$ > "$COM_TEST_PDF_HOLD/held.tmp" && mv "$COM_TEST_PDF_HOLD/held.tmp" \\
        "$COM_TEST_PDF_HOLD/held"
    while [ ! -e "$COM_TEST_PDF_HOLD/go" ]; do sleep 0.1; done
    exit 0
fi
exec "$COM_TEST_REAL_PDFLATEX" "$@"
"""
PLANTED_CLAIMS = [
    {
        "id": "fig1.planted",
        "figure": "fig1",
        "claim": "planted by the test",
        "criterion": "none",
        "values": {"x": 1.0},
        "pass": True,
        "status": "pass",
    }
]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A test-tier tree in which every output of the run exists (empty placeholders, as after a
    finished run) except paper/main.pdf, with a one-page paper/main.tex: the PDF rule runs alone.
    results/claims.json holds one planted record."""
    repo = copy_repo(tmp_path_factory.mktemp("finished") / "repo")
    listing = _smk(repo, "--summary", "paper/main.pdf", "--config", "tier=test", timeout=300)
    assert listing.returncode == 0, listing.stderr[-3000:]
    outputs = [row.split("\t")[0] for row in listing.stdout.splitlines()[1:] if "\t" in row]
    assert "results/claims.json" in outputs and "paper/main.pdf" in outputs
    (repo / "paper" / "main.tex").write_text(TINY_TEX)
    stamp = time.time()
    for rel in outputs:
        if rel != "paper/main.pdf":
            path = repo / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(PLANTED_CLAIMS) if rel == "results/claims.json" else "")
            os.utime(path, (stamp, stamp))
    return repo


@pytest.mark.e2e
def test_interrupted_pdf_build_is_rebuilt_by_the_next_run(finished, tmp_path):
    """pdflatex killed during the build, then a plain rerun: a PDF (latexmk used to reuse the
    killed build's state, answer 'Nothing to do ... pdflatex: gave an error', exit 12, forever)."""
    real = shutil.which("pdflatex")
    if not shutil.which("latexmk") or not real:
        pytest.skip("latexmk/pdflatex are not installed (TeX is optional; .ci/run installs it)")
    repo = finished
    wrap, hold = tmp_path / "bin", tmp_path / "hold"
    wrap.mkdir()
    hold.mkdir()
    (wrap / "pdflatex").write_text(PDFLATEX)
    (wrap / "pdflatex").chmod(0o755)
    env = _env(
        repo,
        PATH=os.pathsep.join([str(wrap), os.environ["PATH"]]),
        COM_TEST_PDF_HOLD=str(hold),
        COM_TEST_REAL_PDFLATEX=real,
    )
    args = ["--cores", "1", "paper/main.pdf", "--config", "tier=test"]
    first = subprocess.Popen(
        [sys.executable, "-m", "snakemake", *args],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: (hold / "held").exists(), "pdflatex to finish its first pass", first)
        os.kill(int((hold / "held").read_text()), signal.SIGKILL)
        out, err = first.communicate(timeout=WAIT_S)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 1 and "Error in rule paper_pdf" in err, err[-3000:]
    assert not (repo / "paper" / "main.pdf").exists()
    (hold / "go").write_text("")
    again = _smk(repo, *args, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (repo / "paper" / "main.pdf").read_bytes().startswith(b"%PDF")
    # the claims job is in this run's DAG: its summary is shown, labelled with the tier
    shown = [line for line in again.stdout.splitlines() if line.startswith("claims")]
    assert shown and shown[0].startswith("claims (test tier): 1 pass"), again.stdout[-2000:]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A copy of the repository with nothing built."""
    return copy_repo(tmp_path_factory.mktemp("fresh") / "repo")


@pytest.mark.e2e
def test_summary_of_a_run_that_did_not_check_the_claims_is_not_shown(fresh):
    """A results/claims.json left by another tier (or older outputs) is not printed as this run's
    summary when this run did not rebuild it."""
    claims = fresh / "results" / "claims.json"
    claims.parent.mkdir(parents=True, exist_ok=True)
    claims.write_text(json.dumps(PLANTED_CLAIMS))  # e.g. from a quick-tier run
    try:
        r = _smk(
            fresh, "--cores", "1", "--config", "tier=test", "--", "results/cells/fig4/rnn.yaml"
        )
    finally:
        claims.unlink()
    assert r.returncode == 0, r.stderr[-3000:]
    assert "1 pass" not in r.stdout + r.stderr
    lines = [line for line in r.stdout.splitlines() if line.startswith("claims")]
    assert lines == [
        "claims: not checked by this run (results/claims.json may be from another tier or older "
        "outputs); `snakemake --cores all --config tier=test` checks them"
    ]


# --- a failing training job, device: cuda without a GPU, the Slurm profile ----------------------
@pytest.mark.e2e
def test_failing_training_job_prints_its_error_line_on_the_console(fresh):
    """The train CLI's one `error:` line reaches the console before Snakemake's job report (the
    job's output goes to its log)."""
    cell = fresh / "results" / "cells" / "fig4" / "rnn.yaml"
    r = _smk(fresh, "--cores", "1", "--config", "tier=test", "--", str(cell.relative_to(fresh)))
    assert r.returncode == 0 and cell.exists(), r.stderr[-3000:]
    spec = yaml.safe_load(cell.read_text())
    cell.write_text(yaml.safe_dump(dict(spec, seeds=spec["seeds"] + spec["seeds"][:1])))
    target = "results/runs/fig4/rnn/metrics.parquet"
    r = _smk(fresh, "--cores", "1", "--config", "tier=test", "--", target)
    assert r.returncode == 1
    err = r.stderr.splitlines()
    wanted = f"error: seeds: {spec['seeds'][0]} is listed twice; allowed: each value once"
    assert wanted in err, r.stderr[-3000:]
    assert err.index(wanted) < next(i for i, s in enumerate(err) if "Error in rule train_cell" in s)
    log = (fresh / "results/logs/train_cell/fig4/rnn.log").read_text()
    assert wanted in log


@pytest.mark.e2e
def test_device_cuda_without_a_gpu_stops_before_any_job(fresh):
    """device: cuda where the training jobs would run on this machine and torch sees no GPU: one
    line, exit 1, no job run (a dry run, or a cluster run, cannot know: it goes on)."""
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU that torch can use")
    env = _env(fresh)
    env.pop("CURSE_OF_MEMORY_ALLOW_CPU", None)
    target = [
        "--config",
        "tier=test",
        "device=cuda",
        "--",
        "results/runs/fig4/crnn/metrics.parquet",
    ]
    r = _smk(fresh, "--cores", "1", *target, env=env)
    assert r.returncode == 1
    (line,) = [s for s in r.stderr.splitlines() if s.startswith("error:")]
    assert line.startswith("error: config: device: cuda, but torch") and "device: " in line
    assert "set device: auto or cpu" in line and "Traceback" not in r.stderr
    assert not (fresh / "results/cells/fig4/crnn.yaml").exists()  # nothing ran
    dry = _smk(fresh, "-n", *target, env=env)
    assert dry.returncode == 0, dry.stderr[-3000:]


def test_slurm_profile_prints_a_failed_jobs_log():
    """A cluster job's stderr goes to its Slurm log; the profile prints the job's own log (with the
    training's `error:` line) on the console."""
    profile = yaml.safe_load((ROOT / "slurm" / "config.yaml").read_text())
    assert profile.get("show-failed-logs") is True


# --- every snakemake command of the README parses and dry-runs ----------------------------------
def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    fence = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.S | re.M)
    lines = [line for block in fence.findall(text) for line in block.splitlines()]
    lines += [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", fence.sub("", text))]
    commands = []
    for line in lines:
        line = line.split(" #", 1)[0].strip()
        start = line.find("snakemake ")
        if start < 0 or line.startswith("#") or not re.match(r"(.*(&&|\s)|)snakemake ", line):
            continue
        command = line[start:]
        if command not in commands:
            commands.append(command)
    return commands


# commands a dry run cannot check, and why
README_SKIPPED = {
    "--report": "a report needs the outputs of a finished run",
    "<": "a placeholder (<test|quick|paper>), not a command",
}


@pytest.mark.e2e
def test_every_readme_snakemake_command_dry_runs(fresh):
    """Each `snakemake ...` line of README.md (code blocks and inline code) dry-runs in a copy of
    the repository (`-n` added; the Slurm profile's lines too, as no job is submitted)."""
    commands = _readme_commands()
    assert len(commands) >= 10 and "snakemake --cores all" in commands
    failed = []
    for command in commands:
        if any(key in command for key in README_SKIPPED):
            continue
        args = shlex.split(command)[1:]
        r = _smk(fresh, "-n", *args, timeout=300)
        if r.returncode != 0:
            said = [s for s in (r.stdout + r.stderr).splitlines() if "rror" in s] or [""]
            failed.append(f"{command}\n    {said[-1].strip()}")
    assert not failed, "README commands that do not dry-run:\n" + "\n".join(failed)
