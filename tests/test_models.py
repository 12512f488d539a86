"""Models: fast paths (FFT kernel, state-FFT) equal the sequential reference, outputs and gradients;
initialisations follow METHODS §1.3/§2; registry errors are one-line ConfigErrors."""

import math

import numpy as np
import pytest
import torch

from curse_of_memory.errors import ConfigError
from curse_of_memory.hessian.measured import hand_built_teacher
from curse_of_memory.models import MODELS, build_model, validate_model_spec
from curse_of_memory.models import init as I
from curse_of_memory.models.linear import causal_conv_real, inv_softplus

MODEL_CASES = [
    ({"name": "rnn", "hidden": 6, "heads": 1}, {"theta0": 3.14}),
    ({"name": "rnn", "hidden": 8, "heads": 4}, {"theta0": 1.0}),
    (
        {"name": "lru", "hidden": 5, "param": "exp", "gamma": "learned"},
        {"r_min": 0.9, "theta0": 3.14},
    ),
    ({"name": "lru", "hidden": 5, "param": "exp", "gamma": "none"}, {"r_min": 0.5, "theta0": 0.3}),
    ({"name": "lru", "hidden": 5, "param": "reim", "gamma": "none"}, {"r_min": 0.95}),
    ({"name": "lru", "hidden": 5, "param": "reim", "gamma": "learned"}, {"r_min": 0.8}),
    ({"name": "lru", "hidden": 4, "param": "polar", "gamma": "learned"}, {"r_min": 0.3}),
    ({"name": "s4", "hidden": 5, "shared_delta": False}, {"r_min": 0.9}),
    ({"name": "s4", "hidden": 3, "shared_delta": True}, {"r_min": 0.5}),
]


def _dims(spec, multi):
    if not multi:
        return 1, 1
    return (3, 3) if spec["name"] == "s4" else (3, 2)


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


def _kernel_forward(model, x):
    """Any model through its impulse response and an FFT convolution."""
    return causal_conv_real(model.impulse_response(x.shape[-2]), x)


def _outputs_and_grads(model, x, w, path):
    model.zero_grad()
    y = _kernel_forward(model, x) if path == "kernel" else getattr(model, path)(x)
    (y * w).sum().backward()
    return y.detach().clone(), {n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-9), (torch.float32, 1e-4)])
@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("k", range(len(MODEL_CASES)))
def test_fast_paths_match_reference(k, multi, dtype, tol):
    spec, kw = MODEL_CASES[k]
    d_in, d_out = _dims(spec, multi)
    gen = torch.Generator().manual_seed(100 + k)
    model = build_model(
        spec, members=3, d_in=d_in, d_out=d_out, seeds=[k, k + 1, k + 2], init=kw, dtype=dtype
    )
    # random perturbation so that we are not only testing the init point
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn(p.shape, generator=gen, dtype=torch.float64).to(dtype))
    T = 50
    x = torch.randn(1, 4, T, d_in, generator=gen, dtype=torch.float64).to(
        dtype
    )  # broadcast member dim
    w = torch.randn(3, 4, T, d_out, generator=gen, dtype=torch.float64).to(dtype)
    y_ref, g_ref = _outputs_and_grads(model, x, w, "forward_reference")
    for path in ("forward", "kernel"):
        y, g = _outputs_and_grads(model, x, w, path)
        assert y.shape == (3, 4, T, d_out)
        assert _rel(y, y_ref) < tol, path
        for n in g_ref:
            assert _rel(g[n], g_ref[n]) < tol, (path, n)


def test_reference_is_the_recurrence_for_lru():
    """forward_reference against a hand-written scalar loop for one member and one unit."""
    m = build_model(
        {"name": "lru", "hidden": 1, "param": "exp"}, init={"r_min": 0.5}, dtype=torch.float64
    )
    lam = complex(m.lam().detach()[0, 0])
    g = math.exp(float(m.gamma.detach()[0, 0]))
    b = complex(float(m.B_re.detach()[0, 0, 0]), float(m.B_im.detach()[0, 0, 0]))
    c = complex(float(m.C_re.detach()[0, 0, 0]), float(m.C_im.detach()[0, 0, 0]))
    d = float(m.D.detach()[0, 0, 0])
    x = torch.randn(1, 1, 20, 1, dtype=torch.float64)
    h, ys = 0j, []
    for t in range(20):
        h = lam * h + g * b * float(x[0, 0, t, 0])
        ys.append((c * h).real + d * float(x[0, 0, t, 0]))
    assert np.allclose(m(x)[0, 0, :, 0].detach().numpy(), ys, rtol=1e-12, atol=1e-12)
    assert np.allclose(
        m.forward_reference(x)[0, 0, :, 0].detach().numpy(), ys, rtol=1e-12, atol=1e-12
    )


