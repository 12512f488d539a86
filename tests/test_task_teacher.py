"""Teacher (METHODS §3): recipe, remap variants, kernel vs recurrence, stationary variance,
logging."""

import math

import numpy as np
import pytest

from curse_of_memory.cell import DEFAULTS
from curse_of_memory.errors import ConfigError
from curse_of_memory.tasks.teacher import make_teacher, teacher_has_real_negative_eigs

N = DEFAULTS["task"]["teacher_hidden"]  # the task's teacher size
PAPER_SEED = DEFAULTS["task"]["teacher_seed"]


def test_kernel_matches_recurrence_and_variance():
    t = make_teacher(0.9, 3.14, "default", seed=3, n=N)
    x = np.random.default_rng(0).standard_normal((2, 60))
    k = t.kernel(60)
    conv = np.array(
        [[sum(k[s] * x[b, i - s] for s in range(i + 1)) for i in range(60)] for b in range(2)]
    )
    assert np.allclose(t.outputs(x), conv, rtol=1e-12, atol=1e-12)
    assert math.isclose(t.stationary_variance, float((t.kernel(20000) ** 2).sum()), rel_tol=1e-8)


@pytest.mark.parametrize("nu0", [0.36, 0.9, 0.99])
def test_moduli_in_range_and_shared_draws(nu0):
    t = make_teacher(nu0, 3.14, "default", seed=PAPER_SEED, n=N)
    mod = np.abs(t.eigenvalues)
    assert mod.min() >= nu0 - 1e-9 and mod.max() < 1
    assert np.allclose(
        np.sort(mod), np.sort(nu0 + (1 - nu0) * np.tanh(np.abs(t.raw_eigenvalues))), rtol=1e-8
    )
    other = make_teacher(0.5, 3.14, "default", seed=PAPER_SEED, n=N)
    assert np.array_equal(t.B, other.B) and np.array_equal(
        t.C, other.C
    )  # depends on (nu0, theta0) only via remap
    assert not np.array_equal(make_teacher(nu0, 3.14, "default", seed=PAPER_SEED + 1, n=N).B, t.B)
    j = t.to_json()
    assert len(j["eigenvalues"]["modulus"]) == N and j["stationary_output_variance"] > 0


def test_remap_variants():
    seed = next(s for s in range(40, 80) if teacher_has_real_negative_eigs(s, N))
    d = make_teacher(0.9, 0.3, "default", seed=seed, n=N)
    p = make_teacher(0.9, 0.3, "published", seed=seed, n=N)
    assert np.abs(d.eigenvalues).min() >= 0.9 - 1e-9
    assert not np.allclose(np.sort_complex(d.eigenvalues), np.sort_complex(p.eigenvalues))
    # at theta0 = pi both coincide
    a, b = (
        make_teacher(0.9, math.pi, "default", seed=seed, n=N),
        make_teacher(0.9, math.pi, "published", seed=seed, n=N),
    )
    assert np.allclose(a.A, b.A, atol=1e-12)
    no = next(s for s in range(40, 80) if not teacher_has_real_negative_eigs(s, N))
    assert np.allclose(
        make_teacher(0.9, 0.3, "default", seed=no, n=N).A,
        make_teacher(0.9, 0.3, "published", seed=no, n=N).A,
        atol=1e-12,
    )


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"nu0": 1.0}, "nu0"),
        ({"nu0": -0.2}, "nu0"),
        ({"nu0": 0.5, "theta0": 4.0}, "theta0"),
        ({"nu0": 0.5, "remap": "quirky"}, "task.remap"),
    ],
)
def test_bad_teacher_args(kw, field):
    with pytest.raises(ConfigError) as exc:
        make_teacher(**kw, seed=PAPER_SEED, n=N)
    assert str(exc.value).startswith(field)
