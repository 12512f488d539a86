"""Stationary second moments of h_t = lam h_{t-1} + x_t for inputs with autocorrelation rho^|Delta|.

METHODS §4.1-§4.3.  All functions are vectorised (NumPy broadcasting) and compute in float64 /
complex128.  The input x is real, wide-sense stationary, unit variance, R(Delta) = rho^|Delta|,
0 <= rho <= 1 (rho = 0: white noise, rho = 1: constant input); |lam| < 1.

Public functions
----------------
``cross_moment(lam1, lam2, rho)``
    f(lam1, lam2) = E[h(lam1) h(lam2)] = (1 - rho^2 P) / ((1 - P)(1 - rho lam1)(1 - rho lam2)),
    P = lam1 lam2 (holomorphic in each argument; E|h(lam)|^2 = f(lam, conj lam)).
``sensitivity_kernel(lam1, lam2, rho)``
    S = d^2 f / dlam1 dlam2 = E[d_lam h(lam1) . d_lam h(lam2)], evaluated in the partial-fraction
    form (see below), which has no cancellation as rho -> 1; rho == 1 uses the factored special
    case 1 / ((1 - lam1)^2 (1 - lam2)^2).
``sensitivity_kernel_expanded(lam1, lam2, rho)``
    The same S in the expanded closed form of METHODS §4.2 (numerator polynomial over
    (1-P)^3 (1-rho lam1)^2 (1-rho lam2)^2); rho == 1 factored.
``sensitivity_kernel_autodiff(lam1, lam2, rho)``
    The same S by torch autodiff of ``cross_moment`` (float64), for cross-checking.
``sensitivity_kernel_published(lam1, lam2, rho)``
    S_vis, the closed form the original plotted in Fig 8 (METHODS §7 item 9); wrong for 0 < rho < 1.
``second_moment(lam, rho)`` / ``sensitivity_moment(lam, rho)``
    E|h|^2 and E|d_lam h|^2 for real or complex lam.
``second_moment_real(lam, rho)`` / ``sensitivity_moment_real(lam, rho)``
    The real-lam closed forms of METHODS §4.2 (well conditioned up to lam -> 1).
``gamma_iid(lam)``, ``gamma_constant(lam)``, ``gamma_rho(lam, rho)``
    Input normalisations of METHODS §4.3.

Partial-fraction form.  Splitting the double series at n = m gives
f = (a1 + a2 - 1) / (1 - P) with a_k = 1 / (1 - rho lam_k), hence
S = (1 + P)/(1 - P)^3 (a1 + a2 - 1) + rho lam2 / ((1 - P)^2 (1 - rho lam2)^2)
    + rho lam1 / ((1 - P)^2 (1 - rho lam1)^2),
a sum of terms of one sign for real positive arguments, so the float64 round-off that the
expanded numerator suffers near rho = 1, lam1 lam2 = 1 does not occur.
"""

from __future__ import annotations

import numpy as np

from curse_of_memory.errors import UserError


def _check_rho(rho):
    r = np.asarray(rho, dtype=np.float64)
    if np.any(~np.isfinite(r)) or np.any(r < 0) or np.any(r > 1):
        raise UserError(f"theory: input autocorrelation rho must lie in [0, 1], got {rho!r}")
    return r


def _c(x):
    return np.asarray(x, dtype=np.complex128)


def cross_moment(lam1, lam2, rho):
    """f(lam1, lam2, rho) = E[h(lam1) h(lam2)] (complex128, broadcast)."""
    rho = _check_rho(rho)
    l1, l2 = _c(lam1), _c(lam2)
    P = l1 * l2
    with np.errstate(divide="ignore", invalid="ignore"):
        a1 = 1.0 / (1.0 - rho * l1)
        a2 = 1.0 / (1.0 - rho * l2)
        return (a1 + a2 - 1.0) / (1.0 - P)


def sensitivity_kernel(lam1, lam2, rho):
    """Exact S(lam1, lam2, rho) = E[d_lam h(lam1) d_lam h(lam2)] (partial-fraction form)."""
    rho = _check_rho(rho)
    l1, l2 = _c(lam1), _c(lam2)
    P = l1 * l2
    with np.errstate(divide="ignore", invalid="ignore"):
        q = 1.0 - P
        d1 = 1.0 - rho * l1
        d2 = 1.0 - rho * l2
        s = (1.0 + P) / q**3 * (1.0 / d1 + 1.0 / d2 - 1.0) + rho * (l1 / d1**2 + l2 / d2**2) / q**2
        s1 = 1.0 / ((1.0 - l1) ** 2 * (1.0 - l2) ** 2)
    return np.where(rho == 1.0, s1, s)


