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


@pytest.fixture(scope="module", params=hs.DRAWS)
def teacher(request):
    """The paper's draw (jax) and the second, NumPy draw: every construction check runs on both."""
    return hs.hand_built_teacher(seed=0, draw=request.param)


@pytest.fixture(scope="module")
def batch():
    return hs.white_noise(seed=1, batch=8, T=120)


def test_the_default_draw_is_the_papers():
    """Defaults: the teacher and the batch of the paper's Hessian notebook (tasks/jax_rng.py)."""
    from curse_of_memory.tasks import jax_rng

    t = hs.hand_built_teacher()
    lam, U, B, C, D = jax_rng.hand_teacher_draws(0)
    assert t.draw == "jax"
    np.testing.assert_array_equal(t.eigvals, lam)
    np.testing.assert_array_equal(t.V, np.linalg.inv(U))
    for ours, want in ((t.B, B), (t.C, C), (t.D, D)):
        np.testing.assert_array_equal(ours, want)
    np.testing.assert_array_equal(
        hs.white_noise(1, 4, 30).numpy(), jax_rng.white_noise_batch(1, 4, 30)
    )
    # the second draw is another teacher and another batch
    other = hs.hand_built_teacher(draw="numpy")
    assert other.draw == "numpy" and not np.allclose(other.A, t.A)
    assert not np.allclose(hs.white_noise(1, 4, 30, draw="numpy"), hs.white_noise(1, 4, 30))
    with pytest.raises(ConfigError, match="draw"):
        hs.hand_built_teacher(draw="torch")
    with pytest.raises(ConfigError, match="draw"):
        hs.white_noise(1, draw="jaxx")


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


def test_modal_form_uses_unit_length_eigenvectors(teacher):
    """The diagonal students use d, V = numpy.linalg.eig(A) (the paper's scaling): unit-length
    eigenvectors; the construction's U⁻¹ has columns of other lengths and gives the same model."""
    d, b, c = teacher.modal()
    d_ref, V = np.linalg.eig(teacher.A)
    np.testing.assert_array_equal(d, d_ref)
    np.testing.assert_allclose(np.linalg.norm(V, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(V @ b, teacher.B[:, 0], atol=1e-12)
    np.testing.assert_allclose(c, teacher.C[0] @ V, atol=1e-12)
    assert np.all(np.abs(np.linalg.norm(teacher.V, axis=0) - 1) > 1e-3)
    d2, b2, c2 = teacher.modal("construction")
    # the same impulse response Σ_i c_i b_i d_i^k either way
    k = np.arange(50)[:, None]
    np.testing.assert_allclose(
        ((c * b) * d**k).sum(1).real, ((c2 * b2) * d2**k).sum(1).real, atol=1e-12
    )
    with pytest.raises(ConfigError, match="scaling"):
        teacher.modal("unit")


def test_the_modal_scaling_moves_the_hessian_along_b_and_c_not_the_output(teacher, batch):
    """Rescaling a mode (b_i → b_i/s, c_i → s c_i) keeps the student at the optimum but changes the
    Hessian: unit-length eigenvectors and the construction's U⁻¹ give different spectra."""
    r_eig = hs.hessian_at_optimum("crnn", teacher, batch, scaling="eig")
    r_con = hs.hessian_at_optimum("crnn", teacher, batch, scaling="construction")
    assert r_eig.loss < 1e-20 and r_con.loss < 1e-20
    big = r_eig.eigvals > 1e-6 * r_eig.eigvals[0]
    assert not np.allclose(r_eig.eigvals[big], r_con.eigvals[big], rtol=1e-3)
    # the dense RNN has no modal form: the scaling does not exist for it
    r1 = hs.hessian_at_optimum("rnn", teacher, batch, scaling="eig")
    r2 = hs.hessian_at_optimum("rnn", teacher, batch, scaling="construction")
    np.testing.assert_array_equal(r1.H, r2.H)


def test_s4_with_delta_raw_in_float32_is_off_the_optimum(batch):
    """The original stored the S4 optimum's Δ_raw in float32: a small non-zero loss and more
    non-negligible eigenvalues than the float64 optimum (METHODS §7, further notes)."""
    teacher = hs.hand_built_teacher(0)
    r64 = hs.hessian_at_optimum("s4", teacher, batch)
    r32 = hs.hessian_at_optimum("s4", teacher, batch, delta_raw_float32=True)
    off = slice(8, 12)  # group Delta (after A_re, A_im)
    assert r64.groups[2] == "Delta" and r64.sizes[:3] == [4, 4, 4]
    np.testing.assert_array_equal(r32.theta[off], r64.theta[off].astype(np.float32))
    np.testing.assert_array_equal(
        np.delete(r32.theta, np.r_[off]), np.delete(r64.theta, np.r_[off])
    )
    assert r64.loss < 1e-20 and r32.loss > 1e-12
    floor = hs.EIG_COUNT_FLOOR
    assert (r32.eigvals > floor).sum() > (r64.eigvals > floor).sum()
    with pytest.raises(ConfigError):
        hs.optimum_values("lru", teacher, delta_raw_float32=True)


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
    d = teacher.modal()[0]  # the student's eigenvalues, in numpy.linalg.eig's order
    np.testing.assert_allclose(lam.imag[2], d[2].imag + 0.25, atol=1e-14)
    np.testing.assert_allclose(lam.real, d.real, atol=1e-14)
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
    x = hs.white_noise(5, batch=32, T=8000, draw="numpy")
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
