"""The population engine: one process trains a whole *cell* (task points x lrs x seeds) in
lock-step.

Members are ordered point-major, then lr, then seed (seed fastest):
``member = (point_index * len(lrs) + lr_index) * len(seeds) + seed_index``.
Common random numbers: member init draws come from ``generator(seed, "init")`` (then transformed by
the point's ring / phase range), the training batches from ``generator(seed, "train")`` and the
validation batches from ``generator(seed, "valid")``; so members sharing a seed share init draws and
data whatever their lr or task point.  Only len(seeds) input streams exist per step: the batch data
enter through one Gram matrix per stream (``training.loss``).

One step (all members at once):
  k = model.impulse_response(T); e = k - k_teacher[point]; loss_m = e^T G_seed e / (2 B T)
  (exactly the ½-MSE over batch and all T steps of METHODS §1.1, evaluated before the update);
  grads of sum over active members; a member whose loss or any gradient entry is non-finite is
  frozen (no further updates) and recorded as diverged at that step.

Per epoch: mean train loss, mean grad norm, param norm at epoch end, closed-form expected loss
under white noise, lr; effective-LR summaries per parameter group (METHODS §1.5).
At the end: validation loss (``validation_batches`` fresh batches), final parameters, per-entry
effective lrs.  The state is saved atomically every ``checkpoint_every`` epochs to a state folder
(see ``train.run_cell``) and training resumes from it bit-identically.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

from curse_of_memory import io
from curse_of_memory.errors import ConfigError
from curse_of_memory.models import MODELS, build_model, validate_model_spec, with_recurrent_matrices
from curse_of_memory.models import init as I
from curse_of_memory.tasks.teacher import TEACHER_RNGS, teacher_kernels
from curse_of_memory.training import schedule as SCH
from curse_of_memory.training.loss import expected_loss_white, gram, quadratic_loss
from curse_of_memory.training.optim import OPTIMIZERS, PopulationOptimizer, validate_optimizer_spec

STOP_ENV = "CURSE_OF_MEMORY_STOP_AFTER_STEP"
TOP_KEYS = {
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
    "device",
    "dtype",
    "validation_batches",
    "checkpoint_every",
}
REQUIRED = (
    "experiment",
    "cell",
    "model",
    "optimizer",
    "task",
    "points",
    "lrs",
    "seeds",
    "steps",
    "steps_per_epoch",
)
TASK_KEYS = {"T", "batch", "teacher_hidden", "remap", "teacher_seed", "teacher_rng"}


def _int(v, field, lo=1):
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        raise ConfigError(field, f"{v!r} is not an integer >= {lo}", f"an integer >= {lo}")
    return v


def _num(v, field):
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise ConfigError(field, f"{v!r} is not a finite number", "a finite number")
    return float(v)


def validate_cell(cell: dict) -> dict:
    """Validate a cell config; return a normalised copy with defaults.  One-line ConfigErrors."""
    if not isinstance(cell, dict):
        raise ConfigError(
            "cell file", "is not a mapping", "a YAML mapping with keys " + ", ".join(REQUIRED)
        )
    for k in REQUIRED:
        if k not in cell:
            raise ConfigError(k, "missing", "see docs/CELL_FORMAT.md")
    extra = set(cell) - TOP_KEYS
    if extra:
        raise ConfigError(sorted(extra)[0], "unknown key", ", ".join(sorted(TOP_KEYS)))
    c = dict(cell)
    if not isinstance(c["experiment"], str) or not re.fullmatch(r"[a-z0-9_]+", c["experiment"]):
        raise ConfigError(
            "experiment",
            f"{c['experiment']!r} is not a plain name",
            "[a-z0-9_]+ (as in config.yaml)",
        )
    if not isinstance(c["cell"], str) or not re.fullmatch(r"[a-z0-9-]+", c["cell"]):
        raise ConfigError("cell", f"{c['cell']!r} is not a readable id", "[a-z0-9-]+")
    c["model"] = validate_model_spec(c["model"])
    c["optimizer"] = validate_optimizer_spec(c["optimizer"])
    steps = _int(c["steps"], "steps")
    spe = _int(c["steps_per_epoch"], "steps_per_epoch")
    if steps % spe:
        raise ConfigError(
            "steps_per_epoch", f"{spe} does not divide steps={steps}", "a divisor of steps"
        )
    c["schedule"] = SCH.validate_schedule_spec(c.get("schedule", {"name": "cosine"}), steps)
    task = c["task"]
    if not isinstance(task, dict):
        raise ConfigError("task", "is not a mapping", ", ".join(sorted(TASK_KEYS)))
    extra = set(task) - TASK_KEYS
    if extra:
        raise ConfigError(f"task.{sorted(extra)[0]}", "unknown key", ", ".join(sorted(TASK_KEYS)))
    for k in ("T", "batch"):
        if k not in task:
            raise ConfigError(f"task.{k}", "missing", "a positive integer")
        _int(task[k], f"task.{k}")
    task = {
        "teacher_hidden": 10,
        "remap": "default",
        "teacher_seed": 42,
        "teacher_rng": "jax",
        **task,
    }
    _int(task["teacher_hidden"], "task.teacher_hidden")
    _int(task["teacher_seed"], "task.teacher_seed", lo=0)
    if task["remap"] not in I.REMAPS:
        raise ConfigError("task.remap", f"unknown remap {task['remap']!r}", ", ".join(I.REMAPS))
    if task["teacher_rng"] not in TEACHER_RNGS:
        raise ConfigError(
            "task.teacher_rng", f"unknown draw {task['teacher_rng']!r}", ", ".join(TEACHER_RNGS)
        )
    c["task"] = task
    pts = c["points"]
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
    c["points"] = out
    lrs = c["lrs"]
    if not isinstance(lrs, list) or not lrs:
        raise ConfigError("lrs", "must be a non-empty list", "positive numbers")
    for i, lr in enumerate(lrs):
        if _num(lr, f"lrs[{i}]") <= 0:
            raise ConfigError(f"lrs[{i}]", f"{lr!r} is not positive", "a number > 0")
        if float(lr) in [float(x) for x in lrs[:i]]:
            raise ConfigError("lrs", f"{lr!r} is listed twice", "each value once")
    c["lrs"] = [float(x) for x in lrs]
    seeds = c["seeds"]
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError("seeds", "must be a non-empty list", "distinct integers >= 0")
    for i, s in enumerate(seeds):
        _int(s, f"seeds[{i}]", lo=0)
        if s in seeds[:i]:
            raise ConfigError("seeds", f"{s!r} is listed twice", "each value once")
    c.setdefault("device", "auto")
    c.setdefault("dtype", "float32")
    if c["dtype"] not in ("float32", "float64"):
        raise ConfigError("dtype", f"unknown dtype {c['dtype']!r}", "float32, float64")
    c["validation_batches"] = _int(c.get("validation_batches", 100), "validation_batches", lo=0)
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


def config_hash(cell: dict) -> str:
    """Short hash of the normalised cell config (device excluded: it does not change the
    meaning)."""
    c = {k: v for k, v in validate_cell(cell).items() if k != "device"}
    return hashlib.sha256(json.dumps(c, sort_keys=True).encode()).hexdigest()[:12]


def member_table(c: dict) -> list[dict]:
    rows = []
    for pi, p in enumerate(c["points"]):
        for li, lr in enumerate(c["lrs"]):
            for si, s in enumerate(c["seeds"]):
                rows.append(
                    {
                        "member": len(rows),
                        "point": pi,
                        "nu0": p["nu0"],
                        "theta0": p["theta0"],
                        "lr": lr,
                        "seed": s,
                        "lr_index": li,
                        "seed_index": si,
                    }
                )
    return rows


class _Stop(Exception):
    """Raised by the in-process stop hook (tests)."""


def _elr_summary(e: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per member (rows) summaries of per-entry effective lrs e (M, n), METHODS §1.5.

    ``mean``/``std``: geometric over all entries (non-positive ones floored at 1e-8);
    ``pos_mean``: geometric mean over the positive entries only (NaN if none), the second-moment
    scaling without the sign of the first moment; ``nonpos_frac``: share of entries <= 0."""
    lg = torch.log10(torch.clamp(e, min=0) + 1e-8)
    pos = e > 0
    lp = torch.where(pos, torch.log10(torch.where(pos, e, torch.ones_like(e))), torch.zeros_like(e))
    npos = pos.sum(1)
    pos_mean = torch.where(
        npos > 0, 10 ** (lp.sum(1) / npos.clamp(min=1)), torch.full_like(lp[:, 0], float("nan"))
    )
    return {
        "mean": 10 ** lg.mean(1),
        "std": 10 ** lg.std(1, unbiased=False),
        "min": e.min(1).values,
        "nonpos_frac": (e <= 0).to(e.dtype).mean(1),
        "pos_mean": pos_mean,
    }


