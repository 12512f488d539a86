"""Closed-form moments (METHODS §4.1-§4.3) against Monte-Carlo simulation and truncated series."""

import numpy as np
import pytest

from curse_of_memory.errors import UserError
from curse_of_memory.theory import moments as mo


def simulate(lams, rho, n_chains=20000, T=300, seed=0):
    """Run h_t = lam h_{t-1} + x_t and d_lam h_t = lam d_lam h_{t-1} + h_{t-1} from h_0 = 0 with
    stationary AR(1) inputs x_t = rho x_{t-1} + sqrt(1 - rho^2) eps_t (unit variance); return
    the final (h, dh), shape (len(lams), n_chains) each.  T is long enough for |lam|^T ~ 0."""
    rng = np.random.default_rng(seed)
    lams = np.asarray(lams, dtype=np.complex128)[:, None]
    x = rng.standard_normal(n_chains)
    h = np.zeros((lams.shape[0], n_chains), dtype=np.complex128)
    dh = np.zeros_like(h)
    for _ in range(T):
        dh = lams * dh + h
        h = lams * h + x
        x = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n_chains)
    return h, dh


def within(samples, value, k=4.0):
    mean = samples.mean()
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(mean - value) <= k * se, (mean, value, se)


CASES = [
    (0.8, 0.0),
    (0.8, 0.7),
    (0.7 * np.exp(0.6j), 0.5),
    (0.6 * np.exp(2.0j), 0.9),
    (0.9, 1.0),
    (-0.7, 0.8),
]


@pytest.mark.parametrize("lam,rho", CASES)
def test_moments_match_monte_carlo(lam, rho):
    h, dh = simulate([lam], rho, seed=int(100 * abs(lam) + 10 * rho))
    within(np.abs(h[0]) ** 2, mo.second_moment(lam, rho))
    within(np.abs(dh[0]) ** 2, mo.sensitivity_moment(lam, rho))
    if np.isreal(lam):
        within(np.abs(h[0]) ** 2, mo.second_moment_real(np.real(lam), rho))
        within(np.abs(dh[0]) ** 2, mo.sensitivity_moment_real(np.real(lam), rho))


def test_cross_moments_match_monte_carlo():
    l1, l2, rho = 0.7 * np.exp(0.6j), 0.8 * np.exp(-0.5j), 0.6
    h, dh = simulate([l1, l2], rho, seed=7)
    for kernel in (mo.sensitivity_kernel, mo.sensitivity_kernel_expanded):
        s = kernel(l1, l2, rho)
        prod = dh[0] * dh[1]
        within(prod.real, s.real)
        within(prod.imag, s.imag)
    f = mo.cross_moment(l1, l2, rho)
    within((h[0] * h[1]).real, f.real)
    within((h[0] * h[1]).imag, f.imag)


def series(l1, l2, rho, K):
    k = np.arange(1, K + 1, dtype=np.float64)
    a = k * l1 ** (k - 1)
    b = k * l2 ** (k - 1)
    w = rho ** np.abs(k[:, None] - k[None, :])
    s_val = np.sum(a[:, None] * w * b[None, :])
    n = np.arange(K, dtype=np.float64)
    wf = rho ** np.abs(n[:, None] - n[None, :])
    f_val = np.sum((l1**n)[:, None] * wf * (l2**n)[None, :])
    return f_val, s_val


@pytest.mark.parametrize(
    "l1,l2,rho,K",
    [
        (0.5 + 0.3j, 0.6 - 0.2j, 0.0, 200),
        (0.5 + 0.3j, 0.6 - 0.2j, 0.5, 200),
        (0.8 * np.exp(1j), 0.7 * np.exp(-0.9j), 0.9, 300),
        (0.9, 0.85, 1.0, 500),
        (0.99 * np.exp(0.2j), 0.99 * np.exp(-0.2j), 0.999, 2600),
    ],
)
def test_closed_forms_match_truncated_double_series(l1, l2, rho, K):
    f_ser, s_ser = series(np.complex128(l1), np.complex128(l2), rho, K)
    np.testing.assert_allclose(mo.cross_moment(l1, l2, rho), f_ser, rtol=1e-6)
    for kernel in (
        mo.sensitivity_kernel,
        mo.sensitivity_kernel_expanded,
        mo.sensitivity_kernel_autodiff,
    ):
        np.testing.assert_allclose(kernel(l1, l2, rho), s_ser, rtol=1e-6)


