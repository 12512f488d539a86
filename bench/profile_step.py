"""Where one population step spends its time: operator/kernel counts and host time per step.

    python bench/profile_step.py --device cpu            # op counts (load-independent) + times
    python bench/profile_step.py --device cuda --json out.json

For two paper-tier cells at nu0 = 0.99 (LRU exp/learned-gamma with 400 members, dense RNN with
200 members — the sizes of Fig 10's cells) the script runs a few warm-up steps, then profiles
``steps`` population steps with ``torch.profiler`` and reports, per step: the number of operator
calls (CPU ops; on CUDA also the number of kernel launches), host wall time, device time, and the
split between the data draw (random batches + Gram matrices), loss/forward, backward and optimizer.
It also counts host synchronisations (``aten::item``, ``aten::_local_scalar_dense``, device-to-host
copies) inside a step.  Numbers are measurements of this machine; nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

CELLS = {
    "lru": {
        "model": {"name": "lru", "hidden": 64, "param": "exp", "gamma": "learned"},
        "lrs": [1.0, 0.32, 0.1, 0.032, 0.01, 0.0032, 0.001, 3.2e-4],
        "points": [{"nu0": 0.99, "theta0": t} for t in (3.14, 0.993, 0.314, 0.0993, 0.0314)],
    },
    "rnn": {
        "model": {"name": "rnn", "hidden": 64, "heads": 1},
        "lrs": [0.001, 3.2e-4, 1.0e-4, 3.2e-5],
        "points": [{"nu0": 0.99, "theta0": t} for t in (3.14, 0.993, 0.314, 0.0993, 0.0314)],
    },
}


def make_population(name: str, device: str):
    import torch

    from curse_of_memory.training.engine import Population, validate_cell

    spec = CELLS[name]
    cell = {
        "experiment": "profile",
        "cell": name,
        "model": spec["model"],
        "optimizer": {"name": "adam"},
        "schedule": {"name": "cosine", "lr_min": 1e-7, "warmup": 0},
        "task": {"T": 300, "batch": 128, "teacher_hidden": 10},
        "points": spec["points"],
        "lrs": spec["lrs"],
        "seeds": list(range(10)),
        "steps": 10000,
        "steps_per_epoch": 100,
        "device": device,
    }
    return Population(validate_cell(cell), torch.device(device))


def _sync(device):
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def profile(name: str, device: str, steps: int, warmup: int) -> dict:
    from torch.profiler import ProfilerActivity, record_function
    from torch.profiler import profile as tprofile

    pop = make_population(name, device)
    for _ in range(warmup):
        pop.train_step()
    _sync(device)
    phases = Counter()

    def step():
        t0 = time.perf_counter()
        with record_function("data"):
            G = pop.data_gram()
        _sync(device)
        t1 = time.perf_counter()
        with record_function("train_step"):
            pop.train_step(G)
        _sync(device)
        t2 = time.perf_counter()
        phases["data_s"] += t1 - t0
        phases["step_s"] += t2 - t1

    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.startswith("cuda") else [])
    with tprofile(activities=acts) as prof:
        for _ in range(steps):
            step()
    wall = phases["data_s"] + phases["step_s"]  # the profiler's own start and stop excluded
    events = prof.key_averages()
    cpu_ops = sum(
        e.count for e in events if not e.key.startswith(("data", "train_step", "ProfilerStep"))
    )
    syncs = sum(e.count for e in events if e.key in ("aten::item", "aten::_local_scalar_dense"))
    d2h = sum(e.count for e in events if "DtoH" in e.key or "Memcpy DtoH" in e.key)
    out = {
        "cell": name,
        "members": pop.M,
        "device": device,
        "steps": steps,
        "wall_s_per_step": wall / steps,
        "data_s_per_step": phases["data_s"] / steps,
        "train_step_s_per_step": phases["step_s"] / steps,
        "cpu_ops_per_step": cpu_ops / steps,
        "host_syncs_per_step": syncs / steps,
        "dtoh_copies_per_step": d2h / steps,
        "run_steps_per_s": pop.M / (wall / steps),
    }
    if device.startswith("cuda"):
        kernels = sum(
            e.count
            for e in events
            if getattr(e, "device_type", None) is not None and str(e.device_type).endswith("CUDA")
        )
        out["cuda_kernels_per_step"] = kernels / steps
        out["cuda_time_s_per_step"] = (
            sum(getattr(e, "self_device_time_total", 0) for e in events) / 1e6 / steps
        )
    top = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:12]
    out["top_ops"] = [
        {
            "op": e.key,
            "calls_per_step": e.count / steps,
            "self_cpu_ms_per_step": e.self_cpu_time_total / 1e3 / steps,
        }
        for e in top
    ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--only", choices=sorted(CELLS), default=None)
    ap.add_argument("--json", default=None, help="write the results here")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    results = [
        profile(n, a.device, a.steps, a.warmup) for n in ([a.only] if a.only else sorted(CELLS))
    ]
    for r in results:
        print(
            f"{r['cell']:4s} {r['members']:4d} members on {r['device']}: "
            f"{r['wall_s_per_step'] * 1e3:8.1f} ms/step "
            f"(data {r['data_s_per_step'] * 1e3:.1f} ms, "
            f"step {r['train_step_s_per_step'] * 1e3:.1f} ms), "
            f"{r['cpu_ops_per_step']:.0f} ops/step, {r['host_syncs_per_step']:.1f} host syncs/step"
            + (
                f", {r['cuda_kernels_per_step']:.0f} kernels/step"
                if "cuda_kernels_per_step" in r
                else ""
            )
        )
        for t in r["top_ops"][:6]:
            print(
                f"      {t['op']:40s} {t['calls_per_step']:6.1f} calls  "
                f"{t['self_cpu_ms_per_step']:8.2f} ms"
            )
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"torch": torch.__version__, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
