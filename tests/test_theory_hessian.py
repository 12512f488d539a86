"""METHODS §4.6 block formula against the autodiff Hessian of a simulated loss; Fig 10 data."""

import numpy as np
import pytest
import torch

from curse_of_memory.errors import UserError
from curse_of_memory.hessian import fig10_theory_hessians, gauss_newton_diagonal

LAM = np.array([0.75 * np.exp(0.5j), 0.65 * np.exp(-0.45j), 0.5])
B = np.array([0.8 - 0.3j, 0.5 + 0.9j, -1.1 + 0.2j])
C = np.array([0.4 + 0.7j, -0.9 + 0.1j, 0.6 - 0.5j])
T = 120  # 0.75^120 ~ 1e-15: the final state is stationary


def ar1(rng, n, rho):
    x = np.empty((n, T))
    x[:, 0] = rng.standard_normal(n)
    for t in range(1, T):
        x[:, t] = rho * x[:, t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    return torch.tensor(x)


def output(params, x):
    """y_T = Re sum_i c_i b_i h_T(lam_i), h_T = sum_k lam^k x_{T-k} (the unrolled recurrence)."""
    n = LAM.size
    lam = torch.complex(params[:n], params[n:])
    k = torch.arange(T, dtype=torch.float64)
    powers = lam[None, :] ** k[:, None]  # (T, n)
    h = torch.flip(x, dims=[1]).to(torch.complex128) @ powers  # (chains, n)
    return (h @ torch.tensor(B * C)).real


def test_unrolled_output_equals_recurrence():
    x = ar1(np.random.default_rng(0), 5, 0.5)
    h = np.zeros((5, LAM.size), dtype=np.complex128)
    for t in range(T):
        h = LAM * h + x[:, t].numpy()[:, None]
    p = torch.tensor(np.r_[LAM.real, LAM.imag])
    np.testing.assert_allclose(output(p, x).numpy(), (h @ (B * C)).real, rtol=1e-10)


@pytest.mark.parametrize("rho", [0.0, 0.6])
def test_block_formula_matches_autodiff_hessian_of_simulated_loss(rho):
    """Autodiff Hessian of the simulated 1/2-MSE loss at the zero-residual optimum vs METHODS §4.6.

    The chains are i.i.d., so the standard error of each Hessian entry comes from the per-chain
    products of output gradients (forward-mode autodiff), whose mean the Hessian equals at a
    zero-residual optimum (checked too)."""
    n_chains = 30000
    rng = np.random.default_rng(42)
    p_star = torch.tensor(np.r_[LAM.real, LAM.imag])
    x = ar1(rng, n_chains, rho)
    y_star = output(p_star, x)

    def loss(p):
        return 0.5 * ((output(p, x) - y_star) ** 2).mean()

    mean = torch.func.hessian(loss)(p_star).numpy()
    J = torch.func.jacfwd(lambda p: output(p, x))(p_star).numpy()
    per_chain = J[:, :, None] * J[:, None, :]
    np.testing.assert_allclose(per_chain.mean(0), mean, rtol=1e-9, atol=1e-12 * np.abs(mean).max())
    se = per_chain.std(0, ddof=1) / np.sqrt(n_chains)
    H = gauss_newton_diagonal(LAM, B, C, rho)
    assert H.shape == (6, 6)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12 * np.abs(H).max())
    z = np.abs(mean - H) / se
    assert z.max() <= 4.0, z
    # the comparison has power: the S_vis-based formula would be rejected (rho > 0)
    if rho > 0:
        from curse_of_memory.theory import moments as mo

        w = B * C
        li, lj = LAM[:, None], LAM[None, :]
        A = w[:, None] * w[None, :] * mo.sensitivity_kernel_published(li, lj, rho)
        Bm = (
            w[:, None] * np.conj(w)[None, :] * mo.sensitivity_kernel_published(li, np.conj(lj), rho)
        )
        Hv = np.block(
            [
                [0.5 * (A + Bm).real, 0.5 * (Bm - A).imag],
                [-0.5 * (A + Bm).imag, 0.5 * (Bm - A).real],
            ]
        )
        assert (np.abs(mean - Hv) / se).max() > 4.0


def test_hessian_symmetric_and_psd_for_random_networks():
    rng = np.random.default_rng(5)
    for rho in (0.0, 0.5, 0.99, 1.0):
        n = 7
        lam = rng.uniform(0.2, 0.995, n) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))
        b = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        c = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        H = gauss_newton_diagonal(lam, b, c, rho)
        scale = np.abs(H).max()
        np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-10 * scale)
        assert np.linalg.eigvalsh(0.5 * (H + H.T)).min() >= -1e-8 * scale


def test_bad_inputs_are_user_errors():
    with pytest.raises(UserError, match="same length"):
        gauss_newton_diagonal([0.5, 0.6], [1.0], [1.0, 1.0], 0.0)
    with pytest.raises(UserError, match=r"\|lam\| < 1"):
        gauss_newton_diagonal([1.2], [1.0], [1.0], 0.0)


def test_fig10_data_shapes_and_concentration_effect():
    d = fig10_theory_hessians([np.pi / 100, np.pi / 10, np.pi])
    assert d["H"].shape == (3, 20, 20) and d["eigvals"].shape == (3, 20)
    assert d["eigvecs"].shape == (3, 20, 20) and d["lam"].shape == (3, 10)
    for k in range(3):
        H, vals, vecs = d["H"][k], d["eigvals"][k], d["eigvecs"][k]
        np.testing.assert_allclose(H @ vecs, vecs * vals, atol=1e-9 * vals[0])
        assert np.all(np.diff(vals) <= 0)
        assert np.all((np.abs(d["lam"][k]) >= 0.99) & (np.abs(d["lam"][k]) <= 0.995))
        assert np.all(np.abs(np.angle(d["lam"][k])) <= d["theta0"][k])


def test_fig10_default_draw_is_the_papers_and_numpy_is_a_second_draw():
    """The paper's notebook draws b, c, u_ν, u_θ from PRNGKey(53) (tasks/jax_rng.py) and builds
    ν = √(u_ν (r_max² − r_min²) + r_min²), θ = 2θ0 u_θ − θ0; b, c have E|b|² = 1 either way."""
    from curse_of_memory.tasks import jax_rng

    theta0s = [np.pi / 100, np.pi]
    d = fig10_theory_hessians(theta0s)
    assert str(d["draw"]) == "jax"
    b, c, u_nu, u_th = jax_rng.ring_draws(53, 10)
    nu = np.sqrt(u_nu * (0.995**2 - 0.99**2) + 0.99**2)
    for k, t0 in enumerate(theta0s):
        np.testing.assert_array_equal(d["b"][k], b)
        np.testing.assert_array_equal(d["c"][k], c)
        np.testing.assert_allclose(d["lam"][k], nu * np.exp(1j * (2 * t0 * u_th - t0)), rtol=1e-15)
        np.testing.assert_allclose(d["H"][k], gauss_newton_diagonal(d["lam"][k], b, c, 0.99))
    # the complex normals' real and imaginary parts are N(0, 1/2) in both draws
    big_b, _, _, _ = jax_rng.ring_draws(53, 20000)
    assert abs(np.mean(np.abs(big_b) ** 2) - 1) < 0.03
    assert abs(np.var(big_b.real) - 0.5) < 0.02
    other = fig10_theory_hessians(theta0s, draw="numpy")
    assert str(other["draw"]) == "numpy" and not np.allclose(other["b"], d["b"])
    with pytest.raises(UserError, match="draw"):
        fig10_theory_hessians(theta0s, draw="torch")
