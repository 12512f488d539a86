"""Vectorised optimizers with one learning rate per member (leading dim M of every tensor).

Each follows the algorithm of its torch.optim counterpart applied to each member separately
(tests/test_optim.py checks the trajectories against torch.optim over 100 steps):

``adam``          torch.optim.Adam (beta 0.9/0.999, eps 1e-8 outside the sqrt, bias correction, no
                  weight decay) - the paper's optimizer (METHODS §1.4).
``adamw``         torch.optim.AdamW (decoupled decay ``weight_decay``, default 0.01).
``sgd``           torch.optim.SGD, plain.
``sgd_momentum``  torch.optim.SGD(momentum=0.9) (``momentum`` option; dampening 0, no nesterov).
``adafactor``     torch.optim.Adafactor (``lr`` is its relative-step cap rho_t = min(lr, 1/sqrt(t));
                  beta2_decay -0.8, eps (finfo.eps, 1e-3), d 1, weight_decay 0).  The factored
                  second moment uses the last two dims of each member's tensor, as torch does for
                  that tensor alone.
``muon``          torch.optim.Muon on each recurrent matrix block (``A[m, h]``: Newton-Schulz in
                  bfloat16, momentum 0.95, nesterov, 5 steps, ``adjust_lr_fn`` default
                  'match_rms_adamw' so that one lr suits both parts, ``weight_decay`` default 0);
                  every other parameter with Adam at ``adam_lr_ratio`` x lr (default 1.0).  Only for
                  models with recurrent matrices (``rnn``).

``probe(lr)`` returns the per-entry effective learning rate e: the negated update of one virtual
step with a gradient of all ones, not committed (METHODS §1.5; for adam it is exactly the formula
there; weight decay is left out of the probe).

The registry ``OPTIMIZERS`` maps each name to an :class:`OptimizerEntry`: the :class:`Algorithm`
subclass that implements it, its options with their defaults (validate_optimizer_spec accepts
exactly these) and whether it needs recurrent matrices.  :class:`PopulationOptimizer` (what the
engine uses) validates a spec, builds the algorithm and counts the steps.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from curse_of_memory.errors import ConfigError, registered_name
from curse_of_memory.models import with_recurrent_matrices

NS_COEFFS = (3.4445, -4.7750, 2.0315)


def _bcast(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.reshape(-1, *([1] * (like.dim() - 1)))


def _member_norm(x: torch.Tensor) -> torch.Tensor:
    return torch.linalg.vector_norm(x.reshape(x.shape[0], -1), dim=1)


class _Adam:
    def __init__(self, params, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.b1, self.b2, self.eps, self.wd = beta1, beta2, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def update(self, params, grads, lr, mask, step):
        """step: number of updates already applied (this is update step+1)."""
        s = step + 1
        bc1, bc2 = 1 - self.b1**s, 1 - self.b2**s
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m.lerp_(g, 1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            lr_b = _bcast(lr, p)
            denom = (v.sqrt() / math.sqrt(bc2)).add_(self.eps)
            new = p - (lr_b / bc1) * m / denom
            if self.wd:
                new = new - (lr_b * self.wd) * p
            p.copy_(torch.where(_bcast(mask, p), new, p))

    def probe(self, params, lr, step):
        s = step + 1
        out = []
        for p, m, v in zip(params, self.m, self.v):
            num = (self.b1 * m + (1 - self.b1)) / (1 - self.b1**s)
            den = torch.sqrt((self.b2 * v + (1 - self.b2)) / (1 - self.b2**s)) + self.eps
            out.append(_bcast(lr, p) * num / den)
        return out

    def state(self):
        return {"m": self.m, "v": self.v}

    def load(self, st):
        for a, b in zip(self.m, st["m"]):
            a.copy_(b)
        for a, b in zip(self.v, st["v"]):
            a.copy_(b)


# ----------------------------------------------------------------------------------------------
# the algorithms
# ----------------------------------------------------------------------------------------------
class Algorithm:
    """One optimizer's update rule over member-stacked tensors (leading dim M, never reduced over).

    Built as ``cls(opts, names, params, recurrent_matrices)``: ``opts`` holds every option of the
    registry entry (its defaults updated by the spec), ``names``/``params`` the parameters in
    order, ``recurrent_matrices`` the names of the square-matrix stacks.
    ``step(grads, lr, mask, t)`` updates in place the members where ``mask`` is True with
    per-member lrs ``lr`` (M,), ``t`` being the number of updates already applied;
    ``probe(lr, t)`` returns the per-entry effective lrs (METHODS §1.5) without changing anything.
    ``STATE`` names the attributes saved for resuming: lists of tensors (None entries allowed) or
    an Adam state."""

    STATE: tuple[str, ...] = ()

    def __init__(
        self,
        opts: dict,
        names: list[str],
        params: list[torch.Tensor],
        recurrent_matrices: tuple[str, ...],
    ):
        self.params = params

    def step(self, grads: list[torch.Tensor], lr: torch.Tensor, mask: torch.Tensor, t: int) -> None:
        raise NotImplementedError

    def probe(self, lr: torch.Tensor, t: int) -> list[torch.Tensor]:
        raise NotImplementedError


class Adam(Algorithm):
    """adam and adamw (decoupled weight decay; 0 for adam, which has no such option)."""

    STATE = ("adam",)

    def __init__(self, opts, names, params, recurrent_matrices):
        super().__init__(opts, names, params, recurrent_matrices)
        self.adam = _Adam(
            params, opts["beta1"], opts["beta2"], opts["eps"], opts.get("weight_decay", 0.0)
        )

    def step(self, grads, lr, mask, t):
        self.adam.update(self.params, grads, lr, mask, t)

    def probe(self, lr, t):
        return self.adam.probe(self.params, lr, t)


class SGD(Algorithm):
    def step(self, grads, lr, mask, t):
        for p, g in zip(self.params, grads):
            p.copy_(torch.where(_bcast(mask, p), p - _bcast(lr, p) * g, p))

    def probe(self, lr, t):
        return [_bcast(lr, p).expand_as(p).clone() for p in self.params]


class SGDMomentum(Algorithm):
    STATE = ("buf",)

    def __init__(self, opts, names, params, recurrent_matrices):
        super().__init__(opts, names, params, recurrent_matrices)
        self.mu = opts["momentum"]
        self.buf = [torch.zeros_like(p) for p in params]

    def step(self, grads, lr, mask, t):
        for p, g, b in zip(self.params, grads, self.buf):
            if t == 0:
                b.copy_(g)
            else:
                b.mul_(self.mu).add_(g)
            p.copy_(torch.where(_bcast(mask, p), p - _bcast(lr, p) * b, p))

    def probe(self, lr, t):
        return [
            _bcast(lr, p) * (self.mu * b + 1 if t > 0 else torch.ones_like(p))
            for p, b in zip(self.params, self.buf)
        ]


class Adafactor(Algorithm):
    STATE = ("row", "col", "var")

    def __init__(self, opts, names, params, recurrent_matrices):
        super().__init__(opts, names, params, recurrent_matrices)
        self.beta2_decay, self.eps2 = opts["beta2_decay"], opts["eps2"]
        self.d, self.wd = opts["d"], opts["weight_decay"]
        self.row, self.col, self.var = [], [], []
        for p in params:
            if p.dim() - 1 > 1:
                self.row.append(torch.zeros(*p.shape[:-1], 1, dtype=p.dtype, device=p.device))
                self.col.append(
                    torch.zeros(*p.shape[:-2], 1, p.shape[-1], dtype=p.dtype, device=p.device)
                )
                self.var.append(None)
            else:
                self.row.append(None)
                self.col.append(None)
                self.var.append(torch.zeros_like(p))

    def step(self, grads, lr, mask, t):
        self._update(grads, lr, mask, t)

    def probe(self, lr, t):
        return self._update([torch.ones_like(p) for p in self.params], lr, None, t, commit=False)

    def _update(self, grads, lr, mask, step, commit=True):
        t = step + 1
        one_minus_b2 = t**self.beta2_decay
        out = []
        for i, (p, g) in enumerate(zip(self.params, grads)):
            eps1 = torch.finfo(p.dtype).eps
            rho = torch.clamp(lr, max=1 / t**0.5)
            rms = _member_norm(p) / math.sqrt(p[0].numel())
            alpha = torch.clamp(rms, min=self.eps2) * rho
            if self.var[i] is None:
                row = self.row[i].lerp(
                    torch.linalg.vector_norm(g, dim=-1, keepdim=True).square() / g.shape[-1],
                    one_minus_b2,
                )
                col = self.col[i].lerp(
                    torch.linalg.vector_norm(g, dim=-2, keepdim=True).square() / g.shape[-2],
                    one_minus_b2,
                )
                est = (row @ col) / row.mean(dim=-2, keepdim=True).clamp(min=eps1)
                if commit:
                    self.row[i].copy_(row)
                    self.col[i].copy_(col)
            else:
                var = self.var[i].lerp(g * g, one_minus_b2)
                est = var.clone()
                if commit:
                    self.var[i].copy_(var)
            upd = est.clamp(min=eps1 * eps1).rsqrt() * g
            denom = torch.clamp(_member_norm(upd) / (math.sqrt(p[0].numel()) * self.d), min=1.0)
            delta = _bcast(alpha / denom, p) * upd
            if not commit:
                out.append(delta)
                continue
            new = p * (1 - _bcast(lr, p) * self.wd) - delta
            p.copy_(torch.where(_bcast(mask, p), new, p))
        return out


class Muon(Algorithm):
    """Newton-Schulz-orthogonalised momentum on the recurrent matrix blocks, Adam on the rest."""

    STATE = ("adam", "buf")

    def __init__(self, opts, names, params, recurrent_matrices):
        super().__init__(opts, names, params, recurrent_matrices)
        self.is_mat = [n in recurrent_matrices for n in names]
        self.mu = opts["momentum"]
        self.nesterov = opts["nesterov"]
        self.ns_steps = int(opts["ns_steps"])
        self.wd = opts["weight_decay"]
        self.adjust = opts["adjust_lr_fn"]
        self.ratio = opts["adam_lr_ratio"]
        self.mats = [p for p, b in zip(params, self.is_mat) if b]
        self.others = [p for p, b in zip(params, self.is_mat) if not b]
        self.buf = [torch.zeros_like(p) for p in self.mats]
        self.adam = _Adam(self.others, opts["beta1"], opts["beta2"], opts["eps"])

    def step(self, grads, lr, mask, t):
        gm = [g for g, b in zip(grads, self.is_mat) if b]
        go = [g for g, b in zip(grads, self.is_mat) if not b]
        for p, g, b in zip(self.mats, gm, self.buf):
            b.lerp_(g, 1 - self.mu)
            upd = g.lerp(b, self.mu) if self.nesterov else b
            new = p * (1 - _bcast(lr, p) * self.wd) - _bcast(lr, p) * self._adj(p) * self._ns(upd)
            p.copy_(torch.where(_bcast(mask, p), new, p))
        self.adam.update(self.others, go, lr * self.ratio, mask, t)

    def probe(self, lr, t):
        out, ia, im = [], 0, 0
        pe = self.adam.probe(self.others, lr * self.ratio, t)
        for p, b in zip(self.params, self.is_mat):
            if b:
                buf = self.buf[im].lerp(torch.ones_like(p), 1 - self.mu)
                upd = torch.ones_like(p).lerp(buf, self.mu) if self.nesterov else buf
                out.append(_bcast(lr, p) * self._adj(p) * self._ns(upd))
                im += 1
            else:
                out.append(pe[ia])
                ia += 1
        return out

    def _adj(self, p):
        A, B = p.shape[-2], p.shape[-1]
        if self.adjust == "original":
            return math.sqrt(max(1, A / B))
        return 0.2 * math.sqrt(max(A, B))

    def _ns(self, g: torch.Tensor) -> torch.Tensor:
        """torch.optim.Muon's Newton-Schulz (bfloat16), batched over all leading dims."""
        a, b, c = NS_COEFFS
        shape = g.shape
        x = g.reshape(-1, shape[-2], shape[-1]).bfloat16()
        tr = shape[-2] > shape[-1]
        if tr:
            x = x.mT
        x = x / torch.linalg.vector_norm(x, dim=(-2, -1), keepdim=True).clamp(min=1e-7)
        for _ in range(self.ns_steps):
            gram = x @ x.mT
            upd = torch.baddbmm(gram, gram, gram, beta=b, alpha=c)
            x = torch.baddbmm(x, upd, x, beta=a)
        if tr:
            x = x.mT
        return x.reshape(shape).to(g.dtype)


