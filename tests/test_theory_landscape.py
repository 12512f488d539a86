"""1-D teacher-student losses (METHODS §4.5) against a simulated teacher-student loss; curvature
table and parametrisation derivatives against autodiff; the Fig 7 optimiser."""

import numpy as np
import pytest
import torch

from curse_of_memory.errors import UserError
from curse_of_memory.theory import landscape as ls
from curse_of_memory.theory import toy


def simulated_loss(lam, lam_star, mu, sigma, normalised, n_chains=40000, T=200, seed=0):
    """Per-chain 1/2 |g h(lam) - g* h(lam*)|^2 at time T for i.i.d. inputs mu + sigma eps."""
    rng = np.random.default_rng(seed)
    h = np.zeros(n_chains, dtype=np.complex128)
    hs = np.zeros_like(h)
    for _ in range(T):
        x = mu + sigma * rng.standard_normal(n_chains)
        h = lam * h + x
        hs = lam_star * hs + x
    g, gs = (
        (np.sqrt(1 - abs(lam) ** 2), np.sqrt(1 - abs(lam_star) ** 2)) if normalised else (1.0, 1.0)
    )
    return 0.5 * np.abs(g * h - gs * hs) ** 2


@pytest.mark.parametrize("normalised", [False, True])
@pytest.mark.parametrize(
    "lam,lam_star,mu,sigma",
    [
        (0.6 * np.exp(0.3j), 0.8 * np.exp(-0.2j), 0.0, 1.0),
        (0.6 * np.exp(0.3j), 0.8 * np.exp(-0.2j), 0.5, 1.3),
        (0.9, 0.5, 0.0, 1.0),
        (-0.5 + 0.4j, 0.85 * np.exp(2.5j), 0.3, 0.7),
    ],
)
def test_loss_matches_simulated_teacher_student(lam, lam_star, mu, sigma, normalised):
    s = simulated_loss(lam, lam_star, mu, sigma, normalised, seed=int(1000 * abs(lam)))
    value = ls.loss(lam, lam_star, mu=mu, sigma=sigma, normalised=normalised)
    se = s.std(ddof=1) / np.sqrt(s.size)
    assert abs(s.mean() - value) <= 4 * se, (s.mean(), value, se)
    if mu == 0 and sigma == 1:
        assert value == pytest.approx(
            ls.loss_textbook(lam, lam_star, normalised=normalised), rel=1e-10
        )


def _polar_hessian(nu, theta, normalised):
    def f(p):
        return ls.loss_polar(p[0], p[1], nu, theta, normalised=normalised)

    p = torch.tensor([nu, theta], dtype=torch.float64)
    return torch.autograd.functional.hessian(f, p).numpy()


@pytest.mark.parametrize("nu", [0.36, 0.9, 0.99])
def test_curvature_table_matches_autodiff(nu):
    theta = 0.7
    for setting, normalised in (("unnormalised", False), ("normalised", True)):
        H = _polar_hessian(nu, theta, normalised)
        h_nn, h_tt = ls.hessian_at_optimum(setting, nu)
        np.testing.assert_allclose([H[0, 0], H[1, 1]], [h_nn, h_tt], rtol=1e-7)
        assert abs(H[0, 1]) <= 1e-7 * np.sqrt(h_nn * h_tt)
    # exp and opt parametrisations (real target for opt)
    for name, setting, th in (("exp", "normalised_exp", theta), ("opt", "normalised_opt", 0.0)):
        w0 = ls.from_polar(name, nu, th) if name == "exp" else (np.arctanh(nu), 0.0)

        def f(w):
            n_, t_ = ls.to_polar(name, w[0], w[1])
            return ls.loss_polar(n_, t_, nu, th, normalised=True)

        H = torch.autograd.functional.hessian(
            f, torch.tensor(np.array(w0, dtype=np.float64))
        ).numpy()
        h_nn, h_tt = ls.hessian_at_optimum(setting, nu, theta=th)
        np.testing.assert_allclose(H[0, 0], h_nn, rtol=1e-7)
        np.testing.assert_allclose(H[1, 1], h_tt, rtol=1e-7)


@pytest.mark.parametrize("name", ls.PARAMETRISATIONS)
def test_parametrisation_roundtrip_and_derivatives(name):
    nu = np.array([0.3, 0.8, 0.99])
    theta = np.array([0.1, 0.7, 2.0])
    w_nu, w_th = ls.from_polar(name, nu, theta)
    nu2, th2 = ls.to_polar(name, w_nu, w_th)
    np.testing.assert_allclose(nu2, nu, rtol=1e-12)
    np.testing.assert_allclose(th2, theta, rtol=1e-12)
    d_nu, d_th = ls.dlam_draw(name, w_nu, w_th)
    for k in range(3):

        def lam_parts(w):
            n_, t_ = ls.to_polar(name, w[0], w[1])
            return torch.stack((n_ * torch.cos(t_), n_ * torch.sin(t_)))

        J = torch.autograd.functional.jacobian(lam_parts, torch.tensor([w_nu[k], w_th[k]])).numpy()
        np.testing.assert_allclose([d_nu[k].real, d_nu[k].imag], J[:, 0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([d_th[k].real, d_th[k].imag], J[:, 1], rtol=1e-9, atol=1e-12)


def test_unknown_parametrisation_is_a_user_error():
    with pytest.raises(UserError, match="parametrisation"):
        ls.to_polar("cartesian", 0.1, 0.2)


def test_fig7_gradient_matches_autodiff():
    lam_star = 0.99 * np.exp(1j * np.pi / 100)
    names = ["tanh_polar", "tanh_exp", "opt"] * 2
    kinds = tuple(
        np.array([float(n == k) for n in names]) for k in ("tanh_polar", "tanh_exp", "opt")
    )
    rng = np.random.default_rng(3)
    w = np.column_stack([rng.uniform(0.5, 3, 6), rng.uniform(-1, 1, 6)])
    g = toy._fig7_grad(w, kinds, lam_star)
    for k, name in enumerate(names):
        wt = torch.tensor(w[k], requires_grad=True)
        nu, th = ls.to_polar(name, wt[0], wt[1])
        ls.loss_polar(nu, th, abs(lam_star), np.angle(lam_star)).backward()
        np.testing.assert_allclose(g[k], wt.grad.numpy(), rtol=1e-8)
        np.testing.assert_allclose(
            ls.loss_grad_raw(name, w[k, 0], w[k, 1], lam_star), wt.grad.numpy(), rtol=1e-8
        )


def test_fig7_lockstep_matches_single_scalar_adam():
    """The vectorised six-trajectory loop equals a plain scalar Adam / sign descent per row."""
    res = toy.learn_angle(steps=300)
    lam_star = res["lam_star"]
    for k, (param, variant) in enumerate(zip(res["param"], res["variant"])):
        name = toy.FIG7_PARAMS[param]
        w = res["init_w"][k].copy()
        m = np.zeros(2)
        v = np.zeros(2)
        for s in range(300):
            g = np.array(ls.loss_grad_raw(name, w[0], w[1], lam_star))
            if variant == "sign":
                w = w - 1e-3 * g / (np.abs(g) + 1e-8)
            else:
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g * g
                w = w - 1e-3 * (m / (1 - 0.9 ** (s + 1))) / (
                    np.sqrt(v / (1 - 0.999 ** (s + 1))) + 1e-8
                )
        np.testing.assert_allclose(res["w"][-1, k], w, rtol=1e-10)
    # the loss recorded at step 0 is the loss at the initialisation
    assert np.allclose(res["loss"][0], res["loss"][0, 0])
    assert res["loss"][0, 0] > 1.0
