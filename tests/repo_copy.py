"""Helpers for tests that run Snakemake: a throw-away copy of the repository and a runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(
    ".git",
    ".snakemake",
    "results",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    "figures",
    "generated",
    "main.pdf",
)


def copy_repo(dest: Path) -> Path:
    """Copy the repository's tracked files (a plain tree copy when it is not a git checkout)."""
    dest = Path(dest)
    try:
        files = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        names = [n for n in files.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = None
    if not names:
        shutil.copytree(ROOT, dest, ignore=IGNORE, dirs_exist_ok=True)
        return dest
    for name in names:
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def snakemake(repo: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run snakemake in ``repo`` with the copy's own package first on the path."""
    env = dict(os.environ, PYTHONPATH=str(repo / "src"), CI="true")
    env.pop("SNAKEMAKE_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def dry_run_jobs(output: str) -> list[dict]:
    """Parse `snakemake -n` output into [{rule, wildcards: {...}}, ...]."""
    jobs, current = [], None
    for line in output.splitlines():
        s = line.strip()
        if s.startswith(("rule ", "localrule ")) and s.endswith(":"):
            current = {"rule": s.split()[1].rstrip(":"), "wildcards": {}}
            jobs.append(current)
        elif current is not None and s.startswith("wildcards:"):
            for part in s[len("wildcards:") :].split(","):
                k, _, v = part.strip().partition("=")
                current["wildcards"][k] = v
    return jobs
