"""Training throughput of the population engine on the two Fig-3 cells at nu0 = 0.99.

LRU (exp, learned gamma) and dense RNN (N = 64), 5 learning rates x 10 seeds = 50 members,
batch 128, T = 300, Adam, cosine schedule, float32.  A run-step is one optimizer step of one
member, so run_steps_per_s = 50 x (population steps per second).  ``run_steps_per_cpu_s`` divides
by the process's CPU time instead of wall time: on a shared, oversubscribed machine it estimates
what idle cores would give (at 1 thread it is the single-core rate).  Timing: ``--repeats`` timed
blocks of ``--steps`` population steps after ``--warmup`` steps; the best block is reported (the
machine is shared, so the best block is the least disturbed one), the median too.

    python bench/train_throughput.py [--device cpu|cuda|auto] [--threads N] [--json]

With ``--json`` one line is printed:
``{"lru": {"run_steps_per_s": ..., ...}, "rnn": {...}, "machine": {...}}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time

import torch

from curse_of_memory.cell import validate_cell
from curse_of_memory.device import resolve_device
from curse_of_memory.training.engine import Population

CELLS = {
    "lru": (
        {"name": "lru", "hidden": 64, "param": "exp", "gamma": "learned"},
        [0.32, 0.1, 0.032, 0.01, 0.0032],
    ),
    "rnn": ({"name": "rnn", "hidden": 64, "heads": 1}, [0.0032, 0.001, 3.2e-4, 1e-4, 3.2e-5]),
}


def cell(name: str, device: str, steps_per_epoch: int = 100) -> dict:
    model, lrs = CELLS[name]
    return {
        "experiment": "bench",
        "cell": name,
        "model": model,
        "optimizer": {"name": "adam"},
        "schedule": {"name": "cosine"},
        "task": {"T": 300, "batch": 128},
        "points": [{"nu0": 0.99, "theta0": 3.14}],
        "lrs": lrs,
        "seeds": list(range(10)),
        "steps": 10000,
        "steps_per_epoch": steps_per_epoch,
        "device": device,
        "dtype": "float32",
    }


def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def measure(name: str, device: str, steps: int, repeats: int, warmup: int) -> dict:
    """Each timed block is one training epoch of ``steps`` steps (the engine's real loop: batch
    draws, per-step divergence checks, end-of-epoch metrics and effective-LR probes)."""
    c = validate_cell(cell(name, device, steps))
    dev = resolve_device(device)
    pop = Population(c, dev)
    for _ in range(warmup):
        pop.train_step()
    _sync(dev)
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        pop.run_epoch()
        _sync(dev)
        times.append((time.perf_counter() - t0) / steps)
        cpu.append((time.process_time() - c0) / steps)
    best, med = min(times), statistics.median(times)
    return {
        "run_steps_per_s": round(pop.M / best, 1),
        "run_steps_per_s_median": round(pop.M / med, 1),
        "members": pop.M,
        "ms_per_population_step_best": round(best * 1e3, 3),
        "ms_per_population_step_median": round(med * 1e3, 3),
        "steps_timed": steps * repeats,
        # CPU seconds used by this process per step (all its threads): on a shared machine,
        # members / cpu_s estimates the wall-clock rate on otherwise idle cores at 1 thread
        "run_steps_per_cpu_s": round(pop.M / min(cpu), 1),
    }


def machine(dev) -> dict:
    model = platform.processor() or ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except Exception:
        pass
    info = {
        "cpu": model,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": str(dev),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    if dev.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(dev)
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument(
        "--steps", type=int, default=100, help="population steps per timed block (one epoch)"
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--only", choices=sorted(CELLS), default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = resolve_device(a.device)
    load_before = os.getloadavg()
    res = {
        n: measure(n, a.device, a.steps, a.repeats, a.warmup) for n in CELLS if a.only in (None, n)
    }
    res["machine"] = machine(dev)
    res["machine"]["loadavg_before"] = [round(x, 2) for x in load_before]
    if a.json:
        print(json.dumps(res))
        return
    print(
        f"{'cell':6} {'run-steps/s (best)':>20} {'(median)':>10} {'ms/pop-step':>12} "
        f"{'run-steps/cpu-s':>16}"
    )
    for n in CELLS:
        if n in res:
            r = res[n]
            print(
                f"{n:6} {r['run_steps_per_s']:>20.0f} {r['run_steps_per_s_median']:>10.0f} "
                f"{r['ms_per_population_step_best']:>12.2f} {r['run_steps_per_cpu_s']:>16.0f}"
            )
    print("machine:", json.dumps(res["machine"]))


if __name__ == "__main__":
    main()
