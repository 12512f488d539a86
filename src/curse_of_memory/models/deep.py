"""Deep residual recurrent stack used at initialisation in Figs 5 and 13 (METHODS §2.6).

    encoder (Linear d_emb → width, LeCun-normal, zero bias)
    4 × [ skip = x; x = Norm(x); x = Recurrent(x); x = GELU_tanh(x); x = Norm(x)  (same module);
          x = Linear_a(x) ⊙ σ(Linear_b(x))  (GLU, width → width, bias); x = x + skip ]
    decoder (Linear width → d_emb, LeCun-normal, zero bias)

``forward(x)`` returns ``(prediction, residual_outputs, recurrent_outputs)``: the prediction
(B, T, d_emb), the residual stream after each layer and the recurrent layer's own output in each
layer (lists of (B, T, width)).

Recurrent layers, for a memory scale ``t_mem`` (ring [1 − 1/T_mem, 1 − 1/(2 T_mem)], θ0 = π):
``crnn`` = the core library's LRU with ``reim`` and γ = none; ``lru`` = LRU with ``exp`` and learned
γ (B, C, D by the matrix-init rule, N(0, 1/width)); ``gru`` = :class:`~curse_of_memory.models.gru.
ChronoGRU`, full version, T ∈ [T_mem, 2 T_mem], scale_h = scale_x = 1.

Norm: ``none`` (identity), ``layer`` (LayerNorm, eps 1e−6, learnable scale/bias) or ``batch``
(BatchNorm with the current batch's statistics over all axes but features, biased variance,
eps 1e−5 as Flax's default, learnable scale/bias).

Initialisation is deterministic in ``seed``: every component draws from its own generator
``models.init.generator(seed, "<component>")``, so the same seed gives the same weights whatever
the norm (the norm study compares norms at identical weights).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from curse_of_memory.errors import ConfigError
from curse_of_memory.models import init as I
from curse_of_memory.models.gru import ChronoGRU
from curse_of_memory.models.linear import LRU

ARCHS = ("crnn", "lru", "gru")
NORMS = ("none", "layer", "batch")


def ring(t_mem: float) -> tuple[float, float]:
    """The deep model's ring [1 − 1/T_mem, 1 − 1/(2 T_mem)]."""
    return 1.0 - 1.0 / t_mem, 1.0 - 1.0 / (2.0 * t_mem)


def dense(fan_in: int, fan_out: int, g: torch.Generator) -> nn.Linear:
    """Flax Dense: LeCun-normal kernel, zero bias (torch layout (out, in))."""
    lin = nn.Linear(fan_in, fan_out)
    with torch.no_grad():
        I.lecun_normal_(lin.weight, fan_in, g)
        lin.bias.zero_()
    return lin


class BatchStatNorm(nn.Module):
    """BatchNorm with the statistics of the current batch over all axes but the last."""

    def __init__(self, width: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, x):
        dims = tuple(range(x.dim() - 1))
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, unbiased=False, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias


def make_norm(norm: str, width: int) -> nn.Module:
    if norm == "none":
        return nn.Identity()
    if norm == "layer":
        return nn.LayerNorm(width, eps=1e-6)
    if norm == "batch":
        return BatchStatNorm(width)
    raise ConfigError("norm", f"{norm!r} is not a normalisation", ", ".join(NORMS))


class _Recurrent(nn.Module):
    """Wraps the recurrent layer so that every option maps (B, T, w) → (B, T, w)."""

    def __init__(self, arch: str, width: int, t_mem: float, g: torch.Generator):
        super().__init__()
        self.arch = arch
        if arch == "gru":
            self.cell = ChronoGRU(
                width, width, t_min=t_mem, t_max=2 * t_mem, scale_h=1.0, scale_x=1.0, generator=g
            )
        elif arch in ("crnn", "lru"):
            param, gamma = ("reim", "none") if arch == "crnn" else ("exp", "learned")
            self.cell = LRU(1, width, width, width, param=param, gamma=gamma)
            r_min, r_max = ring(t_mem)
            self.cell.load_member_values(
                [self.cell.draw_member(g, r_min=r_min, r_max=r_max, theta0=math.pi)]
            )
        else:
            raise ConfigError("arch", f"{arch!r} is not a recurrent layer", ", ".join(ARCHS))

    def forward(self, x):
        return self.cell(x)


class ResidualBlock(nn.Module):
    def __init__(self, arch: str, width: int, t_mem: float, norm: str, seed: int, index: int):
        super().__init__()
        self.norm = make_norm(norm, width)
        self.recurrent = _Recurrent(arch, width, t_mem, I.generator(seed, f"deep-rec-{index}"))
        g = I.generator(seed, f"deep-glu-{index}")
        self.glu_a = dense(width, width, g)
        self.glu_b = dense(width, width, g)

    def forward(self, x):
        skip = x
        x = self.norm(x)
        rec = self.recurrent(x)
        x = nn.functional.gelu(rec, approximate="tanh")
        x = self.norm(x)
        x = self.glu_a(x) * torch.sigmoid(self.glu_b(x))
        return x + skip, rec


class DeepRecurrent(nn.Module):
    """The §2.6 stack: ``DeepRecurrent(d_emb, arch, t_mem, norm="none", width=256, layers=4)``."""

    def __init__(
        self,
        d_emb: int,
        arch: str,
        t_mem: float,
        norm: str = "none",
        width: int = 256,
        layers: int = 4,
        seed: int = 0,
    ):
        super().__init__()
        if arch not in ARCHS:
            raise ConfigError("arch", f"{arch!r} is not a recurrent layer", ", ".join(ARCHS))
        if t_mem < 1:
            raise ConfigError("t_mem", f"{t_mem} is below 1 (ring 1 - 1/T_mem < 0)", "T_mem >= 1")
        self.arch, self.t_mem, self.norm_kind = arch, t_mem, norm
        self.encoder = dense(d_emb, width, I.generator(seed, "deep-encoder"))
        self.layers = nn.ModuleList(
            ResidualBlock(arch, width, t_mem, norm, seed, i) for i in range(layers)
        )
        self.decoder = dense(width, d_emb, I.generator(seed, "deep-decoder"))

    def forward(self, x):
        x = self.encoder(x)
        outs, recs = [], []
        for layer in self.layers:
            x, rec = layer(x)
            outs.append(x)
            recs.append(rec)
        return self.decoder(x), outs, recs
