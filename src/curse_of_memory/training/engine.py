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
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from tqdm import tqdm

from curse_of_memory import io
from curse_of_memory.cell import validate_cell
from curse_of_memory.models import MODELS, build_model
from curse_of_memory.models import init as I
from curse_of_memory.tasks.teacher import teacher_kernels
from curse_of_memory.training import schedule as SCH
from curse_of_memory.training.loss import expected_loss_white, gram, quadratic_loss
from curse_of_memory.training.optim import PopulationOptimizer


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

    def run_epoch(self, after_step: Callable[[int], None] | None = None):
        """One epoch of steps; ``after_step(step)`` is called after each update (``step`` =
        updates applied so far)."""
        spe = self.c["steps_per_epoch"]
        losses = torch.empty(spe, self.M, dtype=self.dtype, device=self.device)
        gnorms = torch.empty_like(losses)
        for i in range(spe):
            losses[i], gnorms[i] = self.train_step()
            if after_step is not None:
                after_step(self.step)
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
    after_step: Callable[[int], None] | None = None,
    log=print,
):
    """Train a validated cell; returns (Population, wall seconds).  Resumes from ``state_dir``.
    ``after_step(step)`` is called after every update (``Population.run_epoch``)."""
    pop = Population(c, device)
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
        else:
            log(f"resuming {c['experiment']}/{c['cell']} from epoch {pop.epoch} (step {pop.step})")
    n_epochs = c["steps"] // c["steps_per_epoch"]
    t0 = time.perf_counter()
    bar = None
    if progress:
        bar = tqdm(
            total=c["steps"],
            initial=pop.step,
            unit="step",
            desc=f"{c['cell']} ({pop.M} members)",
            dynamic_ncols=True,
            mininterval=1.0,
        )
    while pop.epoch < n_epochs:
        pop.run_epoch(after_step)
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
    return pop, wall0 + time.perf_counter() - t0