def test_three_dim_input_is_single_member():
    m = build_model(
        {"name": "lru", "hidden": 4, "param": "reim", "gamma": "none"},
        d_in=3,
        d_out=3,
        init={"r_min": 0.5},
        dtype=torch.float64,
    )
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    assert m(x).shape == (2, 7, 3)
    assert torch.allclose(m(x), m.forward_reference(x))


def test_parameter_counts_and_order():
    cases = [
        ({"name": "rnn", "hidden": 64}, 4225, ["A", "B", "C", "D"]),
        ({"name": "rnn", "hidden": 64, "heads": 32}, 257, None),
        ({"name": "rnn", "hidden": 128, "heads": 64}, 513, None),
        (
            {"name": "lru", "hidden": 64, "param": "reim", "gamma": "none"},
            385,
            ["lam_raw", "B_re", "B_im", "C_re", "C_im", "D"],
        ),
        (
            {"name": "lru", "hidden": 64},
            449,
            ["lam_raw", "gamma", "B_re", "B_im", "C_re", "C_im", "D"],
        ),
        (
            {"name": "s4", "hidden": 64},
            449,
            ["A_re", "A_im", "delta_raw", "B_re", "B_im", "C_re", "C_im", "D"],
        ),
    ]
    for spec, count, order in cases:
        m = build_model(spec, init={"r_min": 0.9})
        assert sum(p[0].numel() for p in m.parameters()) == count, spec
        assert all(not p.is_complex() for p in m.parameters())
        if order:
            assert [n for n, _ in m.named_parameters()] == order


def test_ring_init_and_exp_parametrisation():
    m = build_model(
        {"name": "lru", "hidden": 4000, "param": "exp"},
        init={"r_min": 0.9, "r_max": 0.99, "theta0": 0.5},
        dtype=torch.float64,
    )
    lam = m.lam()[0]
    nu, th = lam.abs(), torch.angle(lam)
    assert nu.min() >= 0.9 - 1e-12 and nu.max() <= 0.99 + 1e-12
    # uniform in area: nu^2 uniform on [0.81, 0.9801] -> mean 0.89505
    assert abs(float((nu**2).mean()) - 0.89505) < 0.003
    assert th.abs().max() <= 0.5 + 1e-9
    assert torch.allclose(torch.exp(m.gamma[0]), torch.sqrt(1 - nu**2))
    # matrix-init rule: B ~ N(0, 1/N), C ~ N(0, 1/d_out = 1)
    assert abs(float(m.B_re.std()) * math.sqrt(4000) - 1) < 0.05
    assert abs(float(m.C_re.std()) - 1) < 0.05


def test_reim_gamma_published_init():
    kw = {"r_min": 0.5, "r_max": 0.9}
    a = build_model({"name": "lru", "hidden": 50, "param": "reim"}, init=kw, dtype=torch.float64)
    b = build_model(
        {"name": "lru", "hidden": 50, "param": "reim", "gamma_init": "published"},
        init=kw,
        dtype=torch.float64,
    )
    lam = a.lam()[0]
    assert torch.allclose(a.gamma[0], torch.sqrt(1 - lam.abs() ** 2))
    assert torch.allclose(b.gamma[0], torch.sqrt(1 - lam.real**2))


def test_dense_init_lecun_and_spectrum():
    m = build_model(
        {"name": "rnn", "hidden": 64}, members=20, seeds=list(range(20)), dtype=torch.float64
    )
    ev = m.eigenvalues().abs()
    assert float(ev.max()) < 1.0  # tanh|l| < 1 with nu_min = 0
    assert abs(float(m.B.std()) - 1) < 0.1  # fan_in = d_in = 1
    assert abs(float(m.C.std()) * 8 - 1) < 0.1  # fan_in = N = 64
    assert float(m.B.abs().max()) <= 2 / I.LECUN_TRUNC_CORRECTION + 1e-9  # truncated at 2 std


