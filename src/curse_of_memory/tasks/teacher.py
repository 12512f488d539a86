"""The teacher of the linear system-identification task (METHODS §3.1-3.2).

A teacher depends only on (nu0, theta0, remap, seed, n, rng): M (n x n, N(0, 1/n)), B (n x 1,
N(0, 1)), C (1 x n, N(0, 1/n)), D (1 x 1, N(0, 1)) are drawn once per (seed, n, rng), so teachers
of different task points share M, B, C, D and differ only by the eigenvalue remap.  Two draws of
the same recipe (``rng``):

* ``"jax"`` (default): the paper's own draw, JAX's ``PRNGKey(seed)`` split into 4 keys for M, B,
  C, D in float32, recomputed bit for bit without JAX (:mod:`curse_of_memory.tasks.jax_rng`);
* ``"torch"``: an independent second draw from ``models.init.generator(seed, "teacher")`` in the
  order M, B, C, D (float64).

The eigen-decomposition, the remap and everything after it are float64.

>>> t = make_teacher(0.99, 3.14, "default", seed=s, n=n)  # a cell's teacher_seed, teacher_hidden
>>> k = t.kernel(300)          # (300,) float64 impulse response, D included at tau = 0
>>> t.stationary_variance      # Var(y) under unit white noise, infinite horizon
>>> t.to_json()                # eigenvalues (re, im, modulus, angle), variance, ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from curse_of_memory.errors import ConfigError
from curse_of_memory.models import init as I
from curse_of_memory.tasks import jax_rng


@dataclass
class Teacher:
    nu0: float
    theta0: float
    remap: str
    seed: int
    rng: str  # which draw of the recipe: "jax" (the paper's) or "torch"
    A: np.ndarray  # (n, n)
    B: np.ndarray  # (n, 1)
    C: np.ndarray  # (1, n)
    D: np.ndarray  # (1, 1)
    raw_eigenvalues: np.ndarray  # eigenvalues of M
    eigenvalues: np.ndarray  # eigenvalues of A (after the remap and the real part)

    def kernel(self, T: int) -> np.ndarray:
        """k_tau = C A^tau B (+ D at tau = 0), tau = 0..T-1, so y_t = sum_tau k_tau x_{t-tau}."""
        k = np.empty(T)
        v = self.B[:, 0].copy()
        for tau in range(T):
            k[tau] = float(self.C[0] @ v)
            v = self.A @ v
        k[0] += float(self.D[0, 0])
        return k

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Sequential reference: x (..., T) -> y (..., T), h_0 = 0."""
        x = np.asarray(x, dtype=np.float64)
        h = np.zeros(x.shape[:-1] + (self.A.shape[0],))
        ys = []
        for t in range(x.shape[-1]):
            h = h @ self.A.T + x[..., t, None] * self.B[:, 0]
            ys.append(h @ self.C[0] + self.D[0, 0] * x[..., t])
        return np.stack(ys, axis=-1)

    @property
    def stationary_variance(self) -> float:
        """Var(y_t) as t -> infinity under unit white noise: (CB + D)^2 + C A P A^T C^T with
        P = sum_tau A^tau B B^T A^tau^T (discrete Lyapunov equation)."""
        n = self.A.shape[0]
        if np.max(np.abs(self.eigenvalues)) >= 1:
            return float("inf")
        P = np.linalg.solve(
            np.eye(n * n) - np.kron(self.A, self.A), (self.B @ self.B.T).reshape(-1)
        )
        P = P.reshape(n, n)
        k0 = float(self.C[0] @ self.B[:, 0] + self.D[0, 0])
        return k0**2 + float((self.C @ self.A @ P @ self.A.T @ self.C.T)[0, 0])

    def to_json(self) -> dict:
        ev = self.eigenvalues
        return {
            "nu0": self.nu0,
            "theta0": self.theta0,
            "remap": self.remap,
            "seed": self.seed,
            "teacher_rng": self.rng,
            "n": int(self.A.shape[0]),
            "eigenvalues": {
                "re": ev.real.tolist(),
                "im": ev.imag.tolist(),
                "modulus": np.abs(ev).tolist(),
                "angle": np.angle(ev).tolist(),
            },
            "min_modulus": float(np.abs(ev).min()),
            "max_modulus": float(np.abs(ev).max()),
            "stationary_output_variance": self.stationary_variance,
            "raw_has_real_negative": I.has_real_negative_eigenvalues(self.raw_eigenvalues),
        }


