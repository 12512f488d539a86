"""From the `training:` section of config.yaml to one CELL.yaml dictionary per training cell.

A cell's settings are ``training.defaults``, then its experiment's keys, then its own keys
(deep-merged, later wins).  The reduced tiers apply ONE rule to every cell (:func:`reduce_cell`),
fixed before any run:

* seeds: the first ``seeds`` seeds of the cell;
* learning rates: the ``lrs`` central values of the cell's grid (for an even excess, the window
  leans towards the start of the grid, i.e. the larger lrs as the grids are listed); with
  ``lr_centre: reference`` the workflow then re-centres each window on the paper-tier reference
  run's best lrs (``provenance.reference_lr_window``);
* steps: divided by ``steps_divisor`` (the cosine schedule runs over the cell's own steps); the
  epoch length stays unless ``steps_per_epoch`` is given (never longer than the run);
* validation batches: ``validation_batches`` if given.

Task points are never reduced, so every figure keeps the paper's x axis.  What a cell may set,
its defaults and its validation are those of :mod:`curse_of_memory.cell`.
"""

from __future__ import annotations

import copy
import itertools
from typing import Callable

import yaml

from curse_of_memory.cell import (
    CELL_RE,
    CONFIG_KEYS,
    EXPERIMENT_RE,
    task_settings,
    validate_cell,
    with_defaults,
)
from curse_of_memory.errors import ConfigError
from curse_of_memory.models import MODELS
from curse_of_memory.tasks.teacher import teacher_has_real_negative_eigs

# keys of an experiment/cell block that describe the pipeline, not the CELL.yaml
PIPELINE_KEYS = ("cells", "label", "variant", "skip_if_remap_coincides")


