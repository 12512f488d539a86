"""GRU Jacobians at initialisation on real inputs (METHODS §5 Figs 14 and 15).

* :func:`recurrent_jacobians` (Fig 14): ∂h_Δt/∂h_0 at h_0 = 0 of the full ChronoGRU for a list of
  lengths Δt, all from one forward-mode pass (``torch.func.jacfwd`` of the states kept at the
  requested steps; running the cell on the first Δt tokens is the same trajectory prefix).
* :func:`bias_sensitivities` (Fig 15): for each seed s, the simple ChronoGRU re-initialised with
  seed s is fed sequence s; returns the chrono biases b, the final state h_T and the diagonal of
  ∂h_T/∂b_iz.  Vectorised over seeds with ``torch.func.vmap``; the diagonal comes from ``jacfwd``
  on b_iz, or, when U_hz is exactly zero (scale_h = 0: unit i's state depends on b_j only for
  j = i, so the Jacobian is diagonal), from one ``jvp`` with an all-ones tangent.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import jacfwd, jvp, vmap

from curse_of_memory.models import init as I
from curse_of_memory.models.gru import ChronoGRU, gru_scan

# Fig 14 grid (METHODS §5): (row, col, T_max, scale_h, scale_x); T_min = 1 everywhere.
FIG14_SETTINGS = [
    (0, 0, 1, 0.0, 0.0),
    (0, 1, 16, 0.0, 0.0),
    (0, 2, 256, 0.0, 0.0),
    (1, 0, 1, 1.0, 1.0),
    (1, 1, 16, 1.0, 1.0),
    (1, 2, 256, 1.0, 1.0),
    (2, 0, 16, 0.0, 1.0),
    (2, 1, 16, 1.0, 1.0),
    (2, 2, 16, 3.0, 1.0),
]
# Fig 15 settings: (name, scale_x, scale_h)
FIG15_SETTINGS = [
    ("Constant gates", 0.0, 0.0),
    ("Input-dependent gates", 1.0, 0.0),
    ("Input and hidden-dependent gates", 1.0, 1.0),
]


def fig14_lengths(n: int = 20, max_exp: float = 9.0) -> list[int]:
    """Δt = int(2^linspace(0, 9, n)) (1 … 512, with repeats), as the original."""
    return [int(v) for v in 2.0 ** np.linspace(0.0, max_exp, n)]


def recurrent_jacobians(cell: ChronoGRU, x: torch.Tensor, lengths: list[int]) -> torch.Tensor:
    """(len(lengths), n, n): ∂h_Δt/∂h_0 at h_0 = 0 for each Δt, x of shape (T ≥ max Δt, f)."""
    p = {k: v.detach() for k, v in cell.params().items()}
    xs = x[: max(lengths)]

    def states(h0):
        return gru_scan(p, xs, h0, cell.simple, keep=list(lengths))

    with torch.no_grad():
        return jacfwd(states)(torch.zeros(cell.n, dtype=x.dtype))


def offdiag_indices(n: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` distinct off-diagonal (i, j) pairs of an n × n matrix, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    flat = rng.choice(n * (n - 1), size=count, replace=False)
    i, r = np.divmod(flat, n - 1)
    j = r + (r >= i)
    return np.stack([i, j], axis=1)


def make_simple_cell(
    seed: int,
    width: int,
    fan_in: int,
    scale_x: float,
    scale_h: float,
    t_min: float = 1.0,
    t_max: float = 256.0,
) -> ChronoGRU:
    return ChronoGRU(
        width,
        fan_in,
        t_min=t_min,
        t_max=t_max,
        scale_h=scale_h,
        scale_x=scale_x,
        simple=True,
        generator=I.generator(seed, "fig15-gru"),
    )


def bias_sensitivities(
    embeddings,
    seeds,
    scale_x: float,
    scale_h: float,
    width: int = 256,
    t_min: float = 1.0,
    t_max: float = 256.0,
    chunk: int = 10,
) -> dict:
    """Arrays (len(seeds), width): ``b``, ``h`` (= h_T) and ``dh_db`` (diagonal of ∂h_T/∂b_iz)."""
    seeds = list(seeds)
    fan_in = embeddings.shape[-1]
    out = {"b": [], "h": [], "dh_db": []}
    for start in range(0, len(seeds), chunk):
        part = seeds[start : start + chunk]
        cells = [make_simple_cell(s, width, fan_in, scale_x, scale_h, t_min, t_max) for s in part]
        P = {k: torch.stack([c.params()[k].detach() for c in cells]) for k in cells[0].params()}
        X = torch.as_tensor(np.asarray(embeddings[part], dtype=np.float32))
        diagonal_only = bool(torch.all(P["U_hz"] == 0))

        def final(b, p, x):
            q = dict(p, b_iz=b)
            return gru_scan(q, x, None, True, keep=[x.shape[-2]])[..., 0, :]

        def one(p, x):
            b = p["b_iz"]
            if diagonal_only:
                h, d = jvp(lambda bb: final(bb, p, x), (b,), (torch.ones_like(b),))
            else:
                h = final(b, p, x)
                d = torch.diagonal(jacfwd(lambda bb: final(bb, p, x))(b))
            return h, d

        with torch.no_grad():
            h, d = vmap(one)(P, X)
        out["b"].append(P["b_iz"].numpy())
        out["h"].append(h.numpy())
        out["dh_db"].append(d.numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def smooth(x, y, grid, width: float = 100.0) -> np.ndarray:
    """'Empirical mean': Σ softmax(−(X − g)²/width) · Y at each grid point g (linear T axis)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    logits = -((x[None, :] - np.asarray(grid, dtype=np.float64)[:, None]) ** 2) / width
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    return (w * y[None]).sum(1) / w.sum(1)