TEACHER_RNGS = ("jax", "torch")


def _check(nu0, theta0, remap, rng="jax"):
    if not isinstance(nu0, (int, float)) or isinstance(nu0, bool) or not 0 <= nu0 < 1:
        raise ConfigError("nu0", f"{nu0!r} is outside [0, 1)", "a number in [0, 1)")
    if (
        not isinstance(theta0, (int, float))
        or isinstance(theta0, bool)
        or not 0 < theta0 <= math.pi + 1e-9
    ):
        raise ConfigError("theta0", f"{theta0!r} is outside (0, pi]", "a number in (0, 3.14159...]")
    if remap not in I.REMAPS:
        raise ConfigError("task.remap", f"unknown remap {remap!r}", ", ".join(I.REMAPS))
    if rng not in TEACHER_RNGS:
        raise ConfigError("task.teacher_rng", f"unknown draw {rng!r}", ", ".join(TEACHER_RNGS))


def _draws(seed: int, n: int, rng: str = "jax"):
    """(M float64 tensor, B, C, D float64 arrays) of the teacher recipe, from the ``rng`` draw."""
    if rng == "jax":
        M, B, C, D = jax_rng.teacher_draws(seed, n)
        return torch.from_numpy(M.astype(np.float64)), *(m.astype(np.float64) for m in (B, C, D))
    g = I.generator(seed, "teacher")
    M = I.normal(g, n, n, std=1 / math.sqrt(n))
    B = I.normal(g, n, 1)
    C = I.normal(g, 1, n, std=1 / math.sqrt(n))
    D = I.normal(g, 1, 1)
    return M, B.numpy(), C.numpy(), D.numpy()


def make_teacher(
    nu0: float,
    theta0: float = 3.14,
    remap: str = "default",
    *,
    seed: int,
    n: int,
    rng: str = "jax",
) -> Teacher:
    """The teacher of METHODS §3.1 for one task point (float64); ``seed`` and ``n`` are a cell's
    ``teacher_seed`` and ``teacher_hidden`` (defaults: ``curse_of_memory.cell.DEFAULTS``)."""
    _check(nu0, theta0, remap, rng)
    M, B, C, D = _draws(seed, n, rng)
    A, l, _ = I.remapped_matrix(M, nu0, 1.0, theta0, remap)
    A = A.numpy()
    return Teacher(
        float(nu0), float(theta0), remap, int(seed), rng, A, B, C, D, l, np.linalg.eigvals(A)
    )


def teacher_has_real_negative_eigs(seed: int, n: int, rng: str = "jax") -> bool:
    """Whether the teacher's raw matrix M has a real negative eigenvalue, i.e. whether the remap
    quirk (METHODS §3.2, Fig 10 'published') changes the teacher for theta0 < pi.  Independent of
    (nu0, theta0) because M is."""
    M, *_ = _draws(seed, n, rng)
    return I.has_real_negative_eigenvalues(np.linalg.eigvals(M.numpy()))


def teacher_kernels(points: list[dict], T: int, remap: str, seed: int, n: int, rng: str = "jax"):
    """(teachers, kernels (P, T) float64 tensor) for a list of {nu0, theta0} points."""
    teachers = [make_teacher(p["nu0"], p["theta0"], remap, seed=seed, n=n, rng=rng) for p in points]
    return teachers, torch.from_numpy(np.stack([t.kernel(T) for t in teachers]))