def deep_merge(base: dict, override: dict | None) -> dict:
    """Merge ``override`` into ``base``; a sub-dict naming a different ``name`` (another optimizer
    or schedule) replaces the base's instead of merging with its options."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        old = out.get(key)
        renamed = (
            isinstance(old, dict)
            and isinstance(value, dict)
            and "name" in old
            and value.get("name", old["name"]) != old["name"]
        )
        if isinstance(value, dict) and isinstance(old, dict) and not renamed:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def central(values: list, k: int) -> list:
    """The k central entries of ``values`` (all of them if there are at most k)."""
    values = list(values)
    if k >= len(values):
        return values
    start = (len(values) - k) // 2
    return values[start : start + k]


def cell_reduction(reduce: dict) -> dict | None:
    """The per-cell part of a tier's ``training.reduce`` (seeds, lrs, steps, ...), None when it
    reduces nothing; ``lr_centre`` places the lr window from the reference, outside this rule."""
    return {k: v for k, v in reduce.items() if k != "lr_centre"} or None


def reduce_cell(cell: dict, rule: dict | None) -> dict:
    """Apply the tier's reduction rule to one cell at paper scale (see the module docstring)."""
    if not rule:
        return cell
    cell = copy.deepcopy(cell)
    if "seeds" in rule:
        cell["seeds"] = cell["seeds"][: rule["seeds"]]
    if "lrs" in rule:
        cell["lrs"] = central(cell["lrs"], rule["lrs"])
    if "steps_divisor" in rule:
        cell["steps"] = max(1, cell["steps"] // rule["steps_divisor"])
    if "steps_per_epoch" in rule:
        cell["steps_per_epoch"] = rule["steps_per_epoch"]
    cell["steps_per_epoch"] = min(cell["steps_per_epoch"], cell["steps"])
    if "validation_batches" in rule:
        cell["validation_batches"] = rule["validation_batches"]
    return cell


def _once(values: list, field: str) -> None:
    """A value listed twice would train the same members twice (and count them as more seeds)."""
    seen = []
    for value in values:
        if value in seen:
            raise ConfigError(field, f"{value!r} is listed twice", "each value once")
        seen.append(value)


def _points(spec: dict, where: str) -> list[dict]:
    try:
        nu0s, theta0s = spec["nu0"], spec["theta0"]
    except (KeyError, TypeError):
        raise ConfigError(
            f"{where}.points", "needs lists nu0 and theta0", "{nu0: [...], theta0: [...]}"
        )
    _once(nu0s, f"{where}.points.nu0")
    _once(theta0s, f"{where}.points.theta0")
    return [{"nu0": float(n), "theta0": float(t)} for n, t in itertools.product(nu0s, theta0s)]


def _validated(cell: dict, where: str) -> None:
    """The cell's own check (:func:`curse_of_memory.cell.validate_cell`), its error named by the
    config key (``training.experiments.<experiment>.cells.<cell>.<key>``)."""
    try:
        validate_cell(cell)
    except ConfigError as exc:
        raise ConfigError(f"{where}.{exc.field}", str(exc)[len(exc.field) + 2 :]) from None


def _check_reduced_steps(paper: dict, cell: dict, rule: dict | None, where: str) -> None:
    """The tier divides the steps the user wrote; name those, not the reduced value, when the
    result no longer splits into whole epochs."""
    if not rule or cell["steps"] == paper["steps"] or cell["steps"] % cell["steps_per_epoch"] == 0:
        return
    div, spe = rule["steps_divisor"], cell["steps_per_epoch"]
    unit = div * spe
    near = sorted({max(unit, paper["steps"] // unit * unit), (paper["steps"] // unit + 1) * unit})
    raise ConfigError(
        f"{where}.steps",
        f"{paper['steps']} becomes {cell['steps']} in this tier (divided by training.reduce."
        f"steps_divisor {div}), which is not a whole number of epochs of {spe} steps",
        f"a multiple of {unit} = steps_divisor x steps_per_epoch, "
        f"e.g. {' or '.join(map(str, near))}",
    )


def build_cells(
    training: dict, device: str = "auto", tier_rule: dict | None = None, select: dict | None = None
) -> dict[tuple[str, str], dict]:
    """Every training cell: ``{(experiment, cell): {"cell": CELL.yaml dict, "meta": {...}}}``.

    ``meta`` holds what the pipeline needs besides the CELL.yaml: label, variant, the paper-scale
    cell (for the hyperparameter tables) and ``skip_if_remap_coincides``.
    """
    defaults = training.get("defaults", {})
    out: dict[tuple[str, str], dict] = {}
    experiments = training.get("experiments", {}) or {}
    if select is not None:
        unknown = [e for e in select if e not in experiments]
        if unknown:
            raise ConfigError(
                "training.select", f"unknown experiment {unknown[0]!r}", ", ".join(experiments)
            )
    for exp_name, exp in experiments.items():
        where = f"training.experiments.{exp_name}"
        if not EXPERIMENT_RE.match(exp_name):
            raise ConfigError(where, "experiment names are [a-z0-9_]", "e.g. fig3a")
        if select is not None and exp_name not in select:
            continue
        cells = exp.get("cells") or {}
        if not cells:
            raise ConfigError(f"{where}.cells", "an experiment needs at least one cell")
        wanted = None if select is None else list(select[exp_name])
        if wanted is not None:
            missing = [c for c in wanted if c not in cells]
            if missing:
                raise ConfigError(
                    f"training.select.{exp_name}", f"unknown cell {missing[0]!r}", ", ".join(cells)
                )
        exp_common = {k: v for k, v in exp.items() if k not in PIPELINE_KEYS}
        for cell_name, spec in cells.items():
            cwhere = f"{where}.cells.{cell_name}"
            if not CELL_RE.match(cell_name):
                raise ConfigError(cwhere, "cell names are [a-z0-9-]", "e.g. lru, heads-32")
            if wanted is not None and cell_name not in wanted:
                continue
            spec = spec or {}
            merged = deep_merge(
                deep_merge(defaults, exp_common),
                {k: v for k, v in spec.items() if k not in PIPELINE_KEYS},
            )
            unknown = sorted(set(merged) - set(CONFIG_KEYS))  # a typo must not be silently ignored
            if unknown:
                raise ConfigError(
                    f"{cwhere}.{unknown[0]}",
                    "unknown cell setting (from training.defaults, the experiment or the cell)",
                    ", ".join(CONFIG_KEYS),
                )
            for key in ("model", "lrs", "points"):
                if key not in merged:
                    raise ConfigError(
                        f"{cwhere}.{key}", "is missing (set it on the cell or its experiment)"
                    )
            if "name" not in merged["model"]:
                raise ConfigError(f"{cwhere}.model.name", "is missing", ", ".join(MODELS))
            merged = with_defaults(merged)
            seeds = merged["seeds"]
            paper = {
                "experiment": exp_name,
                "cell": cell_name,
                "model": merged["model"],
                "optimizer": merged["optimizer"],
                "schedule": merged["schedule"],
                "task": merged["task"],
                "points": _points(merged["points"], cwhere),
                "lrs": [float(x) for x in merged["lrs"]],
                "seeds": list(range(seeds)) if isinstance(seeds, int) else list(seeds),
                "steps": int(merged["steps"]),
                "steps_per_epoch": int(merged["steps_per_epoch"]),
                "validation_batches": int(merged["validation_batches"]),
                "device": device,
                "dtype": merged["dtype"],
            }
            _validated(
                paper, cwhere
            )  # the paper-scale cell: a repeat the tier drops is refused too
            reduced = reduce_cell(paper, tier_rule)
            _check_reduced_steps(paper, reduced, tier_rule, cwhere)
            _validated(reduced, cwhere)
            out[(exp_name, cell_name)] = {
                "cell": reduced,
                "meta": {
                    "label": spec.get("label", cell_name),
                    "variant": spec.get("variant", exp.get("variant", "default")),
                    "skip_if_remap_coincides": bool(exp.get("skip_if_remap_coincides", False)),
                    "paper": paper,
                },
            }
    return out


def cell_yaml(cell: dict) -> str:
    """The CELL.yaml text of one cell, as rule write_cell writes it (docs/CELL_FORMAT.md)."""
    return yaml.safe_dump(dict(cell), sort_keys=False, width=100)


def n_members(cell: dict) -> int:
    return len(cell["points"]) * len(cell["lrs"]) * len(cell["seeds"])


def teacher_has_real_negative(task: dict) -> bool:
    """Does the teacher matrix of a cell's task (before the remap) have a real negative
    eigenvalue?"""
    t = task_settings(task)
    return teacher_has_real_negative_eigs(
        seed=t["teacher_seed"], n=t["teacher_hidden"], rng=t["teacher_rng"]
    )


def remap_matters(cell: dict, teacher_has_real_negative: Callable[[dict], bool]) -> bool:
    """Does the as-published remap change this cell?  It changes the teacher when the teacher
    matrix has real negative eigenvalues, and the dense/multi-head RNN student's init always (its
    random init matrix has real eigenvalues; the remap is applied to it too, METHODS §3.2): the
    student's init changes when its registry entry's ``point_init`` passes the remap on."""
    point_init = MODELS[cell["model"]["name"]].point_init
    if any(point_init(p, "default") != point_init(p, "published") for p in cell["points"]):
        return True
    return bool(teacher_has_real_negative(cell["task"]))


def drop_coinciding(
    cells: dict, teacher_has_real_negative: Callable[[dict], bool] = teacher_has_real_negative
):
    """Remove the cells of experiments marked ``skip_if_remap_coincides`` whose remap variants
    coincide.  Returns (kept cells, list of skipped (experiment, cell))."""
    kept, skipped = {}, []
    for key, entry in cells.items():
        if entry["meta"]["skip_if_remap_coincides"] and not remap_matters(
            entry["cell"], teacher_has_real_negative
        ):
            skipped.append(key)
        else:
            kept[key] = entry
    return kept, skipped


def config_cells(config: dict) -> tuple[dict, list]:
    """The training cells of a resolved config (``config_io.resolve_config``): every cell of its
    tier, reduced and selected as its ``training`` section says, then
    :func:`drop_coinciding`.  Returns (cells, skipped (experiment, cell) keys)."""
    training = config["training"]
    cells = build_cells(
        training,
        device=config["device"],
        tier_rule=cell_reduction(training["reduce"]),
        select=training["select"],
    )
    if any(e["meta"]["skip_if_remap_coincides"] for e in cells.values()):
        return drop_coinciding(cells)
    return cells, []
