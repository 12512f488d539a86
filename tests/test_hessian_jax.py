"""An independent check of the Figs 4/9 Hessians at the optimum (METHODS §5 Figs 4, 9): the losses
written here in JAX, from JAX's own random draws, differentiated twice with ``jax.hessian``, against
the project's torch Hessians on the paper's draw, entry for entry.

Nothing here uses the project's models, layouts or recurrences: the teacher is drawn with
``jax.random`` as the paper's Hessian notebook draws it (64-bit mode), the students are set from
``numpy.linalg.eig`` of its A (unit-length eigenvectors), and each student's output is its own
``lax.scan``.  The parameter vectors follow the explicit group order of ``hessian.GROUPS``.
"""

from __future__ import annotations

import numpy as np
import pytest
from jax_oracle import import_jax, jax_paper_mode

from curse_of_memory import hessian as hs

jax = import_jax()
import jax.numpy as jnp  # noqa: E402

BATCH, T, N = 64, 300, 4


@pytest.fixture(scope="module")
def paper_mode():
    """JAX's 64-bit mode and the non-partitionable threefry of the paper's code, restored after."""
    with jax_paper_mode(jax, x64=True):
        yield


# --- the paper's draw, with jax.random ---------------------------------------------------------
def _teacher():
    """(A, B (n,), C (n,), D) of the hand-built teacher, seed 0 (METHODS §5 Fig 4 top)."""
    k = jax.random.split(jax.random.PRNGKey(0), 4)
    lam = (0.99 + 0.003 * jax.random.uniform(k[0], (2,))) * np.exp(
        2j * np.pi * jax.random.uniform(k[1], (2,))
    )
    lam = np.asarray(jnp.concatenate([lam, lam.conjugate()]))
    P = jax.random.normal(k[2], (2, N)) / 2 / np.sqrt(2) + 1j * jax.random.normal(
        k[3], (2, N)
    ) / 2 / np.sqrt(2)
    P = np.asarray(P)
    U = np.concatenate([P, P.conjugate()], axis=0)
    A = (np.linalg.inv(U) @ np.diag(lam) @ U).real
    B = np.asarray(jax.random.normal(k[1], (N, 1)))[:, 0]
    C = np.asarray(jax.random.normal(k[2], (1, N)) / jnp.sqrt(N))[0]
    D = np.asarray(jax.random.normal(k[3], (1, 1)))[0]
    return A, B, C, D


def _batch():
    """The first batch of the data loader with seed 1: (BATCH, T) float64."""
    key, _ = jax.random.split(jax.random.PRNGKey(1))
    first = jax.random.split(key, 1000)[0]

    def sample(k):
        k_in, _ = jax.random.split(k, 2)
        return jax.random.normal(k_in, (T, 1))[:, 0]

    return jax.vmap(sample)(jax.random.split(first, BATCH))


# --- the students' outputs, written here -------------------------------------------------------
def _dense(A, B, C, D, x):
    def step(h, xt):
        h = h @ A.T + xt[:, None] * B[None, :]
        return h, h @ C + D[0] * xt

    _, y = jax.lax.scan(step, jnp.zeros((x.shape[0], A.shape[0])), x.T)
    return y.T


def _diagonal(lam, b, c, D, x):
    """y_t = Re(Σ_i c_i h_{t,i}) + D x_t with h_t = λ ⊙ h_{t-1} + b x_t (complex)."""

    def step(h, xt):
        h = lam[None, :] * h + xt[:, None] * b[None, :]
        return h, (h @ c).real + D[0] * xt

    _, y = jax.lax.scan(step, jnp.zeros((x.shape[0], lam.shape[0]), jnp.complex128), x.T)
    return y.T


def _split(theta, sizes):
    return jnp.split(theta, np.cumsum(sizes)[:-1])


def _rnn(theta, x):
    A, B, C, D = _split(theta, [N * N, N, N, 1])
    return _dense(A.reshape(N, N), B, C, D, x)