def sensitivity_kernel_expanded(lam1, lam2, rho):
    """Exact S in the expanded closed form of METHODS §4.2 (rho == 1: factored special case)."""
    rho = _check_rho(rho)
    l1, l2 = _c(lam1), _c(lam2)
    P = l1 * l2
    num = (
        1.0
        + P
        - 4.0 * rho**2 * P * (1.0 - P)
        - 2.0 * rho * (1.0 - rho**2) * P * (l1 + l2)
        - rho**4 * P**2 * (1.0 + P)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        s = num / ((1.0 - P) ** 3 * (1.0 - rho * l1) ** 2 * (1.0 - rho * l2) ** 2)
        s1 = 1.0 / ((1.0 - l1) ** 2 * (1.0 - l2) ** 2)
    return np.where(rho == 1.0, s1, s)


def sensitivity_kernel_published(lam1, lam2, rho):
    """S_vis: the as-published Fig 8 closed form (METHODS §4.2, §7 item 9).  Equals S only at
    rho in {0, 1}."""
    rho = _check_rho(rho)
    l1, l2 = _c(lam1), _c(lam2)
    P = l1 * l2
    num = (
        (1.0 - rho) * (1.0 + P)
        + rho**2 * (1.0 - P) ** 3
        - rho * (1.0 - rho) * P * (2.0 * l1 + 2.0 * l2 - rho * P * (1.0 + P))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / ((1.0 - rho * l1) ** 2 * (1.0 - rho * l2) ** 2 * (1.0 - P) ** 3)


def sensitivity_kernel_autodiff(lam1, lam2, rho):
    """S by torch autodiff of f (float64).

    For a function holomorphic in z = x + iy, d/dz = d/dx, so S is the mixed second derivative of
    f with respect to the real parts of lam1 and lam2 (imaginary parts held fixed).
    """
    import torch  # heavy: only this cross-check needs it

    rho_np = _check_rho(rho)
    l1, l2, r = np.broadcast_arrays(_c(lam1), _c(lam2), rho_np)
    shape = l1.shape
    x1 = torch.tensor(l1.real.ravel(), dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(l2.real.ravel(), dtype=torch.float64, requires_grad=True)
    y1 = torch.tensor(l1.imag.ravel(), dtype=torch.float64)
    y2 = torch.tensor(l2.imag.ravel(), dtype=torch.float64)
    rt = torch.tensor(r.ravel(), dtype=torch.float64)
    z1 = torch.complex(x1, y1)
    z2 = torch.complex(x2, y2)
    f = (1 - rt**2 * z1 * z2) / ((1 - z1 * z2) * (1 - rt * z1) * (1 - rt * z2))
    out = []
    for part in (f.real, f.imag):
        (g1,) = torch.autograd.grad(part.sum(), x1, create_graph=True)
        (g12,) = torch.autograd.grad(g1.sum(), x2, retain_graph=True)
        out.append(g12.detach().numpy())
    return (out[0] + 1j * out[1]).reshape(shape)


def second_moment(lam, rho):
    """E|h|^2 = f(lam, conj lam) for real or complex lam (float64)."""
    lam = _c(lam)
    return cross_moment(lam, np.conj(lam), rho).real


def sensitivity_moment(lam, rho):
    """E|d_lam h|^2 = S(lam, conj lam, rho) for real or complex lam (float64)."""
    lam = _c(lam)
    return sensitivity_kernel(lam, np.conj(lam), rho).real


def second_moment_real(lam, rho):
    """E[h^2] = (1 + rho lam) / ((1 - lam^2)(1 - rho lam)) for real lam."""
    rho = _check_rho(rho)
    lam = np.asarray(lam, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1 + rho * lam) / ((1 - lam**2) * (1 - rho * lam))


def sensitivity_moment_real(lam, rho):
    """E[(d_lam h)^2] = [(1+lam^2)(1-rho^2 lam^2) + 2 rho lam (1-lam^2)]
    / [(1-lam^2)^3 (1-rho lam)^2]."""
    rho = _check_rho(rho)
    lam = np.asarray(lam, dtype=np.float64)
    num = (1 + lam**2) * (1 - rho**2 * lam**2) + 2 * rho * lam * (1 - lam**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / ((1 - lam**2) ** 3 * (1 - rho * lam) ** 2)


def gamma_iid(lam):
    """LRU normalisation sqrt(1 - |lam|^2) (i.i.d. input)."""
    return np.sqrt(1.0 - np.abs(np.asarray(lam)) ** 2)


def gamma_constant(lam):
    """Gated-RNN normalisation 1 - lam (constant input)."""
    return 1.0 - np.asarray(lam, dtype=np.float64)


def gamma_rho(lam, rho):
    """sqrt((1 - lam^2)(1 - rho lam) / (1 + rho lam)): normalises rho-correlated input exactly."""
    rho = _check_rho(rho)
    lam = np.asarray(lam, dtype=np.float64)
    return np.sqrt((1 - lam**2) * (1 - rho * lam) / (1 + rho * lam))
