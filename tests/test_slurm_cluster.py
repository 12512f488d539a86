"""`snakemake --profile slurm` against a real Slurm cluster (marked `e2e` and `slurm`).

They need a running cluster whose default partition has a (fake) GPU: in CI, .ci/start-slurm.sh
starts one on the CI machine and sets CURSE_OF_MEMORY_REQUIRE_SLURM=1, so a missing cluster is a
failure there.  Elsewhere (a laptop) they are skipped with the reason.  Each test works in its
own temporary copy of the repository, so the checkout's results/ are never touched.

The CI cluster's GPU is a copy of /dev/null: Slurm grants it (CUDA_VISIBLE_DEVICES=0) but torch
cannot use it, so the runs that must succeed set CURSE_OF_MEMORY_ALLOW_CPU=1, which the Slurm jobs
inherit (the plugin submits with --export=ALL); the test without it checks the one-line error.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slurm]

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = os.environ.get("CURSE_OF_MEMORY_REQUIRE_SLURM", "") not in ("", "0")
# per snakemake run, a guard against hangs (not a timing assertion): beyond it the run is
# interrupted with SIGINT, which cancels its Slurm jobs.  Raise it on a crowded machine.
RUN_LIMIT_S = int(os.environ.get("CURSE_OF_MEMORY_SLURM_RUN_LIMIT", "420"))
# The profile's first status check waits 20 s (sensible on a real cluster); 2 s keeps CI short.
# MinJobAge (3600 s on the CI cluster) >= 3 x 2 s, so the plugin keeps polling with squeue.
FAST_POLL = ("--slurm-init-seconds-before-status-checks", "2")


def _cluster_problem() -> str | None:
    """Why no usable Slurm cluster is reachable from here, or None if one is."""
    missing = [
        tool
        for tool in ("sbatch", "squeue", "scontrol", "sinfo", "scancel")
        if shutil.which(tool) is None
    ]
    if missing:
        return f"no Slurm client tools ({', '.join(missing)} not on PATH)"
    try:
        ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=20)
        nodes = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        return "slurmctld does not answer (scontrol ping timed out)"
    if "UP" not in ping.stdout:
        first = next(
            (ln.strip() for ln in (ping.stdout + ping.stderr).splitlines() if ln.strip()), ""
        )
        return f"slurmctld does not answer (scontrol ping: {first[:100] or 'no output'})"
    if not re.search(r"idle|mixed|alloc|completing", nodes.stdout):
        return f"no Slurm node accepts jobs (sinfo states: {nodes.stdout.split() or 'none'})"
    return None


@pytest.fixture(scope="module")
def cluster() -> dict[str, str]:
    problem = _cluster_problem()
    if problem:
        message = f"{problem}; start a local cluster with `sudo .ci/start-slurm.sh`"
        if REQUIRED:
            pytest.fail(f"CURSE_OF_MEMORY_REQUIRE_SLURM is set but {message}", pytrace=False)
        pytest.skip(message)
    partitions = subprocess.run(
        ["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, check=True
    ).stdout.split()
    default = next((p.rstrip("*") for p in partitions if p.endswith("*")), partitions[0])
    return {"partition": default}


@pytest.fixture
def repo(tmp_path) -> Path:
    """A temporary copy of the repository: what git tracks or would track (no results/, no
    generated figures, no slurm/site.yaml)."""
    dest = tmp_path / "repo"
    if not (ROOT / ".git").exists():  # e.g. an unpacked archive: copy all but generated files
        skip = ("results", ".snakemake", "figures", "tables", "generated", "site.yaml", ".git")
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*skip))
        return dest
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _snakemake() -> list[str]:
    exe = Path(sys.executable).with_name("snakemake")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "snakemake"]


def _env(cluster: dict[str, str], allow_cpu: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_"))}
    env.pop("CURSE_OF_MEMORY_ALLOW_CPU", None)
    # the site settings, the way a cluster user gives them (see slurm/config.yaml)
    env["SLURM_PARTITION"] = cluster["partition"]
    env["SLURM_ACCOUNT"] = "curse-ci"  # any name is accepted without an accounting database
    if allow_cpu:
        env["CURSE_OF_MEMORY_ALLOW_CPU"] = "1"
    return env


def snakemake_cmd(*args: str) -> list[str]:
    return [*_snakemake(), "--profile", "slurm", *FAST_POLL, *args]


def run_snakemake(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # SIGINT, not SIGTERM: the plugin cancels its jobs and exits on SIGINT only
    cmd = ["timeout", "-s", "INT", "-k", "30", str(RUN_LIMIT_S), *snakemake_cmd(*args)]
    result = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    (repo / "snakemake.out").write_text(result.stdout + result.stderr)
    assert result.returncode != 124, f"snakemake ran over {RUN_LIMIT_S}s:\n{_tail(result)}"
    return result


def _tail(result: subprocess.CompletedProcess, n: int = 40) -> str:
    return "\n".join((result.stdout + result.stderr).splitlines()[-n:])


def run_id(output: str) -> str:
    found = re.search(r"SLURM run ID: (\S+)", output)
    assert found, "the slurm executor did not report its run ID"
    return found.group(1)


def slurm_jobs(run_uuid: str) -> list[dict[str, str]]:
    """Every Slurm job of one snakemake run (its job name is the run ID), oldest first."""
    ids = subprocess.run(
        ["squeue", "-h", "-t", "all", "-n", run_uuid, "-o", "%i"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    jobs = []
    for job_id in sorted(ids, key=int):
        line = subprocess.run(
            ["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True, check=True
        ).stdout
        jobs.append(dict(re.findall(r"(\w+)=(\S*)", line)))
    return jobs


def cluster_rules() -> set[str]:
    """Rules that the profile sizes for the cluster (set-resources); all others are local."""
    text = (ROOT / "slurm" / "config.yaml").read_text()
    block = text.split("\nset-resources:\n", 1)[1]
    return set(re.findall(r"^  (\w+):\s*$", block, flags=re.M))


def train_targets(repo: Path, env: dict[str, str]) -> list[str]:
    """The metrics.parquet of every training cell of the test tier (from --summary, no run)."""
    result = subprocess.run(
        [*_snakemake(), "--config", "tier=test", "--summary", "--cores", "1"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, _tail(result)
    return sorted(
        set(re.findall(r"^(results/runs/\S+/metrics\.parquet)\s", result.stdout, flags=re.M))
    )


def test_test_tier_runs_through_slurm(cluster, repo):
    env = _env(cluster, allow_cpu=True)
    result = run_snakemake(repo, env, "--config", "tier=test")
    assert result.returncode == 0, _tail(result)

    output = result.stdout + result.stderr
    jobs = slurm_jobs(run_id(output))
    assert 1 <= len(jobs) <= 6, f"the test tier should be at most 6 Slurm jobs, got {len(jobs)}"
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", output)
    assert sorted(submitted, key=int) == [j["JobId"] for j in jobs]
    heavy = cluster_rules()
    for job in jobs:
        rule = re.sub(r"_wildcards_.*$", "", job["Comment"]).removeprefix("rule_")
        assert rule in heavy, f"rule {rule} ran as a Slurm job; it should be a localrule"
        assert job["JobState"] == "COMPLETED", job
        assert job["Partition"] == cluster["partition"]
        assert job["Account"] == "curse-ci"
        if rule == "train_cell":
            assert "gpu:1" in job.get("TresPerJob", ""), f"no GPU asked for: {job}"

    trained = sorted(repo.glob("results/runs/*/*/metrics.parquet"))
    assert len(trained) == sum(j["Comment"].startswith("rule_train_cell") for j in jobs) > 0
    assert all(p.stat().st_size > 0 for p in trained)
    assert list(repo.glob("paper/figures/*.pdf")), "no figure was drawn"

    # everything the test tier asks for is there: a second run has nothing to do
    again = subprocess.run(
        [*_snakemake(), "--config", "tier=test", "-n", "--cores", "1"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, _tail(again)
    assert "Nothing to be done" in again.stdout + again.stderr, _tail(again)


def test_granted_but_unusable_gpu_fails_clearly_and_is_retried(cluster, repo):
    """No CURSE_OF_MEMORY_ALLOW_CPU: the training job exits non-zero with the device error."""
    env = _env(cluster, allow_cpu=False)
    target = train_targets(repo, env)[0]
    result = run_snakemake(repo, env, "--config", "tier=test", "--", target)
    output = result.stdout + result.stderr
    assert result.returncode != 0, _tail(result)

    jobs = slurm_jobs(run_id(output))
    # one attempt plus the profile's one retry, each a failed Slurm job asking for a GPU
    assert [j["JobState"] for j in jobs] == ["FAILED", "FAILED"], jobs
    assert all("gpu:1" in j.get("TresPerJob", "") for j in jobs)
    # each attempt is reported (show-failed-logs also prints the failed job's own log, which
    # repeats the report: at least the two attempts, counted exactly by Slurm's job states above)
    assert len(re.findall(r"Error in rule train_cell", output)) >= 2, _tail(result)
    assert not (repo / target).exists()

    log = next((repo / "results/logs/train_cell").rglob("*.log")).read_text()
    assert "a GPU was granted by Slurm but torch cannot use it" in log, log[-2000:]
    assert "CURSE_OF_MEMORY_ALLOW_CPU=1" in log


PROBE = """
# added by tests/test_slurm_cluster.py to its temporary copy only
rule ci_sleep:
    output: "results/ci/sleep.txt"
    log: "results/logs/ci_sleep/sleep.log"
    resources: runtime=5, mem_mb=100
    shell: "echo started > {log}; sleep 600; touch {output}"