def test_autodiff_equals_closed_form_vectorised():
    rng = np.random.default_rng(1)
    l1 = rng.uniform(0, 0.95, 30) * np.exp(1j * rng.uniform(-np.pi, np.pi, 30))
    l2 = rng.uniform(0, 0.95, 30) * np.exp(1j * rng.uniform(-np.pi, np.pi, 30))
    for rho in (0.0, 0.3, 0.9, 1.0):
        ad = mo.sensitivity_kernel_autodiff(l1, l2, rho)
        np.testing.assert_allclose(mo.sensitivity_kernel(l1, l2, rho), ad, rtol=1e-9)
        np.testing.assert_allclose(mo.sensitivity_kernel_expanded(l1, l2, rho), ad, rtol=1e-9)


def test_published_kernel_differs_only_for_intermediate_rho():
    rng = np.random.default_rng(2)
    l1 = rng.uniform(0, 0.95, 50) * np.exp(1j * rng.uniform(-np.pi, np.pi, 50))
    l2 = rng.uniform(0, 0.95, 50) * np.exp(1j * rng.uniform(-np.pi, np.pi, 50))
    for rho in (0.0, 1.0):
        np.testing.assert_allclose(
            mo.sensitivity_kernel_published(l1, l2, rho),
            mo.sensitivity_kernel(l1, l2, rho),
            rtol=1e-10,
        )
    for rho in (0.3, 0.9, 0.99):
        rel = np.abs(
            mo.sensitivity_kernel_published(l1, l2, rho) / mo.sensitivity_kernel(l1, l2, rho) - 1
        )
        assert rel.max() > 1e-2


def test_real_forms_agree_with_complex_path_and_rates():
    lam = np.linspace(-0.95, 0.999, 101)
    for rho in (0.0, 0.5, 0.99, 1.0):
        np.testing.assert_allclose(
            mo.second_moment_real(lam, rho), mo.second_moment(lam, rho), rtol=1e-9
        )
        np.testing.assert_allclose(
            mo.sensitivity_moment_real(lam, rho), mo.sensitivity_moment(lam, rho), rtol=1e-7
        )
    eps, rho = 1e-6, 0.5
    assert mo.second_moment_real(1 - eps, rho) * eps == pytest.approx(
        (1 + rho) / (2 * (1 - rho)), rel=1e-4
    )
    assert mo.sensitivity_moment_real(1 - eps, rho) * eps**3 == pytest.approx(
        (1 + rho) / (4 * (1 - rho)), rel=1e-4
    )
    assert mo.sensitivity_moment_real(1 - eps, 1.0) * eps**4 == pytest.approx(1.0, rel=1e-4)


def test_normalised_variance_with_lru_gamma_simulated():
    # h_t = lam h_{t-1} + gamma x_t with gamma = sqrt(1 - lam^2):
    # E[h^2] = (1 + rho lam)/(1 - rho lam)
    lam, rho = 0.9, 0.6
    h, _ = simulate([lam], rho, seed=11)
    within((mo.gamma_iid(lam) * h[0].real) ** 2, (1 + rho * lam) / (1 - rho * lam))
    within((mo.gamma_rho(lam, rho) * h[0].real) ** 2, 1.0)


def test_bad_rho_is_a_user_error():
    with pytest.raises(UserError, match="rho"):
        mo.sensitivity_kernel(0.5, 0.5, 1.5)
