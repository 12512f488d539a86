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
"""

from __future__ import annotations

import math

import torch

from curse_of_memory.errors import ConfigError, registered_name

OPTIMIZERS = ("adam", "adamw", "sgd", "sgd_momentum", "adafactor", "muon")
_OPTIONS = {
    "adam": {"beta1", "beta2", "eps"},
    "adamw": {"beta1", "beta2", "eps", "weight_decay"},
    "sgd": set(),
    "sgd_momentum": {"momentum"},
    "adafactor": {"beta2_decay", "eps2", "d", "weight_decay"},
    "muon": {"momentum", "nesterov", "ns_steps", "weight_decay", "adjust_lr_fn", "adam_lr_ratio",
             "beta1", "beta2", "eps"},
}

NS_COEFFS = (3.4445, -4.7750, 2.0315)


def validate_optimizer_spec(spec: dict, field: str = "optimizer") -> dict:
    name = registered_name(spec, field, OPTIMIZERS, "optimizer")
    unknown = set(spec) - _OPTIONS[name] - {"name"}
    if unknown:
        allowed = ", ".join(sorted(_OPTIONS[name])) or "(no options)"
        raise ConfigError(f"{field}.{sorted(unknown)[0]}", f"unknown option for {name}", allowed)
    for k, v in spec.items():
        if k in ("name", "nesterov", "adjust_lr_fn"):
            continue
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            raise ConfigError(f"{field}.{k}", f"{v!r} is not a number", "a finite number")
    if spec.get("adjust_lr_fn", "match_rms_adamw") not in ("original", "match_rms_adamw"):
        raise ConfigError(f"{field}.adjust_lr_fn", f"unknown value {spec['adjust_lr_fn']!r}",
                          "original, match_rms_adamw")
    return dict(spec)


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


class PopulationOptimizer:
    """Optimizer over a list of member-stacked parameters.  ``step(grads, lr, mask)`` updates in
    place the members where ``mask`` is True, with per-member learning rates ``lr`` (M,)."""

    def __init__(self, spec: dict, named_params: list[tuple[str, torch.Tensor]],
                 recurrent_matrices: tuple[str, ...] = ()):
        spec = validate_optimizer_spec(spec)
        self.name = spec["name"]
        self.spec = spec
        self.names = [n for n, _ in named_params]
        self.params = [p for _, p in named_params]
        self.step_count = 0
        o = spec
        if self.name in ("adam", "adamw"):
            self.adam = _Adam(self.params, o.get("beta1", 0.9), o.get("beta2", 0.999), o.get("eps", 1e-8),
                              o.get("weight_decay", 0.01) if self.name == "adamw" else 0.0)
        elif self.name == "sgd_momentum":
            self.mu = o.get("momentum", 0.9)
            self.buf = [torch.zeros_like(p) for p in self.params]
        elif self.name == "adafactor":
            self.beta2_decay, self.eps2 = o.get("beta2_decay", -0.8), o.get("eps2", 1e-3)
            self.d, self.wd = o.get("d", 1.0), o.get("weight_decay", 0.0)
            self.row, self.col, self.var = [], [], []
            for p in self.params:
                if p.dim() - 1 > 1:
                    self.row.append(torch.zeros(*p.shape[:-1], 1, dtype=p.dtype, device=p.device))
                    self.col.append(torch.zeros(*p.shape[:-2], 1, p.shape[-1], dtype=p.dtype, device=p.device))
                    self.var.append(None)
                else:
                    self.row.append(None)
                    self.col.append(None)
                    self.var.append(torch.zeros_like(p))
        elif self.name == "muon":
            self.is_mat = [n in recurrent_matrices for n in self.names]
            if not any(self.is_mat):
                raise ConfigError("optimizer.name", "muon needs a model with recurrent matrices",
                                  "use muon with model rnn; adam, adamw, sgd, sgd_momentum, adafactor otherwise")
            self.mu = o.get("momentum", 0.95)
            self.nesterov = o.get("nesterov", True)
            self.ns_steps = int(o.get("ns_steps", 5))
            self.wd = o.get("weight_decay", 0.0)
            self.adjust = o.get("adjust_lr_fn", "match_rms_adamw")
            self.ratio = o.get("adam_lr_ratio", 1.0)
            self.mats = [p for p, b in zip(self.params, self.is_mat) if b]
            self.others = [p for p, b in zip(self.params, self.is_mat) if not b]
            self.buf = [torch.zeros_like(p) for p in self.mats]
            self.adam = _Adam(self.others, o.get("beta1", 0.9), o.get("beta2", 0.999), o.get("eps", 1e-8))

    # ------------------------------------------------------------------------------------------
    @torch.no_grad()
    def step(self, grads: list[torch.Tensor], lr: torch.Tensor, mask: torch.Tensor) -> None:
        n = self.name
        if n in ("adam", "adamw"):
            self.adam.update(self.params, grads, lr, mask, self.step_count)
        elif n == "sgd":
            for p, g in zip(self.params, grads):
                p.copy_(torch.where(_bcast(mask, p), p - _bcast(lr, p) * g, p))
        elif n == "sgd_momentum":
            for p, g, b in zip(self.params, grads, self.buf):
                if self.step_count == 0:
                    b.copy_(g)
                else:
                    b.mul_(self.mu).add_(g)
                p.copy_(torch.where(_bcast(mask, p), p - _bcast(lr, p) * b, p))
        elif n == "adafactor":
            self._adafactor(grads, lr, mask)
        else:
            gm = [g for g, b in zip(grads, self.is_mat) if b]
            go = [g for g, b in zip(grads, self.is_mat) if not b]
            for p, g, b in zip(self.mats, gm, self.buf):
                b.lerp_(g, 1 - self.mu)
                upd = g.lerp(b, self.mu) if self.nesterov else b
                new = p * (1 - _bcast(lr, p) * self.wd) - _bcast(lr, p) * self._adj(p) * self._ns(upd)
                p.copy_(torch.where(_bcast(mask, p), new, p))
            self.adam.update(self.others, go, lr * self.ratio, mask, self.step_count)
        self.step_count += 1

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

    def _adafactor(self, grads, lr, mask, commit=True):
        t = self.step_count + 1
        one_minus_b2 = t**self.beta2_decay
        out = []
        for i, (p, g) in enumerate(zip(self.params, grads)):
            eps1 = torch.finfo(p.dtype).eps
            rho = torch.clamp(lr, max=1 / t**0.5)
            rms = _member_norm(p) / math.sqrt(p[0].numel())
            alpha = torch.clamp(rms, min=self.eps2) * rho
            if self.var[i] is None:
                row = self.row[i].lerp(torch.linalg.vector_norm(g, dim=-1, keepdim=True).square() / g.shape[-1], one_minus_b2)
                col = self.col[i].lerp(torch.linalg.vector_norm(g, dim=-2, keepdim=True).square() / g.shape[-2], one_minus_b2)
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

    # ------------------------------------------------------------------------------------------
    @torch.no_grad()
    def probe(self, lr: torch.Tensor) -> list[torch.Tensor]:
        """Per-entry effective learning rate e (same shapes as the parameters), METHODS §1.5."""
        n, s = self.name, self.step_count
        if n in ("adam", "adamw"):
            return self.adam.probe(self.params, lr, s)
        if n == "sgd":
            return [_bcast(lr, p).expand_as(p).clone() for p in self.params]
        if n == "sgd_momentum":
            return [_bcast(lr, p) * (self.mu * b + 1 if s > 0 else torch.ones_like(p))
                    for p, b in zip(self.params, self.buf)]
        if n == "adafactor":
            return self._adafactor([torch.ones_like(p) for p in self.params], lr, None, commit=False)
        out, ia, im = [], 0, 0
        pe = self.adam.probe(self.others, lr * self.ratio, s)
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

    # ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        st = {"name": self.name, "step_count": self.step_count}
        if hasattr(self, "adam"):
            st["adam"] = {k: [t.clone() for t in v] for k, v in self.adam.state().items()}
        for k in ("buf", "row", "col", "var"):
            if hasattr(self, k):
                st[k] = [None if t is None else t.clone() for t in getattr(self, k)]
        return st

    def load_state_dict(self, st: dict) -> None:
        self.step_count = st["step_count"]
        if "adam" in st:
            self.adam.load(st["adam"])
        for k in ("buf", "row", "col", "var"):
            if k in st:
                for a, b in zip(getattr(self, k), st[k]):
                    if a is not None:
                        a.copy_(b)