def test_common_random_numbers():
    spec = {"name": "lru", "hidden": 8}
    m = build_model(
        spec,
        members=4,
        seeds=[3, 4, 3, 3],
        init=[{"r_min": 0.5}, {"r_min": 0.5}, {"r_min": 0.5}, {"r_min": 0.9}],
    )
    assert torch.equal(m.B_re[0], m.B_re[2]) and torch.equal(m.B_re[0], m.B_re[3])
    assert not torch.equal(m.B_re[0], m.B_re[1])
    assert torch.equal(m.lam_raw[0], m.lam_raw[2]) and not torch.equal(m.lam_raw[0], m.lam_raw[3])


def test_s4_init_default_and_published():
    kw = {"r_min": 0.9}
    d = build_model({"name": "s4", "hidden": 16}, init=kw, dtype=torch.float64)
    p = build_model({"name": "s4", "hidden": 16, "init": "published"}, init=kw, dtype=torch.float64)
    lam = d.lam()[0]
    assert lam.abs().min() >= 0.9 - 1e-12
    theta = torch.remainder(d.A_im[0, 0] * d.delta()[0], 2 * math.pi)
    assert torch.allclose(torch.remainder(torch.angle(lam), 2 * math.pi), theta)
    assert torch.allclose(p.A_im[0, 0] * p.delta_raw[0], d.A_im[0, 0] * d.delta()[0])
    assert torch.allclose(inv_softplus(torch.nn.functional.softplus(d.delta_raw)), d.delta_raw)


def test_remap_real_negative_eigenvalues():
    l = np.array([-0.5 + 0j, 0.3 + 0j, 0.2 + 0.4j, 0.2 - 0.4j])
    for theta0 in (math.pi, 2.0, 1.0, 0.1):
        d = I.remap_eigenvalues(l, 0.9, 1.0, theta0, "default")
        p = I.remap_eigenvalues(l, 0.9, 1.0, theta0, "published")
        mod = 0.9 + 0.1 * np.tanh(0.5)
        assert d[0].imag == 0 and abs(abs(d[0]) - mod) < 1e-15
        assert np.sign(d[0].real) == (-1 if theta0 > math.pi / 2 else 1)
        assert np.isclose(p[0].real, mod * np.cos(theta0))
        assert d[1] == p[1] and np.isclose(d[1].real, 0.9 + 0.1 * np.tanh(0.3))
        assert np.isclose(d[2], np.conj(d[3]))
    assert I.has_real_negative_eigenvalues(l) and not I.has_real_negative_eigenvalues(l[1:])


@pytest.mark.parametrize(
    "spec,field",
    [
        ({"name": "gru2", "hidden": 4}, "model.name"),
        ({"name": "rnn", "hidden": 6, "heads": 4}, "model.heads"),
        ({"name": "lru", "hidden": 6, "param": "cartesian"}, "model.param"),
        ({"name": "lru", "hidden": 6, "gamma": "L3"}, "model.gamma"),
        ({"name": "lru"}, "model.hidden"),
        ({"name": "lru", "hidden": 6, "color": 1}, "model.color"),
    ],
)
def test_bad_specs(spec, field):
    with pytest.raises(ConfigError) as exc:
        validate_model_spec(spec)
    msg = str(exc.value)
    assert msg.startswith(field) and "\n" not in msg and "allowed" in msg


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"name": "gru2", "hidden": 4}, "model.name: unknown model 'gru2'; allowed: rnn, lru, s4"),
        ({"hidden": 4}, "model.name: missing; allowed: rnn, lru, s4"),
        (
            {"name": "rnn", "hidden": 6, "heads": 4},
            "model.heads: 4 does not divide hidden=6; allowed: a positive divisor of hidden",
        ),
        (
            {"name": "rnn", "hidden": 6, "foo": 0},
            "model.foo: unknown option for model rnn; allowed: heads, hidden",
        ),
        (
            {"name": "lru", "hidden": 6, "param": "cartesian"},
            "model.param: unknown parametrisation 'cartesian'; allowed: exp, polar, reim",
        ),
        (
            {"name": "lru", "hidden": 6, "gamma": "L3"},
            "model.gamma: unknown gamma 'L3'; allowed: learned, none",
        ),
        (
            {"name": "lru", "hidden": 6, "gamma_init": "x"},
            "model.gamma_init: unknown value 'x'; allowed: default, published",
        ),
        (
            {"name": "lru", "hidden": 0},
            "model.hidden: 0 is not a positive integer; allowed: 1, 2, ...",
        ),
        (
            {"name": "s4", "hidden": 6, "init": "x"},
            "model.init: unknown value 'x'; allowed: default, published, delta_1",
        ),
        (
            {"name": "s4", "hidden": 6, "shared_delta": 1},
            "model.shared_delta: 1 is not a boolean; allowed: true, false",
        ),
        (
            {"name": "s4", "hidden": 6, "heads": 1},
            "model.heads: unknown option for model s4; allowed: hidden, init, shared_delta",
        ),
    ],
)
def test_bad_spec_messages(spec, message):
    with pytest.raises(ConfigError) as exc:
        validate_model_spec(spec)
    assert str(exc.value) == message