class Population:
    """Everything a cell needs to train, built from a validated cell config."""

    def __init__(self, c: dict, device: torch.device):
        self.c, self.device = c, device
        self.dtype = torch.float32 if c["dtype"] == "float32" else torch.float64
        self.T, self.B = c["task"]["T"], c["task"]["batch"]
        self.members = member_table(c)
        self.M, self.S = len(self.members), len(c["seeds"])
        self.teachers, tk = teacher_kernels(
            c["points"],
            self.T,
            c["task"]["remap"],
            c["task"]["teacher_seed"],
            c["task"]["teacher_hidden"],
            c["task"]["teacher_rng"],
        )
        pidx = torch.tensor([m["point"] for m in self.members])
        self.k_teacher = tk[pidx].to(device=device, dtype=self.dtype)  # (M, T)
        point_init = MODELS[c["model"]["name"]].point_init  # draw_member keywords of a task point
        inits = [point_init(c["points"][m["point"]], c["task"]["remap"]) for m in self.members]
        self.model = build_model(
            c["model"],
            self.M,
            d_in=1,
            d_out=1,
            seeds=[m["seed"] for m in self.members],
            init=inits,
            dtype=self.dtype,
            device=device,
        )
        self.names = [n for n, _ in self.model.named_parameters()]
        self.params = [p for _, p in self.model.named_parameters()]
        self.opt = PopulationOptimizer(
            c["optimizer"], list(zip(self.names, self.params)), self.model.recurrent_matrices
        )
        self.lr_base = torch.tensor(
            [m["lr"] for m in self.members], dtype=self.dtype, device=device
        )
        self.gens = [I.generator(s, "train") for s in c["seeds"]]
        self.active = torch.ones(self.M, dtype=torch.bool, device=device)
        self.diverged_step = torch.full((self.M,), -1, dtype=torch.long, device=device)
        self.step = 0
        self.epoch = 0
        self.metric_rows: list[dict] = []  # per epoch: arrays over members
        self.elr_rows: list[dict] = []

    # ------------------------------------------------------------------------------------------
    def batch(self, gens) -> torch.Tensor:
        x = torch.stack([torch.randn(self.B, self.T, generator=g, dtype=self.dtype) for g in gens])
        return x.to(self.device)

    def error_kernel(self) -> torch.Tensor:
        return self.model.impulse_response(self.T)[:, :, 0, 0] - self.k_teacher

    def lr_now(self, s: int) -> torch.Tensor:
        return SCH.lr_at(self.c["schedule"], s, self.c["steps"], self.lr_base)

    def data_gram(self) -> torch.Tensor:
        """The next training batch of every stream, as Gram matrices (S, T, T)."""
        with torch.no_grad():
            return gram(self.batch(self.gens))

    def train_step(self, G: torch.Tensor | None = None):
        if G is None:
            G = self.data_gram()
        loss = quadratic_loss(self.error_kernel(), G, self.B)
        total = torch.where(self.active, loss, torch.zeros_like(loss)).sum()
        grads = torch.autograd.grad(total, self.params)
        flat = [g.reshape(self.M, -1) for g in grads]
        # A member diverges when its loss or one of its gradient entries is non-finite.  The sum
        # of squares is only a metric: accumulated in float64, a large but finite gradient (loss
        # ~1e29 in float32) would otherwise overflow it and freeze a member that is still finite.
        finite = torch.isfinite(loss) & torch.stack([torch.isfinite(g).all(1) for g in flat]).all(0)
        gnorm = sum(g.double().square().sum(1) for g in flat).sqrt().to(self.dtype)
        newly = self.active & ~finite
        self.diverged_step = torch.where(
            newly, torch.full_like(self.diverged_step, self.step), self.diverged_step
        )
        self.active = self.active & finite
        self.opt.step(list(grads), self.lr_now(self.step), self.active)
        self.step += 1
        return loss.detach(), gnorm

    @torch.no_grad()
    def param_norm(self) -> torch.Tensor:
        return sum(p.reshape(self.M, -1).square().sum(1) for p in self.params).sqrt()

    @torch.no_grad()
    def check_params(self):
        ok = torch.stack([torch.isfinite(p.reshape(self.M, -1)).all(1) for p in self.params]).all(0)
        newly = self.active & ~ok
        self.diverged_step = torch.where(
            newly, torch.full_like(self.diverged_step, self.step), self.diverged_step
        )
        self.active &= ok

    @torch.no_grad()
    def effective_lrs(self) -> list[torch.Tensor]:
        return self.opt.probe(self.lr_now(self.step))

    @torch.no_grad()
    def elr_groups(self, e_list) -> dict[str, torch.Tensor]:
        by_name = dict(zip(self.names, e_list))
        out = {}
        for group, pname, row in self.model.param_groups():
            e = by_name[pname]
            if row is not None:
                e = e[:, row]
            out[group] = e.reshape(self.M, -1)
        return out

    def run_epoch(self):
        spe = self.c["steps_per_epoch"]
        losses = torch.empty(spe, self.M, dtype=self.dtype, device=self.device)
        gnorms = torch.empty_like(losses)
        pool = self._pool()
        nxt = pool.submit(self.data_gram) if pool is not None else None
        for i in range(spe):
            if pool is not None:
                G = nxt.result()
                # prefetch the next batch (same epoch only, so that a checkpoint never sees a
                # stream that was advanced ahead of the saved step) while this step runs
                nxt = pool.submit(self.data_gram) if i + 1 < spe else None
            else:
                G = None
            losses[i], gnorms[i] = self.train_step(G)
            if self._stop_at is not None and self.step >= self._stop_at:
                if nxt is not None:
                    nxt.result()
                self._stop()
        self.check_params()
        self.epoch += 1
        with torch.no_grad():
            dead = ~self.active
            tl = losses.mean(0)
            tl = torch.where(dead, torch.full_like(tl, float("nan")), tl)
            exp_loss = expected_loss_white(self.error_kernel().detach())
            row = {
                "epoch": self.epoch,
                "step": self.step,
                "train_loss": tl,
                "grad_norm": gnorms.mean(0),
                "param_norm": self.param_norm(),
                "expected_loss": exp_loss,
                "diverged": dead.clone(),
                "lr_now": self.lr_now(self.step - 1),
            }
            self.metric_rows.append(
                {k: (v.cpu().numpy() if torch.is_tensor(v) else v) for k, v in row.items()}
            )
            groups = self.elr_groups(self.effective_lrs())
            self.elr_rows.append(
                {
                    "epoch": self.epoch,
                    "groups": {
                        g: {k: v.cpu().numpy() for k, v in _elr_summary(e).items()}
                        for g, e in groups.items()
                    },
                }
            )

    _stop_at: int | None = None
    _stop_mode = "kill"
    prefetch = False  # measured no gain on the shared 2-core CPU (bench/RESULTS.md); opt-in
    _executor = None

    def _pool(self):
        """A one-thread executor that draws and reduces the next batch while the current step runs
        (the data never depends on the parameters; the draw order is unchanged, so results are
        identical with or without it).  Off with ``prefetch = False``."""
        if not self.prefetch:
            return None
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="curse-data")
        return self._executor

    def close(self):
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _stop(self):
        if self._stop_mode == "raise":
            raise _Stop(self.step)
        print(
            f"{STOP_ENV}={self._stop_at}: stopping this process (SIGKILL) after step "
            f"{self.step}, as asked",
            file=sys.stderr,
            flush=True,
        )
        os.kill(os.getpid(), signal.SIGKILL)  # simulate a crash: nothing extra is saved

    @torch.no_grad()
    def validation_loss(self, n_batches: int) -> np.ndarray:
        if n_batches == 0:
            return np.full(self.M, np.nan)
        gens = [I.generator(s, "valid") for s in self.c["seeds"]]
        acc = torch.zeros(self.S, self.T, self.T, dtype=torch.float64, device=self.device)
        for _ in range(n_batches):
            acc += gram(self.batch(gens)).double()
        e = self.error_kernel().double()
        val = quadratic_loss(e, acc / n_batches, self.B)
        val = torch.where(self.active, val, torch.full_like(val, float("nan")))
        return val.cpu().numpy()

    # ------------------------------------------------------------------------------------------
    def state(self, wall: float) -> dict:
        return {
            "step": self.step,
            "epoch": self.epoch,
            "wall": wall,
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "opt": _to_cpu(self.opt.state_dict()),
            "rng": [g.get_state() for g in self.gens],
            "active": self.active.cpu(),
            "diverged_step": self.diverged_step.cpu(),
            "metric_rows": _np_to_torch(self.metric_rows),
            "elr_rows": _np_to_torch(self.elr_rows),
        }

    def load_state(self, st: dict) -> float:
        self.step, self.epoch = st["step"], st["epoch"]
        self.model.load_state_dict({k: v.to(self.device) for k, v in st["model"].items()})
        self.opt.load_state_dict(_to_dev(st["opt"], self.device))
        for g, s in zip(self.gens, st["rng"]):
            g.set_state(s)
        self.active = st["active"].to(self.device)
        self.diverged_step = st["diverged_step"].to(self.device)
        self.metric_rows, self.elr_rows = (
            _torch_to_np(st["metric_rows"]),
            _torch_to_np(st["elr_rows"]),
        )
        return st["wall"]


