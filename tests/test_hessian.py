"""Hessians at the optimum (METHODS §5 Figs 4, 9, 10 top): teacher, students, autodiff vs GN vs
theory."""

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from curse_of_memory import hessian as hs  # noqa: E402
from curse_of_memory.errors import ConfigError  # noqa: E402
from curse_of_memory.models import build_model  # noqa: E402

KINDS = ["rnn", "crnn", "lru", "s4"]


def _assert_same_set(a, b, atol):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    dist = np.abs(a[:, None] - b[None, :])
    assert dist.min(1).max() <= atol and dist.min(0).max() <= atol


@pytest.fixture(scope="module")
def teacher():
    return hs.hand_built_teacher(seed=0)


@pytest.fixture(scope="module")
def batch():
    return hs.white_noise(seed=1, batch=8, T=120)


def test_teacher_is_real_with_the_drawn_spectrum(teacher):
    assert teacher.A.dtype == np.float64 and np.isrealobj(teacher.A)
    eig = np.linalg.eigvals(teacher.A)
    # numpy's eigenvalues of the real matrix are the drawn ones (two conjugate pairs)
    _assert_same_set(eig, teacher.eigvals, atol=1e-12)
    assert np.all((np.abs(eig) >= 0.99 - 1e-12) & (np.abs(eig) <= 0.993 + 1e-12))
    np.testing.assert_allclose(teacher.eigvals[2:], teacher.eigvals[:2].conj())
    # the stored eigenvectors diagonalise A
    Vinv = np.linalg.inv(teacher.V)
    np.testing.assert_allclose(Vinv @ teacher.A @ teacher.V, np.diag(teacher.eigvals), atol=1e-10)


def test_teacher_outputs_match_its_impulse_response(teacher, batch):
    """The explicit recurrence against y_t = Σ_τ C A^τ B x_{t-τ} + D x_t (numpy, independent)."""
    y = hs.teacher_outputs(teacher, batch).numpy()[..., 0]
    T = batch.shape[1]
    k = np.array(
        [(teacher.C @ np.linalg.matrix_power(teacher.A, t) @ teacher.B).item() for t in range(T)]
    )
    k[0] += teacher.D.item()
    x = batch.numpy()[..., 0]
    ref = np.stack([np.convolve(xb, k)[:T] for xb in x])
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_student_at_optimum_reproduces_the_teacher(kind, teacher, batch):
    model, layout, theta = hs.student_at_optimum(kind, teacher)
    assert layout.n_params == {"rnn": 25, "crnn": 25, "lru": 29, "s4": 29}[kind]
    y = hs.teacher_outputs(teacher, batch)
    # the model's own sequential recurrence (the definition), not only its FFT path
    with torch.no_grad():
        y_ref = model.forward_reference(batch)
    loss_ref = hs.half_mse(y_ref, y).item()
    loss_fast = hs.batch_loss_fn(hs.model_forward(model), layout, batch, y)(theta).item()
    scale = hs.half_mse(torch.zeros_like(y), y).item()
    assert loss_ref < 1e-24 * scale
    assert loss_fast < 1e-24 * scale
    # and the student's eigenvalues are the teacher's
    _assert_same_set(model.eigenvalues().numpy()[0], teacher.eigvals, atol=1e-12)


def test_a_perturbed_student_is_not_at_the_optimum(teacher, batch):
    """The zero-loss check above can fail: moving one λ entry by 1e-3 gives a clearly non-zero
    loss."""
    model, layout, theta = hs.student_at_optimum("crnn", teacher)
    y = hs.teacher_outputs(teacher, batch)
    th = theta.clone()
    th[0] += 1e-3
    loss = hs.batch_loss_fn(hs.model_forward(model), layout, batch, y)(th).item()
    assert loss > 1e-10


def test_layout_is_explicit_and_labels_match_the_model(teacher):
    """Group λ_im really is Im λ of the model (METHODS §7 item 14), not an alphabetical
    neighbour."""
    model, layout, theta = hs.student_at_optimum("crnn", teacher)
    assert layout.names == ["lambda_re", "lambda_im", "B_re", "B_im", "C_re", "C_im", "D"]
    off = dict(zip(layout.names, np.cumsum([0] + layout.sizes[:-1])))
    th = theta.clone()
    th[off["lambda_im"] + 2] += 0.25
    with torch.no_grad():
        for name, t in layout.unflatten(th).items():
            model.get_parameter(name).copy_(t)
    lam = model.lam().numpy()[0]
    np.testing.assert_allclose(lam.imag[2], teacher.eigvals[2].imag + 0.25, atol=1e-14)
    np.testing.assert_allclose(lam.real, teacher.eigvals.real, atol=1e-14)
    # round trip flatten(unflatten(θ)) = θ
    np.testing.assert_array_equal(layout.flatten(layout.unflatten(th)).numpy(), th.numpy())


