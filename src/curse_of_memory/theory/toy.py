"""Fig 7 toy problem: learning the angle of lam under three parametrisations (METHODS §5 Fig 7).

``learn_angle(steps=50000, lr=1e-3, nu0=0.99, theta_init=pi/4, theta_star=pi/100, ...)`` runs the
six trajectories (parametrisations ``FIG7_PARAMS`` x variants ``("adam", "sign")``) *together*:
one loop over steps updates a (6, 2) array of raw variables (w_nu, w_theta) in float64.

* ``adam``: Adam (beta1 0.9, beta2 0.999, eps 1e-8 outside the root, bias correction), state
  carried across steps - the default.
* ``sign``: the as-published variant (METHODS §7 item 10): the state is reset before every step, so
  each update is Adam's first step, lr * g / (|g| + eps), i.e. sign descent.

The loss is the unnormalised 1-D loss (mu 0, sigma 1) and the gradient is the analytic one of
:func:`curse_of_memory.theory.landscape.loss_grad_raw` (checked against torch autodiff in the
tests; NumPy keeps the 50,000 sequential steps at about a second, where torch's per-operation
overhead on 12 numbers would take ten).

Returns a dict: ``names`` (6,) "param/variant", ``param`` (6,), ``variant`` (6,), ``loss``
(steps + 1, 6) (the loss before step s at row s; the last row is after the last update),
``w`` (steps + 1, 6, 2) raw variables, ``target_w`` (6, 2) raw coordinates of lam*, ``init_w``.
"""

from __future__ import annotations

import numpy as np

from curse_of_memory.errors import UserError
from curse_of_memory.theory.landscape import from_polar, loss_polar, to_polar

FIG7_PARAMS = {"polar": "tanh_polar", "exp": "tanh_exp", "opt": "opt"}
VARIANTS = ("adam", "sign")


def _fig7_grad(w, kinds, lam_star):
    """Gradient of the unnormalised loss for all rows at once.

    nu = tanh(w_nu) for every row; ``kinds`` = (P, E, O), 0/1 row masks: theta = w_theta (P),
    exp(w_theta) (E) or w_theta g(nu) (O).  With u = (dL/dconj lam) e^{-i theta}:
    dL/dw_nu = 2 (1 - nu^2)(Re u + nu dtheta/dnu Im u), dL/dw_theta = 2 nu dtheta/dw_theta Im u.
    """
    P, E, O = kinds
    w_nu, w_th = w[:, 0], w[:, 1]
    nu = np.tanh(w_nu)
    q = 1.0 - nu * nu
    p2 = 1.0 + nu * nu
    g = q / (nu * np.sqrt(p2))
    ex = np.exp(w_th)
    lin = P + O * g
    theta = w_th * lin + E * ex
    dth_dw = lin + E * ex
    dth_dnu = O * w_th * g * (-2.0 * nu / q - 1.0 / nu - nu / p2)
    e = np.exp(1j * theta)
    lam = nu * e
    u = 0.5 * (nu / (q * q) - lam_star * np.conj(e) / (1.0 - np.conj(lam) * lam_star) ** 2)
    return np.stack(
        (2.0 * q * (u.real + nu * dth_dnu * u.imag), 2.0 * nu * dth_dw * u.imag), axis=1
    )


def learn_angle(
    steps=50000,
    lr=1e-3,
    nu0=0.99,
    theta_init=np.pi / 4,
    theta_star=np.pi / 100,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
):
    """Run the six Fig 7 trajectories in lock-step (see module docstring)."""
    if int(steps) < 1 or not lr > 0:
        raise UserError(f"theory.fig7: steps must be >= 1 and lr > 0, got steps={steps}, lr={lr}")
    steps = int(steps)
    lam_star = nu0 * np.exp(1j * theta_star)
    labels = [(p, v) for v in VARIANTS for p in FIG7_PARAMS]
    names = [FIG7_PARAMS[p] for p, _ in labels]
    carry = np.array([1.0 if v == "adam" else 0.0 for _, v in labels])[:, None]
    w = np.array([from_polar(n, nu0, theta_init) for n in names], dtype=np.float64)
    target = np.array([from_polar(n, nu0, theta_star) for n in names], dtype=np.float64)
    init = w.copy()
    kinds = tuple(
        np.array([float(n == k) for n in names]) for k in ("tanh_polar", "tanh_exp", "opt")
    )
    b1, b2 = np.full((len(names), 1), beta1), np.full((len(names), 1), beta2)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    t = np.zeros((len(names), 1))
    hist_w = np.empty((steps + 1, len(names), 2))
    hist_loss = np.empty((steps + 1, len(names)))
    for s in range(steps):
        hist_w[s] = w
        grad = _fig7_grad(w, kinds, lam_star)
        m = (carry * beta1) * m + (1 - beta1) * grad
        v = (carry * beta2) * v + (1 - beta2) * grad * grad
        t = carry * t + 1.0
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    hist_w[steps] = w
    # losses along the trajectories, vectorised over steps per row
    for k, n in enumerate(names):
        nu, th = to_polar(n, hist_w[:, k, 0], hist_w[:, k, 1])
        hist_loss[:, k] = loss_polar(nu, th, nu0, theta_star)
    return {
        "names": np.array([f"{p}/{v}" for p, v in labels]),
        "param": np.array([p for p, _ in labels]),
        "variant": np.array([v for _, v in labels]),
        "loss": hist_loss,
        "w": hist_w,
        "target_w": target,
        "init_w": init,
        "lam_star": lam_star,
    }