"""


def test_scancel_makes_the_run_fail_cleanly(cluster, repo):
    (repo / "ci_probe.smk").write_text(PROBE)
    with open(repo / "Snakefile", "a") as snakefile:
        snakefile.write('\ninclude: "ci_probe.smk"\n')
    env = _env(cluster, allow_cpu=True)
    out_path = repo / "snakemake.out"
    with open(out_path, "w") as out:
        proc = subprocess.Popen(
            [
                "timeout",
                "-s",
                "INT",
                "-k",
                "30",
                str(RUN_LIMIT_S),
                *snakemake_cmd("--config", "tier=test", "--", "results/ci/sleep.txt"),
            ],
            cwd=repo,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    cancelled: set[str] = set()
    try:
        deadline = time.monotonic() + RUN_LIMIT_S
        while proc.poll() is None and time.monotonic() < deadline:
            found = re.search(r"SLURM run ID: (\S+)", out_path.read_text())
            if found:
                # cancel every attempt (the profile retries once) as soon as it is running
                for job in slurm_jobs(found.group(1)):
                    if job["JobState"] == "RUNNING" and job["JobId"] not in cancelled:
                        subprocess.run(["scancel", job["JobId"]], check=True)
                        cancelled.add(job["JobId"])
            time.sleep(1)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    output = out_path.read_text()
    assert rc not in (0, 124), output[-3000:]

    jobs = slurm_jobs(run_id(output))
    assert [j["JobState"] for j in jobs] == ["CANCELLED", "CANCELLED"], jobs
    assert {j["JobId"] for j in jobs} == cancelled
    assert "SLURM status is: 'CANCELLED'" in output
    assert not (repo / "results/ci/sleep.txt").exists()
    # no job of the run is left in the queue, no lock is left behind
    live = subprocess.run(
        ["squeue", "-h", "-n", run_id(output), "-o", "%i"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert live == []
    assert not list((repo / ".snakemake/locks").glob("*"))
