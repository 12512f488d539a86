"""1-D teacher-student losses, parametrisations of lam and their derivatives (METHODS §4.4, §4.5).

Every function here works on NumPy arrays *and* on torch float64 tensors (the array namespace is
picked from the argument), so the same formula is plotted (NumPy) and differentiated (torch).

Losses (student lam = nu e^{i theta}, teacher lam* = nu* e^{i theta*}, unit input/output weights,
i.i.d. input with mean ``mu`` and variance ``sigma^2``, infinite horizon):

``loss_polar(nu, theta, nu_star, theta_star, mu=0, sigma=1, normalised=False)``
    L = 1/2 E|h(lam) - h(lam*)|^2 = 1/2 {mu^2 |1/(1-lam) - 1/(1-lam*)|^2
        + sigma^2 [1/(1-|lam|^2) + 1/(1-|lam*|^2) - 2 Re 1/(1 - lam conj lam*)]}.
    ``normalised=True`` gives L_gamma: both states multiplied by gamma(.) = sqrt(1 - |.|^2), i.e.
    L_gamma = 1/2 E|gamma(lam) h(lam) - gamma(lam*) h(lam*)|^2.
``loss(lam, lam_star, ...)``
    The same for complex arrays lam, lam_star.

Parametrisations (raw variables (w_nu, w_theta) -> (nu, theta)), ``PARAMETRISATIONS``:

==============  ===========================  ===================================================
name            nu                           theta
==============  ===========================  ===================================================
``polar``       w_nu                         w_theta
``exp``         exp(-exp(w_nu))              exp(w_theta)           (LRU)
``opt``         tanh(w_nu)                   w_theta (1 - nu^2) / (nu sqrt(1 + nu^2))
``tanh_polar``  tanh(w_nu)                   w_theta                (Fig 7 "polar")
``tanh_exp``    tanh(w_nu)                   exp(w_theta)           (Fig 7 "exp")
==============  ===========================  ===================================================

``to_polar(name, w_nu, w_theta) -> (nu, theta)``,
``from_polar(name, nu, theta) -> (w_nu, w_theta)``,
``dlam_draw(name, w_nu, w_theta) -> (dlam/dw_nu, dlam/dw_theta)`` (complex, NumPy),
``loss_grad_raw(name, w_nu, w_theta, lam_star)`` (analytic gradient of the unnormalised loss with
respect to the raw variables, NumPy; used by the vectorised Fig 7 optimiser),
``second_derivative(fun, x)`` (elementwise d^2 fun / dx^2 by torch autodiff, float64),
``hessian_at_optimum(setting, nu)``: the closed-form table of METHODS §4.5.
"""

from __future__ import annotations

import numpy as np

from curse_of_memory.errors import UserError

PARAMETRISATIONS = ("polar", "exp", "opt", "tanh_polar", "tanh_exp")


def _xp(x):
    try:
        import torch  # heavy: not at import time, only to tell a tensor from an array

        if isinstance(x, torch.Tensor):
            return torch
    except ImportError:  # pragma: no cover
        pass
    return np


def _common_xp(*args):
    for a in args:
        if _xp(a) is not np:
            return _xp(a)
    return np


