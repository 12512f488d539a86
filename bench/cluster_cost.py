"""What the training cells of a tier cost on one device: the numbers behind slurm/config.yaml.

    # 1. the tier's CELL.yaml files, as rule write_cell would write them:
    python bench/cluster_cost.py --write-cells paper cells-paper
    # 2. on a GPU node (or any device):
    python bench/cluster_cost.py cells-paper --device cuda --json cost.json

Each cell is trained twice, shortened to SHORT and LONG steps (whole epochs, same population, same
validation batches) with `curse_of_memory.train.run_cell`; the difference gives the seconds per
step of the whole population and the rest is the cell's fixed cost (teachers, initialisation,
validation, writing its tables).  Full-length time = fixed + steps x per_step; the sum over cells is
the tier's device-hours.  Peak device memory and the process's peak RSS are reported too.
Timings are measurements of this machine; nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path


def write_cells(tier: str, dest: Path) -> int:
    """Write the tier's cells as <dest>/<experiment>/<cell>.yaml (loads the Snakefile)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        OutputSettings,
        Quietness,
        ResourceSettings,
    )

    from curse_of_memory.experiments import cell_yaml

    root = Path(__file__).resolve().parents[1]
    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(config={"tier": tier}),
            snakefile=root / "Snakefile",
            workdir=root,
        )._workflow
        cells = workflow.globals["CELLS"]
    for (experiment, cell), entry in sorted(cells.items()):
        path = dest / experiment / f"{cell}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cell_yaml(entry["cell"]))
    return len(cells)


def timed_run(cell: dict, steps: int, device: str) -> float:
    import torch

    from curse_of_memory.train import run_cell

    short = dict(cell, steps=steps)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        run_cell(short, out, state_dir="none", device=device, log=lambda m: None)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - t0


def measure(path: Path, device: str, short_epochs: int, long_epochs: int) -> dict:
    import torch
    import yaml

    cell = yaml.safe_load(path.read_text())
    spe = cell["steps_per_epoch"]
    short, long = short_epochs * spe, long_epochs * spe
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    t_short = timed_run(cell, short, device)
    t_long = timed_run(cell, long, device)
    per_step = max(t_long - t_short, 0.0) / (long - short)
    fixed = max(t_short - short * per_step, 0.0)
    members = len(cell["points"]) * len(cell["lrs"]) * len(cell["seeds"])
    return {
        "experiment": cell["experiment"],
        "cell": cell["cell"],
        "model": cell["model"]["name"],
        "hidden": cell["model"].get("hidden"),
        "members": members,
        "steps": cell["steps"],
        "seconds_short": round(t_short, 3),
        "seconds_long": round(t_long, 3),
        "ms_per_step": round(1000 * per_step, 3),
        "fixed_seconds": round(fixed, 2),
        "full_seconds": round(fixed + cell["steps"] * per_step, 1),
        "peak_device_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1)
        if device.startswith("cuda")
        else None,
        "peak_rss_mb_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cells", nargs="?", help="folder of CELL.yaml files (searched recursively)")
    ap.add_argument(
        "--write-cells", metavar="TIER", help="write the tier's CELL.yaml files into CELLS"
    )
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    ap.add_argument("--short-epochs", type=int, default=1)
    ap.add_argument("--long-epochs", type=int, default=4)
    ap.add_argument("--only", nargs="*", default=None, help="experiment/cell names to measure")
    ap.add_argument("--json", type=Path, help="write the per-cell table here")
    a = ap.parse_args(argv)
    if not a.cells:
        ap.error("give the folder of CELL.yaml files")
    if a.write_cells:
        n = write_cells(a.write_cells, Path(a.cells))
        print(f"wrote {n} cells of tier {a.write_cells} under {a.cells}")
        return 0
    import torch

    paths = sorted(Path(a.cells).rglob("*.yaml"))
    if a.only:
        paths = [p for p in paths if f"{p.parent.name}/{p.stem}" in a.only]
    if not paths:
        print(f"error: no CELL.yaml under {a.cells}", file=sys.stderr)
        return 1
    name = torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"
    print(f"# device: {name}; torch {torch.__version__}; threads {torch.get_num_threads()}")
    timed_run(__import__("yaml").safe_load(paths[0].read_text()), 100, a.device)  # warm-up
    rows = []
    for path in paths:
        row = measure(path, a.device, a.short_epochs, a.long_epochs)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if a.json:
            a.json.write_text(
                json.dumps({"device": name, "torch": torch.__version__, "cells": rows}, indent=1)
            )
    total = sum(r["full_seconds"] for r in rows)
    print(
        f"# {len(rows)} cells, full length: {total / 3600:.2f} device-hours on {name}; "
        f"longest cell {max(r['full_seconds'] for r in rows) / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
