"""The NumPy re-implementation of JAX's PRNG (tasks/jax_rng.py) against JAX itself.

JAX is a test-only dependency (the `test` extra): the pipeline never imports it.  Every check runs
JAX in the non-partitionable threefry mode of its 0.4 series, as the paper's code did.
"""

from __future__ import annotations

import numpy as np
import pytest
from jax_oracle import import_jax, jax_paper_mode

from curse_of_memory.tasks import jax_rng as R

jax = import_jax()
import jax.numpy as jnp  # noqa: E402


@pytest.fixture(autouse=True)
def paper_mode():
    """JAX as the paper ran it: non-partitionable threefry; 64-bit mode only where asked."""
    with jax_paper_mode(jax, x64=False):
        yield


def _raw(key):
    return np.asarray(
        jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    )


@pytest.mark.parametrize("seed", [0, 1, 42, 53, 2**32 - 1])
def test_keys_and_splits(seed):
    key = jax.random.PRNGKey(seed)
    assert np.array_equal(_raw(key), R.prng_key(seed))
    for num in (1, 2, 3, 4, 5, 1000):
        assert np.array_equal(
            np.asarray(jax.random.split(key, num)), R.split(R.prng_key(seed), num)
        )


@pytest.mark.parametrize("x64", [False, True])
@pytest.mark.parametrize("shape", [(1,), (3,), (10, 10), (7, 3)])
def test_uniform_and_normal_bit_equal(x64, shape):
    jax.config.update("jax_enable_x64", x64)
    dt = np.float64 if x64 else np.float32
    for seed in (0, 42):
        k = jax.random.PRNGKey(seed)
        u = np.asarray(jax.random.uniform(k, shape, dtype=dt, minval=-0.5, maxval=2.0))
        assert u.dtype == dt and np.array_equal(
            u, R.uniform(R.prng_key(seed), shape, dt, -0.5, 2.0)
        )
        z = np.asarray(jax.random.normal(k, shape, dtype=dt))
        assert np.array_equal(z, R.normal(R.prng_key(seed), shape, dt))


@pytest.mark.parametrize("x64", [False, True])
def test_normal_on_many_draws_within_four_ulps(x64):
    """Over 100,000 draws every value is within four ulps of JAX's, and all but a handful are
    equal: XLA's own log on the CPU (erfinv's tail, |u| > 0.64) is matched by a port of the
    Cephes/Eigen polynomial in float32 and by NumPy's log in float64, which round differently
    about once in 10,000-50,000 draws."""
    jax.config.update("jax_enable_x64", x64)
    dt = np.float64 if x64 else np.float32
    z = np.asarray(jax.random.normal(jax.random.PRNGKey(7), (100_000,), dtype=dt))
    ours = R.normal(R.prng_key(7), (100_000,), dt)
    differ = z != ours
    assert differ.sum() <= 10
    assert np.all(np.abs(z - ours) <= 4 * np.spacing(np.abs(z)))


def test_complex_normal():
    jax.config.update("jax_enable_x64", True)
    for dt in (np.complex64, np.complex128):
        z = np.asarray(jax.random.normal(jax.random.PRNGKey(53), (10, 1), dtype=dt))
        assert np.array_equal(z, R.normal(R.prng_key(53), (10, 1), dt))


def test_the_papers_teacher_seed_42():
    """The teacher-student teacher: PRNGKey(42) split into 4 keys for M, B, C, D, float32 mode,
    scaled as the paper's task code scales them."""
    n = 10
    k_m, k_b, k_c, k_d = jax.random.split(jax.random.PRNGKey(42), 4)
    want = (
        jax.random.normal(k_m, (n, n)) / jnp.sqrt(n),
        jax.random.normal(k_b, (n, 1)) / jnp.sqrt(1),
        jax.random.normal(k_c, (1, n)) / jnp.sqrt(n),
        jax.random.normal(k_d, (1, 1)) / jnp.sqrt(1),
    )
    for w, ours in zip(want, R.teacher_draws(42, n)):
        assert ours.dtype == np.float32 and np.array_equal(np.asarray(w), ours)


def test_the_papers_hand_built_teacher_seed_0():
    """Figs 4/9: eigenvalues and mixing rows from PRNGKey(0) split into 4 keys (64-bit mode), B, C,
    D from the generic recipe with the same seed."""
    jax.config.update("jax_enable_x64", True)
    k = jax.random.split(jax.random.PRNGKey(0), 4)
    lam = (0.99 + 0.003 * jax.random.uniform(k[0], (2,))) * np.exp(
        2j * np.pi * jax.random.uniform(k[1], (2,))
    )
    lam = jnp.concatenate([lam, lam.conjugate()])
    P = jax.random.normal(k[2], (2, 4)) / 2 / np.sqrt(2) + 1j * jax.random.normal(
        k[3], (2, 4)
    ) / 2 / np.sqrt(2)
    U = np.concatenate([P, P.conjugate()], axis=0)
    _, k_b, k_c, k_d = jax.random.split(jax.random.PRNGKey(0), 4)
    B = jax.random.normal(k_b, (4, 1)) / jnp.sqrt(1)
    C = jax.random.normal(k_c, (1, 4)) / jnp.sqrt(4)
    D = jax.random.normal(k_d, (1, 1)) / jnp.sqrt(1)
    for w, ours in zip((lam, U, B, C, D), R.hand_teacher_draws(0)):
        assert np.array_equal(np.asarray(w), ours)


def test_the_papers_hessian_batch_seed_1():
    """The Hessian's data batch: the first batch of the paper's loader with seed 1 (64 sequences of
    300 steps, 64-bit mode).  Equal to four ulps; at most a couple of its 19,200 values differ (see
    test_normal_on_many_draws_within_four_ulps)."""
    jax.config.update("jax_enable_x64", True)
    key, _ = jax.random.split(jax.random.PRNGKey(1))
    first = jax.random.split(key, 1000)[0]

    def sample(k):
        k_in, _ = jax.random.split(k, 2)
        return jax.random.normal(k_in, (300, 1))

    want = np.asarray(jax.vmap(sample)(jax.random.split(first, 64)))
    ours = R.white_noise_batch(1, 64, 300)
    assert ours.shape == want.shape == (64, 300, 1)
    assert (want != ours).sum() <= 3
    assert np.all(np.abs(want - ours) <= 4 * np.spacing(np.abs(want)))


def test_the_papers_fig10_theory_draw_seed_53():
    """Fig 10 top: PRNGKey(53) split into b, c (complex128 normals), u_nu, u_theta (float64)."""
    jax.config.update("jax_enable_x64", True)
    n = 10
    k_b, k_c, k_nu, k_th = jax.random.split(jax.random.PRNGKey(53), 4)
    want = (
        jax.random.normal(k_b, (n, 1), dtype=jnp.complex128)[:, 0],
        jax.random.normal(k_c, (1, n), dtype=jnp.complex128)[0],
        jax.random.uniform(k_nu, (n,), dtype=jnp.float64),
        jax.random.uniform(k_th, (n,), dtype=jnp.float64),
    )
    for w, ours in zip(want, R.ring_draws(53, n)):
        assert np.array_equal(np.asarray(w), ours)
