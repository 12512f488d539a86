"""GRU diagonal theory (METHODS §4.7) against direct series sums over the input autocorrelation."""

import numpy as np
import pytest

from curse_of_memory.theory.gru import predictions


def _series(lam, a0, a1, r1, K=3000):
    k = np.arange(K, dtype=np.float64)
    c = a1 * r1 ** np.abs(k[:, None] - k[None, :]) + a0 * np.eye(K)
    u = (1 - lam) * lam**k  # h = Σ u_k n_{-k}
    w = -(lam**k) + (1 - lam) * k * lam ** np.maximum(k - 1, 0)  # ∂h/∂λ
    chain = (lam * (1 - lam)) ** 2
    return u @ c @ u, chain * (w @ c @ w), chain * ((u + w) @ c @ (u + w))


@pytest.mark.parametrize("T", [1.5, 4.0, 30.0, 200.0])
def test_theory_matches_series(T):
    a0, a1, r1 = 1.7, 0.3, 0.97
    pred = predictions([T], a0, a1, r1)
    var_h, var_dh, var_pub = _series(1 - 1 / T, a0, a1, r1)
    assert pred["var_h"][0] == pytest.approx(var_h, rel=1e-8)
    assert pred["var_dh"][0] == pytest.approx(var_dh, rel=1e-8)
    assert pred["var_dh_published"][0] == pytest.approx(var_pub, rel=1e-8)


def test_default_and_published_differ_at_small_T_only():
    pred = predictions([2.0, 1000.0], 1.0, 0.2, 0.99)
    rel = np.abs(pred["var_dh_published"] / pred["var_dh"] - 1)
    assert rel[0] > 0.1 and rel[1] < rel[0]
