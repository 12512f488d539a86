"""One training cell: its keys, their defaults and their validation (docs/CELL_FORMAT.md).

A cell is one architecture x parametrisation x optimizer trained over its whole population (task
points x lrs x seeds).  Every cell is checked here, wherever it comes from: the cells of
config.yaml (:func:`curse_of_memory.experiments.build_cells`, when the pipeline loads its config),
a CELL.yaml given to ``python -m curse_of_memory.train`` and the training engine.  Model and
optimizer names and options are checked against their registries (``models.MODELS``,
``training.optim.OPTIMIZERS``), the schedule against ``training.schedule``; nothing else lists
them.

* :data:`KEYS`: every key of a CELL.yaml, in the order the pipeline writes them;
  :data:`REQUIRED`: those a CELL.yaml must give; :data:`CONFIG_KEYS`: those a config.yaml cell
  block (``training.defaults``, an experiment, a cell) may set.
* :data:`DEFAULTS`: the value of every key a config.yaml cell leaves out (model and task options
  one by one; the others whole).  A CELL.yaml takes the defaults of the keys it may leave out.
* :func:`validate_cell`: a CELL.yaml dict -> its normalised copy (defaults filled in), or a
  one-line :class:`~curse_of_memory.errors.ConfigError` naming the key and what is allowed.
"""

from __future__ import annotations

import copy
import math
import re

from curse_of_memory.errors import ConfigError
from curse_of_memory.models import MODELS, validate_model_spec, with_recurrent_matrices
from curse_of_memory.models.init import REMAPS
from curse_of_memory.tasks.teacher import TEACHER_RNGS
from curse_of_memory.training.optim import OPTIMIZERS, validate_optimizer_spec
from curse_of_memory.training.schedule import validate_schedule_spec

KEYS = (
    "experiment",
    "cell",
    "model",
    "optimizer",
    "schedule",
    "task",
    "points",
    "lrs",
    "seeds",
    "steps",
    "steps_per_epoch",
    "validation_batches",
    "device",
    "dtype",
    "checkpoint_every",
)
# the keys a CELL.yaml may leave out (their defaults: DEFAULTS, the engine's checkpoint interval)
OPTIONAL = ("schedule", "validation_batches", "device", "dtype", "checkpoint_every")
REQUIRED = tuple(k for k in KEYS if k not in OPTIONAL)
# the device is the config's top-level `device`, the checkpoint interval the engine's choice
CONFIG_KEYS = tuple(k for k in KEYS[2:] if k not in ("device", "checkpoint_every"))
TASK_KEYS = ("T", "batch", "teacher_hidden", "remap", "teacher_seed", "teacher_rng")

DEFAULTS = {
    "model": {"hidden": 64},
    "optimizer": {"name": "adam"},
    "schedule": {"name": "cosine"},  # its options' defaults: training.schedule
    # the paper's teacher: jax = its own draw, torch = a second draw (METHODS §3.1)
    "task": {"teacher_hidden": 10, "remap": "default", "teacher_seed": 42, "teacher_rng": "jax"},
    "seeds": 10,  # seeds 0..9
    "steps": 10000,
    "steps_per_epoch": 100,
    "validation_batches": 100,
    "device": "auto",
    "dtype": "float32",
}
DTYPES = ("float32", "float64")
EXPERIMENT_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
CELL_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def with_defaults(settings: dict) -> dict:
    """A config.yaml cell's merged settings with every key it leaves out set to :data:`DEFAULTS`,
    the model's and the task's options one by one (model defaults first, task options in the
    order of :data:`TASK_KEYS`)."""
    out = copy.deepcopy(settings)
    for key, default in DEFAULTS.items():
        if key not in out:
            out[key] = copy.deepcopy(default) if key != "task" else {}
    if isinstance(out["model"], dict):
        out["model"] = {**DEFAULTS["model"], **out["model"]}
    if isinstance(out["task"], dict):
        task = task_settings(out["task"])
        out["task"] = {
            **{k: task[k] for k in TASK_KEYS if k in task},
            **{k: v for k, v in task.items() if k not in TASK_KEYS},  # refused by validate_cell
        }
    return out


def task_settings(task: dict) -> dict:
    """A cell's task with the defaults of the teacher filled in (the engine's order)."""
    return {**DEFAULTS["task"], **task}


def _int(v, field, lo=1):
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        raise ConfigError(field, f"{v!r} is not an integer >= {lo}", f"an integer >= {lo}")
    return v


def _num(v, field):
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise ConfigError(field, f"{v!r} is not a finite number", "a finite number")
    return float(v)


def _task(task) -> dict:
    if not isinstance(task, dict):
        raise ConfigError("task", "is not a mapping", ", ".join(sorted(TASK_KEYS)))
    extra = set(task) - set(TASK_KEYS)
    if extra:
        raise ConfigError(f"task.{sorted(extra)[0]}", "unknown key", ", ".join(sorted(TASK_KEYS)))
    for k in ("T", "batch"):
        if k not in task:
            raise ConfigError(f"task.{k}", "missing", "a positive integer")
        _int(task[k], f"task.{k}")
    task = task_settings(task)
    _int(task["teacher_hidden"], "task.teacher_hidden")
    _int(task["teacher_seed"], "task.teacher_seed", lo=0)
    if task["remap"] not in REMAPS:
        raise ConfigError("task.remap", f"unknown remap {task['remap']!r}", ", ".join(REMAPS))
    if task["teacher_rng"] not in TEACHER_RNGS:
        raise ConfigError(
            "task.teacher_rng", f"unknown draw {task['teacher_rng']!r}", ", ".join(TEACHER_RNGS)
        )
    return task