def loss_polar(nu, theta, nu_star, theta_star, mu=0.0, sigma=1.0, normalised=False):
    """1-D teacher-student loss in polar coordinates (NumPy or torch; see module docstring)."""
    xp = _common_xp(nu, theta, nu_star, theta_star)
    if xp is not np:
        nu, theta, nu_star, theta_star = (
            xp.as_tensor(v, dtype=xp.float64) for v in (nu, theta, nu_star, theta_star)
        )
    # Stable forms (no cancellation at the optimum), with r = nu nu*, s = sin((theta - theta*)/2),
    # den = |1 - lam conj lam*|^2 = (1 - r)^2 + 4 r s^2 and |lam - lam*|^2 = (nu - nu*)^2 + 4 r s^2:
    #   L   = |lam - lam*|^2 (1 - r^2) / ((1 - nu^2)(1 - nu*^2) den) / 2
    #   L_g = [(1 - r)(nu - nu*)^2 / ((1 - r) + g g*) + 2 r s^2 (2 - g g*)] / den
    # which equal the textbook forms
    #   1/2 [1/(1-|lam|^2) + 1/(1-|lam*|^2) - 2 Re 1/(1 - lam conj lam*)]
    # (and 1 - g g* Re 1/(1 - lam conj lam*)); the tests check both against simulation.
    r = nu * nu_star
    s2 = xp.sin(0.5 * (theta - theta_star)) ** 2
    den = (1.0 - r) ** 2 + 4.0 * r * s2
    if normalised:
        a, b = xp.sqrt(1.0 - nu**2), xp.sqrt(1.0 - nu_star**2)
        gg = a * b
        var = (
            2.0
            * ((1.0 - r) * (nu - nu_star) ** 2 / ((1.0 - r) + gg) + 2.0 * r * s2 * (2.0 - gg))
            / den
        )
    else:
        dist2 = (nu - nu_star) ** 2 + 4.0 * r * s2
        var = dist2 * (1.0 - r**2) / ((1.0 - nu**2) * (1.0 - nu_star**2) * den)
        a, b = 1.0, 1.0
    out = 0.5 * sigma**2 * var
    if mu != 0.0:
        # a/(1 - lam) - b/(1 - lam*), real and imaginary parts
        d = 1.0 - 2.0 * nu * xp.cos(theta) + nu**2
        ds = 1.0 - 2.0 * nu_star * xp.cos(theta_star) + nu_star**2
        re = a * (1.0 - nu * xp.cos(theta)) / d - b * (1.0 - nu_star * xp.cos(theta_star)) / ds
        im = a * nu * xp.sin(theta) / d - b * nu_star * xp.sin(theta_star) / ds
        out = out + 0.5 * mu**2 * (re**2 + im**2)
    return out


def loss_textbook(lam, lam_star, normalised=False):
    """The textbook form of the loss (mu 0, sigma 1) for complex NumPy arrays (METHODS §4.5)."""
    lam = np.asarray(lam, dtype=np.complex128)
    lam_star = np.asarray(lam_star, dtype=np.complex128)
    cross = np.real(1.0 / (1.0 - lam * np.conj(lam_star)))
    if normalised:
        g, gs = np.sqrt(1 - np.abs(lam) ** 2), np.sqrt(1 - np.abs(lam_star) ** 2)
        return 1.0 - g * gs * cross
    return 0.5 * (1 / (1 - np.abs(lam) ** 2) + 1 / (1 - np.abs(lam_star) ** 2) - 2 * cross)


def loss(lam, lam_star, mu=0.0, sigma=1.0, normalised=False):
    """1-D loss for complex NumPy arrays lam, lam_star (broadcast)."""
    lam = np.asarray(lam, dtype=np.complex128)
    lam_star = np.asarray(lam_star, dtype=np.complex128)
    return loss_polar(
        np.abs(lam), np.angle(lam), np.abs(lam_star), np.angle(lam_star), mu, sigma, normalised
    )


def _check_name(name):
    if name not in PARAMETRISATIONS:
        raise UserError(
            f"theory: unknown parametrisation {name!r}; allowed: {', '.join(PARAMETRISATIONS)}"
        )


def opt_g(nu):
    """g(nu) = (1 - nu^2) / (nu sqrt(1 + nu^2)): theta = w_theta g(nu) in the opt
    parametrisation."""
    xp = _xp(nu)
    return (1.0 - nu**2) / (nu * xp.sqrt(1.0 + nu**2))


def to_polar(name, w_nu, w_theta):
    """Raw variables -> (nu, theta) (NumPy or torch)."""
    _check_name(name)
    xp = _common_xp(w_nu, w_theta)
    if name == "polar":
        return w_nu, w_theta
    if name == "exp":
        return xp.exp(-xp.exp(w_nu)), xp.exp(w_theta)
    nu = xp.tanh(w_nu)
    if name == "opt":
        return nu, w_theta * opt_g(nu)
    if name == "tanh_polar":
        return nu, w_theta + 0.0 * w_nu
    return nu, xp.exp(w_theta) + 0.0 * w_nu  # tanh_exp


