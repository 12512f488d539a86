"""Train one cell: ``python -m curse_of_memory.train CELL.yaml --out DIR``.

The cell file format and the output folder are documented in docs/CELL_FORMAT.md.  Python API:

>>> from curse_of_memory.train import run_cell
>>> summary = run_cell(cell_dict, "results/runs/fig3/lru-exp-learned-adam")

Options: ``--state-dir`` (default ``results/state/<experiment>/<cell>-<config hash>/``, next to the
``runs`` folder when ``--out`` is ``.../runs/<experiment>/<cell>``), ``--threads`` (default: the
OMP_NUM_THREADS environment variable, else torch's default), ``--device`` (overrides the cell's),
``--no-progress``.  The state folder must not be the output folder, the working directory or a
parent of either; after a finished run only the engine's own ``state.pt`` (and the folder, if the
engine created it and it is then empty) is deleted.  Environment:
``CURSE_OF_MEMORY_STOP_AFTER_STEP=N`` kills the process (SIGKILL) right after update N and says so
on stderr (used by the reliability tests; never set it otherwise).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

from curse_of_memory import __version__, io
from curse_of_memory.cell import validate_cell
from curse_of_memory.config_io import numbers_from_text
from curse_of_memory.device import resolve_device
from curse_of_memory.errors import ConfigError, DataError, cli_errors
from curse_of_memory.training.engine import config_hash, train_population

STATE_MARKER = ".curse-of-memory-state"
STOP_ENV = "CURSE_OF_MEMORY_STOP_AFTER_STEP"


class StopRequested(Exception):
    """Raised after the update that ``run_cell(stop_after_step=N, stop_mode="raise")`` names."""


def stop_hook(stop_after_step: int | None, stop_mode: str = "kill"):
    """The crash a test asks for, as an ``after_step`` callback of the engine (None: none asked).

    Needed by the resume tests: a cell must die right after a given update, between two
    checkpoints, which no signal sent from outside can time.  ``kill`` SIGKILLs the process (as a
    crash: nothing more is saved; the reliability tests set ``CURSE_OF_MEMORY_STOP_AFTER_STEP``
    on a job run by Snakemake), ``raise`` raises :class:`StopRequested` (in-process tests)."""
    if stop_after_step is None and os.environ.get(STOP_ENV):
        stop_after_step = int(os.environ[STOP_ENV])
    if stop_after_step is None:
        return None

    def after_step(step: int) -> None:
        if step < stop_after_step:
            return
        if stop_mode == "raise":
            raise StopRequested(step)
        print(
            f"{STOP_ENV}={stop_after_step}: stopping this process (SIGKILL) after step "
            f"{step}, as asked",
            file=sys.stderr,
            flush=True,
        )
        os.kill(os.getpid(), signal.SIGKILL)

    return after_step


def default_state_dir(c: dict, out_dir: Path, chash: str) -> Path:
    out_dir = Path(out_dir)
    if out_dir.parent.parent.name == "runs":
        root = out_dir.parent.parent.parent / "state"
    else:
        root = Path("results") / "state"
    return root / c["experiment"] / f"{c['cell']}-{chash}"


def _git_commit() -> str | None:
    try:
        r = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        return r.stdout.strip() or None
    except Exception:
        return None


def run_cell(
    cell: dict,
    out_dir: str | os.PathLike,
    *,
    state_dir: str | os.PathLike | None = None,
    progress: bool = False,
    threads: int | None = None,
    device: str | None = None,
    stop_after_step: int | None = None,
    stop_mode: str = "kill",
    log=print,
) -> dict:
    """Train a cell (dict as in CELL.yaml) and write its folder; return the summary dict.

    Validation happens before anything is written; an older ``summary.json`` in ``out_dir`` is
    removed before training starts (it marks a finished cell), the other files are replaced as the
    new ones are written.  ``state_dir=False``-like value ``"none"`` disables checkpoints;
    ``stop_after_step`` / ``stop_mode`` stop the run after that update (:func:`stop_hook`)."""
    c = validate_cell(cell)
    if device is not None:
        c["device"] = device
    dev = resolve_device(c["device"])
    if threads:
        torch.set_num_threads(int(threads))
    out_dir = Path(out_dir)
    chash = config_hash(c)
    if state_dir is None:
        sdir = default_state_dir(c, out_dir, chash)
    elif str(state_dir) == "none":
        sdir = None
    else:
        sdir = Path(state_dir)
    if sdir is not None:
        _check_state_dir(sdir, out_dir)
    # an older run's summary.json would mark this folder finished while its files are rewritten
    (out_dir / "summary.json").unlink(missing_ok=True)
    if sdir is not None and not sdir.exists():
        sdir.mkdir(parents=True)
        io.write_text(
            sdir / STATE_MARKER, "made by curse_of_memory.train; removed when the cell finishes\n"
        )
    pop, wall = train_population(
        c,
        dev,
        sdir,
        progress=progress,
        after_step=stop_hook(stop_after_step, stop_mode),
        log=log,
    )
    val = pop.validation_loss(c["validation_batches"])

    # ---- tables -----------------------------------------------------------------------------
    mt = pd.DataFrame(pop.members)
    div_step = pop.diverged_step.cpu().numpy()
    rows = []
    for r in pop.metric_rows:
        df = mt[["member", "point", "nu0", "theta0", "lr", "seed"]].copy()
        df["epoch"] = r["epoch"]
        df["step"] = r["step"]
        for k in ("train_loss", "grad_norm", "param_norm", "expected_loss", "lr_now"):
            df[k] = np.asarray(r[k], dtype=np.float64)
        df["diverged"] = np.asarray(r["diverged"], dtype=bool)
        df["diverged_step"] = np.where(df["diverged"], div_step, -1).astype(np.int64)
        rows.append(df)
    metrics = pd.concat(rows, ignore_index=True)
    erows = []
    for r in pop.elr_rows:
        for g, summ in r["groups"].items():
            erows.append(
                pd.DataFrame(
                    {
                        "member": mt["member"],
                        "epoch": r["epoch"],
                        "group": g,
                        **{k: np.asarray(v, dtype=np.float64) for k, v in summ.items()},
                    }
                )
            )
    elr = pd.concat(erows, ignore_index=True)

    # ---- final parameters and per-entry effective lrs ---------------------------------------
    e_final = pop.elr_groups(pop.effective_lrs())
    final = {
        "model": c["model"],
        "param_order": pop.names,
        "params": {n: p.detach().cpu().clone() for n, p in zip(pop.names, pop.params)},
        "groups": [list(g) for g in pop.model.param_groups()],
        "elr": {g: e.detach().cpu().clone() for g, e in e_final.items()},
        "elr_params": {n: e.detach().cpu().clone() for n, e in zip(pop.names, pop.effective_lrs())},
        "members": pop.members,
    }
    last = pop.metric_rows[-1]
    div = pop.diverged_step.cpu().numpy()
    teachers = [t.to_json() for t in pop.teachers]
    summary = {
        "experiment": c["experiment"],
        "cell": c["cell"],
        "config": c,
        "config_hash": chash,
        "package_version": __version__,
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "device": str(dev),
        "threads": torch.get_num_threads(),
        "git_commit": _git_commit(),
        "wall_seconds": wall,
        "n_members": pop.M,
        "members": [
            {
                **m,
                "final_train_loss": float(last["train_loss"][i]),
                "validation_loss": float(val[i]),
                "final_expected_loss": float(last["expected_loss"][i]),
                "diverged": bool(div[i] >= 0),
                "diverged_step": int(div[i]) if div[i] >= 0 else None,
                "teacher_min_modulus": teachers[m["point"]]["min_modulus"],
                "teacher_max_modulus": teachers[m["point"]]["max_modulus"],
            }
            for i, m in enumerate(pop.members)
        ],
        "diverged_members": [int(i) for i in np.nonzero(div >= 0)[0]],
    }
    summary = _finite_or_none(summary)
    io.write_parquet(out_dir / "metrics.parquet", metrics)
    io.write_parquet(out_dir / "elr.parquet", elr)
    io.torch_save(out_dir / "final.pt", final)
    io.write_json(out_dir / "teachers.json", {"points": teachers})
    io.write_text(out_dir / "cell.yaml", _yaml_dump(c))
    io.write_json(out_dir / "summary.json", summary)  # last: its presence marks a finished cell
    if sdir is not None:
        _remove_state(sdir)
    return summary


def _check_state_dir(sdir: Path, out_dir: Path) -> None:
    """Refuse a state folder that is, or contains, the output folder or the working directory."""
    s = sdir.resolve()
    for other, name in (
        (out_dir.resolve(), "the output folder"),
        (Path.cwd().resolve(), "the working directory"),
    ):
        if s == other or s in other.parents:
            raise ConfigError(
                "--state-dir",
                f"{sdir} is {name} or one of its parents",
                "a folder of its own, e.g. results/state/<experiment>/<cell> (or 'none')",
            )


def _remove_state(sdir: Path) -> None:
    """Delete only what the engine wrote: its state file and, if the engine made the folder (it
    then holds the marker file), the marker and the folder once nothing else is in it."""
    (sdir / "state.pt").unlink(missing_ok=True)
    marker = sdir / STATE_MARKER
    if marker.exists():
        marker.unlink()
        try:
            sdir.rmdir()
        except OSError:  # something else lives there: leave it
            pass


def _finite_or_none(obj):
    """Strict JSON: NaN / inf become null."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_or_none(v) for v in obj]
    return obj