# ----------------------------------------------------------------------------------------------
# the registry
# ----------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class OptimizerEntry:
    """One registered optimizer (a value of ``OPTIMIZERS``; its key is the spec's ``name``).

    ``algorithm``: the Algorithm subclass.  ``defaults``: every option it accepts, with its default
    (the spec is stored as given; the defaults apply when the algorithm is built).  Options are
    finite numbers, except those in ``choices``: option -> allowed values (None: any value).
    ``needs_recurrent_matrices``: refuse models without them (muon)."""

    algorithm: type[Algorithm]
    defaults: dict = dataclasses.field(default_factory=dict)
    choices: dict = dataclasses.field(default_factory=dict)
    needs_recurrent_matrices: bool = False


_ADAM = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
OPTIMIZERS: dict[str, OptimizerEntry] = {
    "adam": OptimizerEntry(Adam, dict(_ADAM)),
    "adamw": OptimizerEntry(Adam, {**_ADAM, "weight_decay": 0.01}),
    "sgd": OptimizerEntry(SGD),
    "sgd_momentum": OptimizerEntry(SGDMomentum, {"momentum": 0.9}),
    "adafactor": OptimizerEntry(
        Adafactor, {"beta2_decay": -0.8, "eps2": 1e-3, "d": 1.0, "weight_decay": 0.0}
    ),
    "muon": OptimizerEntry(
        Muon,
        {
            "momentum": 0.95,
            "nesterov": True,
            "ns_steps": 5,
            "weight_decay": 0.0,
            "adjust_lr_fn": "match_rms_adamw",
            "adam_lr_ratio": 1.0,
            **_ADAM,
        },
        choices={"nesterov": None, "adjust_lr_fn": ("original", "match_rms_adamw")},
        needs_recurrent_matrices=True,
    ),
}


