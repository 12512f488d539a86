"""ChronoGRU cell (METHODS §2.5), used by Figs 5, 13 (deep stack), 14 and 15.

Gates and update (h_0 = 0 unless given; the input at t enters h_t immediately, METHODS §1.1)::

    r  = σ(W_ir x + b_ir + U_hr h)
    z  = σ(W_iz x + b_iz + U_hz h)
    n  = tanh(W_in x + b_in + r ⊙ (U_hn h + b_hn))        simple version: n = W'_in x
    h' = (1 − z) ⊙ n + z ⊙ h

Initialisation: U_h* orthogonal with gain ``scale_h`` (gain 0 = zero matrix); W_i* ~ N(0,
2·scale_x/fan_in) (not truncated); W'_in (simple version) LeCun-normal std 1/√fan_in
(``models.init.lecun_normal_``), not scaled;
b_ir = b_in = b_hn = 0; chrono bias b_iz = log(U[T_min, T_max]) per unit (0 without a range), so
that with constant gates 1/(1 − z) = 1 + e^b.  The simple version has no reset gate and no
W_ir/b_ir/U_hr/b_in/U_hn/b_hn parameters.

Weights are stored torch-style as (out, in).  ``gru_scan(params, x, h0, simple)`` is the pure
function behind ``ChronoGRU.forward``; it composes with ``torch.func`` (jacfwd/jvp/vmap), which
Figs 14 and 15 use.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import functional_call

from curse_of_memory.models.init import lecun_normal_


def chrono_bias(
    n: int, t_min: float | None, t_max: float | None, generator: torch.Generator | None = None
) -> torch.Tensor:
    """b = log(U[T_min, T_max]), one draw per unit; zeros when no range is given."""
    if t_min is None or t_max is None:
        return torch.zeros(n)
    u = torch.rand(n, generator=generator)
    return torch.log(t_min + (t_max - t_min) * u)


class ChronoGRU(nn.Module):
    """A ChronoGRU layer of width ``n`` on inputs of size ``fan_in``; maps (B, T, f) → (B, T, n)."""

    def __init__(
        self,
        n: int,
        fan_in: int,
        t_min: float | None = None,
        t_max: float | None = None,
        scale_h: float = 1.0,
        scale_x: float = 1.0,
        simple: bool = False,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.n, self.fan_in, self.simple = n, fan_in, simple
        self.t_min, self.t_max, self.scale_h, self.scale_x = t_min, t_max, scale_h, scale_x
        g = generator
        std_x = math.sqrt(2.0 * scale_x / fan_in)

        def normal(shape, std):
            return nn.Parameter(torch.randn(shape, generator=g) * std)

        def orth():
            w = torch.empty(n, n)
            if scale_h == 0:
                w.zero_()
            else:
                nn.init.orthogonal_(w, gain=scale_h, generator=g)
            return nn.Parameter(w)

        if simple:
            self.W_iz = normal((n, fan_in), std_x)
            self.b_iz = nn.Parameter(chrono_bias(n, t_min, t_max, g))
            self.U_hz = orth()
            self.W_in = nn.Parameter(lecun_normal_(torch.empty(n, fan_in), fan_in, g))
        else:
            self.W_ir = normal((n, fan_in), std_x)
            self.W_iz = normal((n, fan_in), std_x)
            self.W_in = normal((n, fan_in), std_x)
            self.b_ir = nn.Parameter(torch.zeros(n))
            self.b_iz = nn.Parameter(chrono_bias(n, t_min, t_max, g))
            self.b_in = nn.Parameter(torch.zeros(n))
            self.b_hn = nn.Parameter(torch.zeros(n))
            self.U_hr = orth()
            self.U_hz = orth()
            self.U_hn = orth()

    def params(self) -> dict:
        return dict(self.named_parameters())

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
        """States h_1..h_T (B, T, n) of x (B, T, f).  The full version runs torch's fused GRU
        kernel on the same parameters (tested equal to :func:`gru_scan`, gradients included);
        use :func:`gru_scan` directly under ``torch.func`` transforms."""
        if self.simple or x.dim() != 3:
            return gru_scan(self.params(), x, h0, self.simple)
        zeros = torch.zeros_like(self.b_ir)
        weights = {
            "weight_ih_l0": torch.cat([self.W_ir, self.W_iz, self.W_in]),
            "weight_hh_l0": torch.cat([self.U_hr, self.U_hz, self.U_hn]),
            "bias_ih_l0": torch.cat([self.b_ir, self.b_iz, self.b_in]),
            "bias_hh_l0": torch.cat([zeros, zeros, self.b_hn]),
        }
        if not hasattr(self, "_fused"):
            object.__setattr__(self, "_fused", nn.GRU(self.fan_in, self.n, batch_first=True))
        hx = None if h0 is None else h0[None]
        return functional_call(self._fused, weights, (x, hx))[0]


def gru_scan(
    p: dict,
    x: torch.Tensor,
    h0: torch.Tensor | None = None,
    simple: bool = False,
    keep: list[int] | None = None,
) -> torch.Tensor:
    """All states h_1..h_T, shape (..., T, n), of the cell with parameters ``p`` on ``x``
    (..., T, f).

    With ``keep`` (1-based step counts), only the states h_k for k in ``keep`` are returned, stacked
    on the time axis.
    """
    n = p["b_iz"].shape[-1]
    if h0 is None:
        h0 = x.new_zeros(x.shape[:-2] + (n,))
    ax_z = x @ p["W_iz"].T  # biases are added per step, so that under torch.func a tangent on a
    # bias (Fig 15) is never broadcast over the whole (T, n) projection
    if simple:
        cand = x @ p["W_in"].T
    else:
        ax_r = x @ p["W_ir"].T
        ax_n = x @ p["W_in"].T
    h = h0
    out = []
    wanted = set(keep) if keep is not None else None
    for t in range(x.shape[-2]):
        z = torch.sigmoid(ax_z[..., t, :] + p["b_iz"] + h @ p["U_hz"].T)
        if simple:
            cand_t = cand[..., t, :]
        else:
            r = torch.sigmoid(ax_r[..., t, :] + p["b_ir"] + h @ p["U_hr"].T)
            cand_t = torch.tanh(ax_n[..., t, :] + p["b_in"] + r * (h @ p["U_hn"].T + p["b_hn"]))
        h = (1 - z) * cand_t + z * h
        if wanted is None or (t + 1) in wanted:
            out.append(h)
    if keep is not None:
        index = {k: i for i, k in enumerate(sorted(wanted))}
        return torch.stack([out[index[k]] for k in keep], dim=-2)
    return torch.stack(out, dim=-2)