def _points(pts) -> list[dict]:
    if not isinstance(pts, list) or not pts:
        raise ConfigError("points", "must be a non-empty list", "a list of {nu0, theta0}")
    out = []
    for i, p in enumerate(pts):
        if not isinstance(p, dict) or "nu0" not in p:
            raise ConfigError(f"points[{i}].nu0", "missing", "a number in [0, 1)")
        if set(p) - {"nu0", "theta0"}:
            raise ConfigError(
                f"points[{i}].{sorted(set(p) - {'nu0', 'theta0'})[0]}", "unknown key", "nu0, theta0"
            )
        nu0 = _num(p["nu0"], f"points[{i}].nu0")
        if not 0 <= nu0 < 1:
            raise ConfigError(
                f"points[{i}].nu0", f"{nu0!r} is outside [0, 1)", "a number in [0, 1)"
            )
        th = _num(p.get("theta0", 3.14), f"points[{i}].theta0")
        if not 0 < th <= math.pi + 1e-9:
            raise ConfigError(
                f"points[{i}].theta0", f"{th!r} is outside (0, pi]", "a number in (0, 3.14159]"
            )
        if {"nu0": nu0, "theta0": th} in out:  # the same members twice, counted as more seeds
            raise ConfigError(
                f"points[{i}]",
                f"{{nu0: {nu0!r}, theta0: {th!r}}} is listed twice",
                "each value once",
            )
        out.append({"nu0": nu0, "theta0": th})
    return out


def _lrs(lrs) -> list[float]:
    if not isinstance(lrs, list) or not lrs:
        raise ConfigError("lrs", "must be a non-empty list", "positive numbers")
    for i, lr in enumerate(lrs):
        if _num(lr, f"lrs[{i}]") <= 0:
            raise ConfigError(f"lrs[{i}]", f"{lr!r} is not positive", "a number > 0")
        if float(lr) in [float(x) for x in lrs[:i]]:
            raise ConfigError("lrs", f"{lr!r} is listed twice", "each value once")
    return [float(x) for x in lrs]


def _seeds(seeds) -> list[int]:
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError("seeds", "must be a non-empty list", "distinct integers >= 0")
    for i, s in enumerate(seeds):
        _int(s, f"seeds[{i}]", lo=0)
        if s in seeds[:i]:
            raise ConfigError("seeds", f"{s!r} is listed twice", "each value once")
    return seeds


def validate_cell(cell: dict) -> dict:
    """Validate a cell (a CELL.yaml dict); return a normalised copy with the defaults filled in.
    Raises a one-line ConfigError naming the key (docs/CELL_FORMAT.md)."""
    if not isinstance(cell, dict):
        raise ConfigError(
            "cell file", "is not a mapping", "a YAML mapping with keys " + ", ".join(REQUIRED)
        )
    for k in REQUIRED:
        if k not in cell:
            raise ConfigError(k, "missing", "see docs/CELL_FORMAT.md")
    extra = set(cell) - set(KEYS)
    if extra:
        raise ConfigError(sorted(extra)[0], "unknown key", ", ".join(sorted(KEYS)))
    c = dict(cell)
    if not isinstance(c["experiment"], str) or not EXPERIMENT_RE.match(c["experiment"]):
        raise ConfigError(
            "experiment",
            f"{c['experiment']!r} is not a plain name",
            "[a-z0-9_]+ (as in config.yaml)",
        )
    if not isinstance(c["cell"], str) or not CELL_RE.match(c["cell"]):
        raise ConfigError("cell", f"{c['cell']!r} is not a readable id", "[a-z0-9-]+")
    model = c["model"]
    if isinstance(model, dict) and "hidden" not in model:
        model = {**model, "hidden": DEFAULTS["model"]["hidden"]}
    c["model"] = validate_model_spec(model)
    c["optimizer"] = validate_optimizer_spec(c["optimizer"])
    steps = _int(c["steps"], "steps")
    spe = _int(c["steps_per_epoch"], "steps_per_epoch")
    if steps % spe:
        raise ConfigError(
            "steps_per_epoch", f"{spe} does not divide steps={steps}", "a divisor of steps"
        )
    c["schedule"] = validate_schedule_spec(c.get("schedule", DEFAULTS["schedule"]), steps)
    c["task"] = _task(c["task"])
    c["points"] = _points(c["points"])
    c["lrs"] = _lrs(c["lrs"])
    c["seeds"] = _seeds(c["seeds"])
    c.setdefault("device", DEFAULTS["device"])
    c.setdefault("dtype", DEFAULTS["dtype"])
    if c["dtype"] not in DTYPES:
        raise ConfigError("dtype", f"unknown dtype {c['dtype']!r}", ", ".join(DTYPES))
    c["validation_batches"] = _int(
        c.get("validation_batches", DEFAULTS["validation_batches"]), "validation_batches", lo=0
    )
    # default: every 10 epochs, but at least ~10 times per run (every epoch for runs <= 10 epochs),
    # so that the short quick/test-tier cells also resume after a kill (docs/RELIABILITY.md)
    c["checkpoint_every"] = _int(
        c.get("checkpoint_every", max(1, min(10, steps // spe // 10))), "checkpoint_every"
    )
    opt, model = c["optimizer"]["name"], c["model"]["name"]
    if OPTIMIZERS[opt].needs_recurrent_matrices and not MODELS[model].has_recurrent_matrices:
        others = [n for n, e in OPTIMIZERS.items() if not e.needs_recurrent_matrices]
        raise ConfigError(
            "optimizer.name",
            f"{opt} needs recurrent matrices; model {model} has none",
            f"{', '.join(others)} (or model {', '.join(with_recurrent_matrices())})",
        )
    return c