@pytest.mark.parametrize("name", list(MODELS))
def test_registry_entries_are_complete(name):
    """Each entry alone defines a usable model: defaults pass its check, build_model passes the
    options to the class, and the task-point init keywords are accepted by draw_member."""
    entry = MODELS[name]
    spec = validate_model_spec({"name": name, "hidden": 4})
    assert spec == {"name": name, "hidden": 4, **entry.options}
    init = entry.point_init({"nu0": 0.8, "theta0": 1.0}, "default")
    m = build_model(spec, members=2, seeds=[0, 1], init=init, dtype=torch.float64)
    assert type(m) is entry.cls and m.eigenvalues().abs().max() < 1
    assert entry.has_recurrent_matrices == bool(m.recurrent_matrices)
    assert {n for n, _ in m.named_parameters()} >= set(m.recurrent_matrices)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lecun_normal(dtype):
    g = torch.Generator().manual_seed(0)
    w = I.lecun_normal_(torch.empty(400, 100, dtype=dtype), 100, g)
    assert w.dtype == dtype and abs(float(w.std()) * 10 - 1) < 0.02
    assert float(w.abs().max()) <= 2 / I.LECUN_TRUNC_CORRECTION / 10 * (1 + 1e-6)


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "rnn", "hidden": 6, "heads": 2},
        {"name": "lru", "hidden": 5},
        {"name": "lru", "hidden": 5, "param": "reim", "gamma": "none"},
    ],
)
def test_impulse_response_any_block_size(spec):
    """Baby-step giant-step kernels for every block size and T (incl. T not a multiple of the
    block)."""
    m = build_model(
        spec, members=2, d_in=2, d_out=3, seeds=[0, 1], init={"r_min": 0.7}, dtype=torch.float64
    )
    x = torch.randn(2, 3, 23, 2, dtype=torch.float64)
    ref = m.forward_reference(x)
    for T in (1, 2, 7, 23):
        for b in (1, 2, 4, 8, 32):
            y = causal_conv_real(m.impulse_response(T, block=b), x[:, :, :T])
            assert _rel(y, ref[:, :, :T]) < 1e-12, (T, b)


def test_s4_delta_1_init_has_the_default_eigenvalues():
    """The Delta = 1 scheme (A = (log nu, theta)) parametrises the same lambda = nu e^{i theta}
    as the default scheme (Delta = -log nu, A = (-1, theta / Delta)), with every Delta = 1."""
    kw = dict(members=1, d_in=1, d_out=1, seeds=[3], init=[{"r_min": 0.9, "r_max": 1.0}])
    spec = {"name": "s4", "hidden": 16, "shared_delta": False}
    default = build_model({**spec, "init": "default"}, dtype=torch.float64, **kw)
    delta_1 = build_model({**spec, "init": "delta_1"}, dtype=torch.float64, **kw)
    assert torch.allclose(default.lam(), delta_1.lam(), rtol=1e-12, atol=1e-12)
    assert torch.allclose(delta_1.delta(), torch.ones_like(delta_1.delta()))
    assert not torch.allclose(default.delta(), delta_1.delta())


@pytest.mark.parametrize("name", [n for n, e in MODELS.items() if e.at_system is not None])
def test_at_system_places_the_model_at_a_given_linear_system(name):
    """An entry's at_system (the Hessians at the optimum) gives parameter values whose impulse
    response is the system's own: C A^tau B, D at tau = 0."""
    system = hand_built_teacher(0, draw="numpy")
    spec = validate_model_spec({"name": name, "hidden": system.n})
    values = MODELS[name].at_system(spec, system, system.modal())
    m = build_model(spec, dtype=torch.float64, draw=False)
    m.load_member_values([{k: torch.as_tensor(v) for k, v in values.items()}])
    powers = [np.linalg.matrix_power(system.A, t) for t in range(20)]
    k = np.array([(system.C @ p @ system.B)[0, 0] for p in powers])
    k[0] += system.D[0, 0]
    np.testing.assert_allclose(m.impulse_response(20)[0, :, 0, 0].detach().numpy(), k, atol=1e-10)
