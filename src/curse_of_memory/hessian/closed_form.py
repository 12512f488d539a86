"""Closed-form Gauss-Newton Hessian of a complex diagonal linear RNN at a zero-residual optimum
(METHODS §4.6).

Public interface
----------------
``gauss_newton_diagonal(lam, b, c, rho) -> H``
    lam, b, c: complex arrays of shape (n,) (eigenvalues, input and output weights of the
    diagonal network y = Re sum_i c_i b_i h(lam_i)); rho in [0, 1]: input autocorrelation
    rho^|Delta| (unit variance).  Returns the real symmetric (2n, 2n) float64 array
    E[grad y grad y^T] with the parameter order [Re lam_1..n ; Im lam_1..n].  Uses the exact S
    (:func:`curse_of_memory.theory.moments.sensitivity_kernel`), not S_vis.
``ring_eigenvalues(n, r_min, r_max, theta0, generator) -> complex (n,)``
    nu uniform in area on the annulus [r_min, r_max], theta ~ U[-theta0, theta0] (METHODS §1.3).
``fig10_theory_hessians(theta0s, n=10, r_min=0.99, r_max=0.995, rho=0.99, seed=53, draw="jax")``
    The Fig 10 top data (a dict): keys ``theta0`` (k,), ``lam`` (k, n) complex, ``b``, ``c``
    (k, n) complex, ``H`` (k, 2n, 2n), ``eigvals`` (k, 2n) descending, ``eigvecs`` (k, 2n, 2n)
    with ``eigvecs[k, :, j]`` the eigenvector of ``eigvals[k, j]``, ``rho``, ``draw``.
    ``draw="jax"`` (the paper's): b, c, the moduli and the phases from ``PRNGKey(seed)``
    (:func:`curse_of_memory.tasks.jax_rng.ring_draws`); ``draw="numpy"``: a second draw from
    NumPy's ``default_rng(seed)``.  Either way every θ0 reuses the same random numbers.
"""

from __future__ import annotations

import numpy as np

from curse_of_memory.errors import UserError
from curse_of_memory.tasks import jax_rng
from curse_of_memory.theory.moments import sensitivity_kernel


def gauss_newton_diagonal(lam, b, c, rho):
    """(2n, 2n) Gauss-Newton Hessian ordered [Re lam_1..n; Im lam_1..n] (see module docstring)."""
    lam = np.asarray(lam, dtype=np.complex128).ravel()
    b = np.asarray(b, dtype=np.complex128).ravel()
    c = np.asarray(c, dtype=np.complex128).ravel()
    if not (lam.shape == b.shape == c.shape):
        raise UserError(
            f"theory: lam, b, c must have the same length, got {lam.size}, {b.size}, {c.size}"
        )
    if np.any(np.abs(lam) >= 1):
        raise UserError("theory: the Gauss-Newton Hessian needs |lam| < 1 for every eigenvalue")
    w = b * c
    li, lj = lam[:, None], lam[None, :]
    A = w[:, None] * w[None, :] * sensitivity_kernel(li, lj, rho)  # E[z_i z_j]
    B = (
        w[:, None] * np.conj(w)[None, :] * sensitivity_kernel(li, np.conj(lj), rho)
    )  # E[z_i conj z_j]
    H = np.block(
        [
            [0.5 * (A + B).real, 0.5 * (B - A).imag],
            [-0.5 * (A + B).imag, 0.5 * (B - A).real],
        ]
    )
    return H


def ring_eigenvalues(n, r_min, r_max, theta0, generator):
    """n eigenvalues uniform in area on the ring [r_min, r_max], phases U[-theta0, theta0]."""
    u = generator.random(n)
    nu = np.sqrt(u * (r_max**2 - r_min**2) + r_min**2)
    theta = generator.uniform(-theta0, theta0, n)
    return nu * np.exp(1j * theta)


#: the two draws of the Fig 10 top networks: the paper's (JAX's PRNG) and a second one (NumPy)
FIG10_DRAWS = ("jax", "numpy")


def _fig10_network(theta0, n, r_min, r_max, seed, draw):
    """(lam, b, c) of one Fig 10 top network (see the module docstring)."""
    if draw == "jax":
        # the paper's notebook: keys b, c, u_nu, u_theta from PRNGKey(seed); theta uniform on
        # [-theta0, theta0) as 2 theta0 u - theta0; nu uniform in area on [r_min, r_max]
        b, c, u_nu, u_th = jax_rng.ring_draws(seed, n)
        nu = np.sqrt(u_nu * (r_max**2 - r_min**2) + r_min**2)
        theta = 2 * theta0 * u_th - theta0
        return nu * np.exp(1j * theta), b, c
    gen = np.random.default_rng(seed)
    lam = ring_eigenvalues(n, r_min, r_max, theta0, gen)
    b = (gen.standard_normal(n) + 1j * gen.standard_normal(n)) / np.sqrt(2)
    c = (gen.standard_normal(n) + 1j * gen.standard_normal(n)) / np.sqrt(2)
    return lam, b, c


def fig10_theory_hessians(
    theta0s, n=10, r_min=0.99, r_max=0.995, rho=0.99, seed=53, draw="jax"
) -> dict:
    """Fig 10 top: one Hessian per theta0, every theta0 with the same random numbers (``draw``
    from ``seed``; see the module docstring)."""
    if draw not in FIG10_DRAWS:
        raise UserError(f"theory.fig10.draw: unknown draw {draw!r} (one of {FIG10_DRAWS})")
    out = {k: [] for k in ("lam", "b", "c", "H", "eigvals", "eigvecs")}
    for theta0 in theta0s:
        lam, b, c = _fig10_network(float(theta0), n, r_min, r_max, seed, draw)
        H = gauss_newton_diagonal(lam, b, c, rho)
        H = 0.5 * (H + H.T)  # exact symmetry (the formula is symmetric up to round-off)
        vals, vecs = np.linalg.eigh(H)
        order = np.argsort(vals)[::-1]
        for key, val in zip(out, (lam, b, c, H, vals[order], vecs[:, order])):
            out[key].append(val)
    res = {k: np.stack(v) for k, v in out.items()}
    res["theta0"] = np.asarray(theta0s, dtype=np.float64)
    res["rho"] = np.float64(rho)
    res["draw"] = np.str_(draw)
    return res
