"""Learning-rate schedules (METHODS §1.4).  ``s`` = number of updates already applied.

``constant``: lr(s) = lr_base.
``cosine``  : lr(s) = lr_min + (lr_base - lr_min) * 0.5 * (1 + cos(pi * min(s', S') / S')), with
              S' = S - warmup and s' = s - warmup (S = the cell's ``steps``, lr_min default 1e-7);
              during an optional linear warmup (s < warmup) lr(s) = lr_base * (s + 1) / warmup.
              With warmup = 0 this is exactly the paper's schedule: the first update uses lr_base.
"""

from __future__ import annotations

import math

import torch

from curse_of_memory.errors import ConfigError

SCHEDULES = ("constant", "cosine")


def validate_schedule_spec(spec: dict, steps: int, field: str = "schedule") -> dict:
    if not isinstance(spec, dict) or "name" not in spec:
        raise ConfigError(f"{field}.name", "missing", ", ".join(SCHEDULES))
    if spec["name"] not in SCHEDULES:
        raise ConfigError(
            f"{field}.name", f"unknown schedule {spec['name']!r}", ", ".join(SCHEDULES)
        )
    allowed = {"name"} | ({"lr_min", "warmup"} if spec["name"] == "cosine" else set())
    extra = set(spec) - allowed
    if extra:
        raise ConfigError(
            f"{field}.{sorted(extra)[0]}",
            f"unknown option for {spec['name']}",
            ", ".join(sorted(allowed - {"name"})) or "(no options)",
        )
    out = dict(spec)
    if spec["name"] == "cosine":
        out.setdefault("lr_min", 1e-7)
        out.setdefault("warmup", 0)
        w = out["warmup"]
        if not isinstance(w, int) or isinstance(w, bool) or w < 0 or w >= max(steps, 1):
            raise ConfigError(
                f"{field}.warmup", f"{w!r} is not an integer in [0, steps)", f"0..{steps - 1}"
            )
        lm = out["lr_min"]
        if not isinstance(lm, (int, float)) or isinstance(lm, bool) or lm < 0:
            raise ConfigError(f"{field}.lr_min", f"{lm!r} is not a non-negative number", ">= 0")
    return out


def lr_at(spec: dict, s: int, steps: int, lr_base: torch.Tensor) -> torch.Tensor:
    """Per-member learning rates for update number s (0-based), from base rates ``lr_base``."""
    if spec["name"] == "constant":
        return lr_base
    w, lr_min = spec.get("warmup", 0), spec.get("lr_min", 1e-7)
    if s < w:
        return lr_base * ((s + 1) / w)
    S = max(steps - w, 1)
    c = 0.5 * (1 + math.cos(math.pi * min(s - w, S) / S))
    return lr_min + (lr_base - lr_min) * c