def _np_to_torch(obj):
    """Numpy arrays -> tensors, so that a state file holds only what ``weights_only`` loading
    reads."""
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj)).clone()
    if isinstance(obj, dict):
        return {k: _np_to_torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_np_to_torch(v) for v in obj]
    return obj


def _torch_to_np(obj):
    if torch.is_tensor(obj):
        return obj.numpy()
    if isinstance(obj, dict):
        return {k: _torch_to_np(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_torch_to_np(v) for v in obj]
    return obj


def _to_cpu(obj):
    if torch.is_tensor(obj):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


def _to_dev(obj, device):
    if torch.is_tensor(obj):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: _to_dev(v, device) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_dev(v, device) for v in obj]
    return obj


def train_population(
    c: dict,
    device: torch.device,
    state_dir: Path | None,
    *,
    progress: bool = True,
    stop_after_step: int | None = None,
    stop_mode: str = "kill",
    log=print,
):
    """Train a validated cell; returns (Population, wall seconds).  Resumes from ``state_dir``."""
    pop = Population(c, device)
    if stop_after_step is None and os.environ.get(STOP_ENV):
        stop_after_step = int(os.environ[STOP_ENV])
    pop._stop_at, pop._stop_mode = stop_after_step, stop_mode
    state_file = state_dir / "state.pt" if state_dir is not None else None
    wall0 = 0.0
    if state_file is not None and state_file.exists():
        try:
            st = torch.load(
                state_file, map_location="cpu", weights_only=True
            )  # tensors only, never code
            wall0 = pop.load_state(st)
        except Exception as exc:  # a corrupt or mismatched state is discarded, never trusted
            log(
                f"warning: ignoring unreadable training state {state_file} "
                f"({exc.__class__.__name__}); "
                "training this cell from step 0 (the file is replaced at the next checkpoint)"
            )
            pop, wall0 = Population(c, device), 0.0  # a half-loaded state must not leak in
            pop._stop_at, pop._stop_mode = stop_after_step, stop_mode
        else:
            log(f"resuming {c['experiment']}/{c['cell']} from epoch {pop.epoch} (step {pop.step})")
    n_epochs = c["steps"] // c["steps_per_epoch"]
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=c["steps"],
            initial=pop.step,
            unit="step",
            desc=f"{c['cell']} ({pop.M} members)",
            dynamic_ncols=True,
            mininterval=1.0,
        )
    try:
        while pop.epoch < n_epochs:
            pop.run_epoch()
            if bar is not None:
                tl = pop.metric_rows[-1]["train_loss"]
                med = np.nanmedian(tl) if np.isfinite(tl).any() else float("nan")
                bar.update(c["steps_per_epoch"])
                bar.set_postfix(
                    median_loss=f"{med:.3g}",
                    diverged=int((~pop.active).sum()),
                )
            if (
                state_file is not None
                and pop.epoch % c["checkpoint_every"] == 0
                and pop.epoch < n_epochs
            ):
                io.torch_save(state_file, pop.state(wall0 + time.perf_counter() - t0))
        if bar is not None:
            bar.close()
    finally:
        pop.close()
    return pop, wall0 + time.perf_counter() - t0