def from_polar(name, nu, theta):
    """(nu, theta) -> raw variables (NumPy); inverse of :func:`to_polar`."""
    _check_name(name)
    nu = np.asarray(nu, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    if name == "polar":
        return nu, theta
    if name == "exp":
        return np.log(-np.log(nu)), np.log(theta)
    w_nu = np.arctanh(nu)
    if name == "opt":
        return w_nu, theta / opt_g(nu)
    if name == "tanh_polar":
        return w_nu, theta
    return w_nu, np.log(theta)


def dlam_draw(name, w_nu, w_theta):
    """Analytic (dlam/dw_nu, dlam/dw_theta) as complex NumPy arrays."""
    _check_name(name)
    w_nu = np.asarray(w_nu, dtype=np.float64)
    w_theta = np.asarray(w_theta, dtype=np.float64)
    nu, theta = to_polar(name, w_nu, w_theta)
    e = np.exp(1j * theta)
    lam = nu * e
    if name == "polar":
        dnu, dth_dnu, dth_dw = np.ones_like(nu), 0.0, 1.0
    elif name == "exp":
        dnu, dth_dnu, dth_dw = nu * np.log(nu), 0.0, theta
    else:
        dnu = 1.0 - nu**2
        if name == "opt":
            g = opt_g(nu)
            # g'(nu) = d/dnu (1 - nu^2) nu^-1 (1 + nu^2)^-1/2
            dg = g * (-2.0 * nu / (1.0 - nu**2) - 1.0 / nu - nu / (1.0 + nu**2))
            dth_dnu, dth_dw = w_theta * dg, g
        elif name == "tanh_polar":
            dth_dnu, dth_dw = 0.0, 1.0
        else:
            dth_dnu, dth_dw = 0.0, theta
    d_wnu = e * dnu * (1.0 + 1j * nu * dth_dnu)
    d_wth = 1j * lam * dth_dw
    return d_wnu, d_wth


def loss_grad_raw(name, w_nu, w_theta, lam_star):
    """Analytic gradient of the unnormalised loss (mu = 0, sigma = 1) w.r.t. (w_nu, w_theta).

    Uses the conjugate Wirtinger derivative dL/dconj(lam) = (lam/(1-|lam|^2)^2
    - lam*/(1 - conj(lam) lam*)^2) / 2 and dL/dp = 2 Re(dL/dconj(lam) conj(dlam/dp)).
    """
    nu, theta = to_polar(
        name, np.asarray(w_nu, dtype=np.float64), np.asarray(w_theta, dtype=np.float64)
    )
    lam = nu * np.exp(1j * theta)
    w = 0.5 * (lam / (1.0 - nu**2) ** 2 - lam_star / (1.0 - np.conj(lam) * lam_star) ** 2)
    d_wnu, d_wth = dlam_draw(name, w_nu, w_theta)
    return 2.0 * np.real(w * np.conj(d_wnu)), 2.0 * np.real(w * np.conj(d_wth))


def second_derivative(fun, x):
    """Elementwise d^2 fun(x) / dx^2 by torch autodiff in float64 (fun maps a tensor
    elementwise)."""
    import torch  # heavy: only the autodiff checks need it

    xt = torch.as_tensor(np.asarray(x, dtype=np.float64)).clone().requires_grad_(True)
    y = fun(xt)
    (g,) = torch.autograd.grad(y.sum(), xt, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), xt)
    return y.detach().numpy(), h.detach().numpy()


def hessian_at_optimum(setting, nu, theta=None):
    """Closed-form second derivatives at the optimum (METHODS §4.5 table) -> (H_nunu, H_thth).

    ``setting``: ``unnormalised``, ``normalised``, ``normalised_exp`` (w.r.t. w_nu / w_theta of
    the exp parametrisation; ``theta`` needed for the angle entry), ``normalised_opt``.
    """
    nu = np.asarray(nu, dtype=np.float64)
    q = 1.0 - nu**2
    if setting == "unnormalised":
        return (1 + nu**2) / q**3, nu**2 * (1 + nu**2) / q**3
    if setting == "normalised":
        return 1.0 / q**2, nu**2 * (1 + nu**2) / q**2
    if setting == "normalised_exp":
        th = np.nan if theta is None else np.asarray(theta, dtype=np.float64)
        return nu**2 * np.log(nu) ** 2 / q**2, th**2 * nu**2 * (1 + nu**2) / q**2
    if setting == "normalised_opt":
        return np.ones_like(nu), np.ones_like(nu)
    raise UserError(
        f"theory: unknown Hessian setting {setting!r}; allowed: unnormalised, normalised, "
        "normalised_exp, normalised_opt"
    )