def validate_optimizer_spec(spec: dict, field: str = "optimizer") -> dict:
    name = registered_name(spec, field, tuple(OPTIMIZERS), "optimizer")
    entry = OPTIMIZERS[name]
    unknown = set(spec) - set(entry.defaults) - {"name"}
    if unknown:
        allowed = ", ".join(sorted(entry.defaults)) or "(no options)"
        raise ConfigError(f"{field}.{sorted(unknown)[0]}", f"unknown option for {name}", allowed)
    for k, v in spec.items():
        if k == "name" or k in entry.choices:
            continue
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            raise ConfigError(f"{field}.{k}", f"{v!r} is not a number", "a finite number")
    for k, allowed in entry.choices.items():
        if k in spec and allowed is not None and spec[k] not in allowed:
            raise ConfigError(f"{field}.{k}", f"unknown value {spec[k]!r}", ", ".join(allowed))
    return dict(spec)


class PopulationOptimizer:
    """Optimizer over a list of member-stacked parameters.  ``step(grads, lr, mask)`` updates in
    place the members where ``mask`` is True, with per-member learning rates ``lr`` (M,)."""

    def __init__(
        self,
        spec: dict,
        named_params: list[tuple[str, torch.Tensor]],
        recurrent_matrices: tuple[str, ...] = (),
    ):
        spec = validate_optimizer_spec(spec)
        self.name = spec["name"]
        self.spec = spec
        self.names = [n for n, _ in named_params]
        self.params = [p for _, p in named_params]
        self.step_count = 0
        entry = OPTIMIZERS[self.name]
        if entry.needs_recurrent_matrices and not any(n in recurrent_matrices for n in self.names):
            others = [n for n, e in OPTIMIZERS.items() if not e.needs_recurrent_matrices]
            raise ConfigError(
                "optimizer.name",
                f"{self.name} needs a model with recurrent matrices",
                f"use {self.name} with model {', '.join(with_recurrent_matrices())}; "
                f"{', '.join(others)} otherwise",
            )
        opts = {**entry.defaults, **{k: v for k, v in spec.items() if k != "name"}}
        self.algorithm = entry.algorithm(opts, self.names, self.params, tuple(recurrent_matrices))

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor], lr: torch.Tensor, mask: torch.Tensor) -> None:
        self.algorithm.step(grads, lr, mask, self.step_count)
        self.step_count += 1

    @torch.no_grad()
    def probe(self, lr: torch.Tensor) -> list[torch.Tensor]:
        """Per-entry effective learning rate e (same shapes as the parameters), METHODS §1.5."""
        return self.algorithm.probe(lr, self.step_count)

    # ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        st = {"name": self.name, "step_count": self.step_count}
        for k in self.algorithm.STATE:
            v = getattr(self.algorithm, k)
            if isinstance(v, _Adam):
                st[k] = {n: [t.clone() for t in ts] for n, ts in v.state().items()}
            else:
                st[k] = [None if t is None else t.clone() for t in v]
        return st

    def load_state_dict(self, st: dict) -> None:
        extra = set(st) - {"name", "step_count", *self.algorithm.STATE}
        if extra:
            raise ValueError(f"optimizer state has {sorted(extra)}, not state of {self.name}")
        self.step_count = st["step_count"]
        for k in self.algorithm.STATE:
            if k not in st:
                continue
            v = getattr(self.algorithm, k)
            if isinstance(v, _Adam):
                v.load(st[k])
            else:
                for a, b in zip(v, st[k]):
                    if a is not None:
                        a.copy_(b)
