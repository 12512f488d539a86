"""Sanity check of the Fig-3 'done' criterion: the two Fig-3 cells at nu0 = 0.99 (LRU exp +
learned gamma and the dense RNN, 5 lrs x ``--seeds`` seeds, batch 128, T = 300, Adam, cosine)
trained for ``--steps`` steps; prints the seed-mean final training loss per lr and the best lr per
model.

    python bench/fig3_sanity.py [--steps 10000] [--seeds 10] [--device auto] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile

import numpy as np

from curse_of_memory.train import run_cell

LRS = {
    "lru": (
        {"name": "lru", "hidden": 64, "param": "exp", "gamma": "learned"},
        [0.32, 0.1, 0.032, 0.01, 0.0032],
    ),
    "rnn": ({"name": "rnn", "hidden": 64, "heads": 1}, [0.0032, 0.001, 3.2e-4, 1e-4, 3.2e-5]),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = {}
    for name, (model, lrs) in LRS.items():
        cell = {
            "experiment": "sanity",
            "cell": name,
            "model": model,
            "optimizer": {"name": "adam"},
            "schedule": {"name": "cosine"},
            "task": {"T": 300, "batch": 128},
            "points": [{"nu0": 0.99, "theta0": 3.14}],
            "lrs": lrs,
            "seeds": list(range(a.seeds)),
            "steps": a.steps,
            "steps_per_epoch": max(1, a.steps // 100),
            "device": a.device,
        }
        with tempfile.TemporaryDirectory() as d:
            s = run_cell(cell, d, state_dir="none")
        per_lr = {}
        for lr in lrs:
            v = [m["final_train_loss"] for m in s["members"] if m["lr"] == lr]
            fin = [x for x in v if x is not None]
            per_lr[lr] = {
                "mean": float(np.mean(fin)) if len(fin) == len(v) else None,
                "sem": float(np.std(fin, ddof=1) / np.sqrt(len(fin))) if len(fin) > 1 else None,
                "diverged": len(v) - len(fin),
            }
        ok = {lr: r["mean"] for lr, r in per_lr.items() if r["mean"] is not None}
        best = min(ok, key=ok.get) if ok else None
        out[name] = {
            "per_lr": per_lr,
            "best_lr": best,
            "best_loss": ok.get(best),
            "wall_seconds": s["wall_seconds"],
            "device": s["device"],
        }
    if a.json:
        print(json.dumps(out))
    else:
        for name, r in out.items():
            print(
                f"{name}: best lr {r['best_lr']} -> final train loss {r['best_loss']:.3e} "
                f"({r['wall_seconds']:.0f} s on {r['device']})"
            )
            for lr, v in r["per_lr"].items():
                print(f"    lr {lr:<8g} mean {v['mean']}  sem {v['sem']}  diverged {v['diverged']}")


if __name__ == "__main__":
    main()