def _crnn(theta, x):
    lr, li, br, bi, cr, ci, D = _split(theta, [N] * 6 + [1])
    return _diagonal(lr + 1j * li, br + 1j * bi, cr + 1j * ci, D, x)


def _lru(theta, x):
    """λ = exp(−exp ω_ν + i exp ω_θ), input weights exp(ω_γ)·B (the exp parametrisation)."""
    wn, wt, wg, br, bi, cr, ci, D = _split(theta, [N] * 7 + [1])
    lam = jnp.exp(-jnp.exp(wn) + 1j * jnp.exp(wt))
    return _diagonal(lam, jnp.exp(wg) * (br + 1j * bi), cr + 1j * ci, D, x)


def _s4(theta, x):
    """Δ = softplus(Δ_raw), λ = exp(Δ·(A_re + i A_im)), input weights Δ·B."""
    ar, ai, draw, br, bi, cr, ci, D = _split(theta, [N] * 7 + [1])
    delta = jax.nn.softplus(draw)
    lam = jnp.exp(delta * (ar + 1j * ai))
    return _diagonal(lam, delta * (br + 1j * bi), cr + 1j * ci, D, x)


FORWARD = {"rnn": _rnn, "crnn": _crnn, "lru": _lru, "s4": _s4}


def _optimum(kind, A, B, C, D, delta=0.01):
    """θ* in the order of hessian.GROUPS, from d, V = eig(A) (unit-length eigenvectors)."""
    if kind == "rnn":
        return np.concatenate([A.ravel(), B, C, D])
    d, V = np.linalg.eig(A)
    assert np.allclose(np.linalg.norm(V, axis=0), 1.0)
    b, c = np.linalg.inv(V) @ B, C @ V
    if kind == "crnn":
        parts = [d.real, d.imag, b.real, b.imag]
    elif kind == "lru":
        gamma = np.sqrt(1 - np.abs(d) ** 2)
        theta = np.mod(np.angle(d), 2 * np.pi)
        bg = b / gamma
        parts = [np.log(-np.log(np.abs(d))), np.log(theta), np.log(gamma), bg.real, bg.imag]
    else:
        theta = np.mod(np.angle(d), 2 * np.pi)
        raw = np.full(N, np.log(np.expm1(delta)))
        parts = [np.log(np.abs(d)) / delta, theta / delta, raw, (b / delta).real, (b / delta).imag]
    return np.concatenate(parts + [c.real, c.imag, D])


@pytest.fixture(scope="module")
def jax_hessians(paper_mode):
    A, B, C, D = _teacher()
    x = _batch()
    y = _dense(jnp.asarray(A), jnp.asarray(B), jnp.asarray(C), jnp.asarray(D), x)
    out = {}
    for kind, fwd in FORWARD.items():
        theta = _optimum(kind, A, B, C, D)

        def loss(th, fwd=fwd):
            return 0.5 * jnp.mean((fwd(th, x) - y) ** 2)  # ½ · mean over (batch, T)

        th = jnp.asarray(theta)
        out[kind] = (theta, float(loss(th)), np.asarray(jax.hessian(loss)(th)))
    return out


@pytest.fixture(scope="module")
def project_hessians():
    _, res = hs.optimum_hessians(batch=BATCH, T=T, draw="jax", s4_published=False)
    return res


@pytest.mark.parametrize("kind", ["rnn", "crnn", "lru", "s4"])
def test_project_hessian_equals_jax_hessian_entry_for_entry(kind, jax_hessians, project_hessians):
    theta, loss, H_jax = jax_hessians[kind]
    r = project_hessians[kind]
    # the same point, in the same explicit group order
    assert r.groups == [g[0] for g in hs.GROUPS[kind]]
    np.testing.assert_allclose(r.theta, theta, rtol=1e-12, atol=1e-12)
    # both losses vanish at the optimum
    assert loss < 1e-20 and r.loss < 1e-20
    scale = np.abs(r.H).max()
    assert H_jax.shape == r.H.shape
    assert np.abs(H_jax - r.H).max() <= 1e-10 * scale, np.abs(H_jax - r.H).max() / scale
