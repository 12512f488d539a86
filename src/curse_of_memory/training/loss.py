"""The teacher-student training loss, computed exactly from impulse responses (METHODS §1.1, §6.2).

For LTI student and teacher with kernels k (D included at tau = 0) the residual is
r_t = sum_{tau<=t} e_tau x_{t-tau} with e = k_student - k_teacher, so the batch loss

    L = 1/2 * 1/(B T) * sum_{b,t} r_{b,t}^2 = 1/(2 B T) * e^T G e,
    G[tau, tau'] = sum_b sum_{t = max(tau, tau')}^{T-1} x_{b, t-tau} x_{b, t-tau'}     (0-based t)

is a quadratic form in e with a data matrix G that depends on the batch only.  G is built per
*data stream* (per seed, common random numbers) from Q = X^T X by suffix sums along diagonals;
each member then costs one T x T mat-vec.  ``tests/test_engine.py`` checks this loss and its
gradients against the sequential recurrences of student and teacher.

Expected loss under unit white noise (E[G] = B diag(T - tau)):
    E[L] = 1/(2T) * sum_tau (T - tau) e_tau^2       (h_0 = 0 transient included, as in training).
"""

from __future__ import annotations

import torch

_IDX_CACHE: dict = {}


def _indices(T: int, device):
    key = (T, str(device))
    if key not in _IDX_CACHE:
        i = torch.arange(T, device=device)
        d = (i[:, None] - i[None, :]).abs()
        n = T - 1 - torch.maximum(i[:, None], i[None, :])
        _IDX_CACHE[key] = (d * T + n).reshape(-1)
    return _IDX_CACHE[key]


def gram(x: torch.Tensor) -> torch.Tensor:
    """x (S, B, T) -> G (S, T, T) as in the module docstring."""
    S, B, T = x.shape
    buf = x.new_empty(S + 1, T, T)  # one spare matrix so the strided view below stays in bounds
    torch.bmm(x.transpose(1, 2), x, out=buf[:S])  # Q[s, i, j] = sum_b x_i x_j
    # diag[s, d, j] = Q[s, j + d, j] for j + d < T; for j + d >= T it reads the next matrix, but the
    # cumulative sum only ever uses positions j <= T - 1 - d, so those entries are never used.
    diag = buf.as_strided((S, T, T), (T * T, T, T + 1))
    cum = diag.cumsum(dim=-1).reshape(S, T * T)
    return cum.index_select(1, _indices(T, x.device)).reshape(S, T, T)


def quadratic_loss(e: torch.Tensor, G: torch.Tensor, batch: int) -> torch.Tensor:
    """Per-member losses.  e (M, T) with members ordered so that the stream index is fastest
    (member m uses G[m % S]); G (S, T, T).  Returns (M,)."""
    M, T = e.shape
    S = G.shape[0]
    E = e.reshape(M // S, S, T).transpose(0, 1)  # (S, K, T)
    GE = E @ G  # G symmetric
    return (0.5 / (batch * T)) * (E * GE).sum(-1).transpose(0, 1).reshape(M)


def expected_loss_white(e: torch.Tensor) -> torch.Tensor:
    """Closed-form E[L] under i.i.d. N(0, 1) inputs for error kernels e (M, T)."""
    T = e.shape[-1]
    w = (T - torch.arange(T, device=e.device, dtype=e.dtype)) / (2 * T)
    return (e**2 * w).sum(-1)