def test_layout_rejects_uncovered_or_overlapping_groups():
    shapes = {"w": (1, 2, 3)}
    with pytest.raises(ConfigError):
        hs.ParamLayout([hs.Group("a", "a", "w", (0, 0))], shapes)  # row 1 uncovered
    with pytest.raises(ConfigError):
        hs.ParamLayout([hs.Group("a", "a", "w", ()), hs.Group("b", "b", "w", (0, 1))], shapes)


@pytest.mark.parametrize("kind", KINDS)
def test_hessian_equals_gauss_newton_at_the_optimum(kind, teacher, batch):
    model, layout, theta = hs.student_at_optimum(kind, teacher)
    fwd = hs.model_forward(model)
    y = hs.teacher_outputs(teacher, batch)
    H = hs.full_hessian(fwd, layout, theta, batch, y)
    G = hs.gauss_newton(fwd, layout, theta, batch)
    rel = (torch.linalg.norm(H - G) / torch.linalg.norm(G)).item()
    assert rel <= 1e-8
    # away from the optimum the residual term is not negligible: the comparison can fail
    th = theta.clone()
    th[:4] += 0.05 * torch.sign(th[:4])
    th[:4] = torch.clamp(th[:4], -20, 20) if kind == "s4" else th[:4]
    y_off = hs.teacher_outputs(teacher, batch)
    H_off = hs.full_hessian(fwd, layout, th, batch, y_off)
    G_off = hs.gauss_newton(fwd, layout, th, batch)
    assert (torch.linalg.norm(H_off - G_off) / torch.linalg.norm(G_off)).item() > 1e-6


def test_theory_block_formula_matches_autodiff_hessian_white_noise():
    """METHODS §4.6 with ρ = 0 (the closed form in hessian/closed_form.py) vs the autodiff λ-block
    on a long batch.

    Sampling tolerance: the batch average of ∇y∇yᵀ over 32 × 8000 steps (moduli ≤ 0.9, so the
    gradient's memory is ~10-20 steps) has a relative error of about 2 %; the T = 8000 transient
    adds ~0.1 %.  We allow 5 % of max|H|; labelling Re/Im the wrong way round is off by ~40 %.
    """
    from curse_of_memory.hessian import gauss_newton_diagonal

    rng = np.random.default_rng(3)
    n = 4
    lam = rng.uniform(0.7, 0.9, n) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))
    b = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
    c = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
    model = build_model(
        {"name": "lru", "hidden": n, "param": "reim", "gamma": "none"},
        1,
        dtype=torch.float64,
        draw=False,
    )
    layout = hs.layout_for("crnn", model)
    vals = {
        "lambda_re": lam.real,
        "lambda_im": lam.imag,
        "B_re": b.real,
        "B_im": b.imag,
        "C_re": c.real,
        "C_im": c.imag,
        "D": [0.3],
    }
    theta = torch.tensor(np.concatenate([vals[k] for k in layout.names]))
    fwd = hs.model_forward(model)
    x = hs.white_noise(5, batch=32, T=8000)
    y = fwd(layout.unflatten(theta), x).detach()  # the same network is the teacher: zero residual
    H = hs.full_hessian(fwd, layout, theta, x, y).numpy()[: 2 * n, : 2 * n]
    H_theory = gauss_newton_diagonal(lam, b, c, 0.0)
    scale = np.abs(H_theory).max()
    assert np.abs(H - H_theory).max() <= 0.05 * scale
    swap = np.r_[n : 2 * n, 0:n]
    assert np.abs(H - H_theory[np.ix_(swap, swap)]).max() > 0.2 * scale


def test_eig_desc_sorted_orthonormal_deterministic_sign():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    H = M @ M.T
    w, v = hs.eig_desc(H)
    assert np.all(np.diff(w) <= 0)
    np.testing.assert_allclose(v @ H @ v.T, np.diag(w), atol=1e-10)
    assert np.all(v[np.arange(6), np.abs(v).argmax(1)] > 0)


def test_padded_inserts_nan_gaps_between_groups():
    H = np.arange(25.0).reshape(5, 5)
    P, centres = hs.padded(H, [2, 1, 2], [1, 3])
    assert P.shape == (9, 9)
    nan_rows = np.where(np.isnan(P).all(1))[0].tolist()
    assert nan_rows == [2, 4, 5, 6]
    np.testing.assert_array_equal(P[np.ix_([0, 1, 3, 7, 8], [0, 1, 3, 7, 8])], H)
    np.testing.assert_allclose(centres, [0.5, 3, 7.5])
    with pytest.raises(ValueError):
        hs.padded(H, [2, 3], [1, 1])


def test_hessian_at_optimum_is_degenerate_with_few_large_eigenvalues(teacher, batch):
    """A 4-state LTI system has 9 degrees of freedom: both 25-parameter Hessians have rank ≤ 9."""
    for kind in ("rnn", "crnn"):
        r = hs.hessian_at_optimum(kind, teacher, batch)
        assert r.loss < 1e-20
        assert np.sum(r.eigvals > 1e-6 * r.eigvals[0]) <= 9
        assert r.eigvals[0] > 1.0