def _yaml_dump(c: dict) -> str:
    return yaml.safe_dump(c, sort_keys=False)


def load_cell_file(path: str | os.PathLike) -> dict:
    p = Path(path)
    if not p.exists():
        raise DataError(
            f"cell file {p} does not exist; pass the path of a CELL.yaml (see docs/CELL_FORMAT.md)"
        )
    try:
        cell = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 1})" if line is not None else ""
        raise ConfigError(
            str(p), f"is not valid YAML{where}", "a YAML mapping (see docs/CELL_FORMAT.md)"
        )
    # `1e-3` is text to YAML 1.1 (PyYAML); read it as the number config.yaml would make of it
    return numbers_from_text(cell, keep=("experiment", "cell")) if isinstance(cell, dict) else cell


@cli_errors
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m curse_of_memory.train", description=__doc__.split("\n")[0]
    )
    ap.add_argument("cell", help="CELL.yaml")
    ap.add_argument("--out", required=True, help="output folder of the cell")
    ap.add_argument("--state-dir", default=None, help="resumable-state folder ('none' disables it)")
    ap.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: OMP_NUM_THREADS)"
    )
    ap.add_argument("--device", default=None, help="override the cell's device: auto, cpu, cuda")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    a = ap.parse_args(argv)
    cell = load_cell_file(a.cell)
    threads = a.threads or (
        int(os.environ["OMP_NUM_THREADS"])
        if os.environ.get("OMP_NUM_THREADS", "").isdigit()
        else None
    )
    if a.threads is not None and a.threads < 1:
        raise ConfigError("--threads", f"{a.threads} is not positive", "an integer >= 1")
    t0 = time.time()
    s = run_cell(
        cell,
        a.out,
        state_dir=a.state_dir,
        progress=not a.no_progress,
        threads=threads,
        device=a.device,
        log=lambda m: print(m, file=sys.stderr),
    )
    print(
        f"{s['experiment']}/{s['cell']}: {s['n_members']} members, "
        f"{len(s['diverged_members'])} diverged, {time.time() - t0:.1f} s -> {a.out}",
        file=sys.stderr,
    )
    if s["diverged_members"]:  # a result, not an error: recorded, never silently dropped
        first = min(m["diverged_step"] for m in s["members"] if m["diverged"])
        print(
            f"warning: {len(s['diverged_members'])} of {s['n_members']} members diverged "
            f"(non-finite loss or gradient, first at step {first}); kept as diverged in "
            "summary.json and metrics.parquet, and the aggregation never picks a diverged lr - "
            "lower the cell's lrs to train them",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
