"""Fig 12 autocorrelation and fit: FFT vs direct loop; the fit recovers known constants."""

import numpy as np
import pytest

from curse_of_memory.data.autocorrelation import (
    autocorrelation,
    autocorrelation_direct,
    fit,
    synthetic_two_exponential,
)


def test_fft_autocorrelation_equals_direct_loop():
    x = np.random.default_rng(0).normal(size=(5, 40, 3)) + 0.3
    np.testing.assert_allclose(
        autocorrelation(x, 39, chunk=2), autocorrelation_direct(x, 39), rtol=1e-10, atol=1e-12
    )


def test_fit_recovers_two_exponential_constants():
    a0, a1, r1 = 2.0, 0.5, 0.98
    x = synthetic_two_exponential(n=64, T=512, d=32, a0=a0, a1=a1, r1=r1, seed=1)
    c = autocorrelation(x, 100)
    res = fit(c, start=1, stop=100)
    assert res["a1"] == pytest.approx(a1, rel=0.1)
    assert res["r1"] == pytest.approx(r1, abs=0.002)
    assert res["a0"] == pytest.approx(a0, rel=0.05)
    # including the Δ = 0 spike (the published range) biases the fit upwards
    pub = fit(c, start=0, stop=100)
    assert pub["a1"] > res["a1"] and pub["a0"] < res["a0"]


def test_fit_of_exact_curve_is_exact_and_skips_nonpositive():
    lags = np.arange(511)
    c = 0.2 * 0.99**lags
    c[0] += 3.0
    res = fit(c)
    assert res["a1"] == pytest.approx(0.2, rel=1e-10) and res["r1"] == pytest.approx(
        0.99, rel=1e-12
    )
    assert res["a0"] == pytest.approx(3.0, rel=1e-10) and res["n_skipped"] == 0
    c[300] = -1e-3
    assert fit(c)["n_skipped"] == 1


def test_float16_input_uses_float32_fft_and_stays_accurate():
    x = (np.random.default_rng(2).normal(size=(6, 64, 5)) + 0.5).astype(np.float16)
    ref = autocorrelation_direct(x.astype(np.float64), 63)
    np.testing.assert_allclose(autocorrelation(x, 63, chunk=4), ref, rtol=2e-5, atol=1e-6)


def test_centred_autocorrelation_equals_direct_loop_in_one_pass():
    from curse_of_memory.data.autocorrelation import autocorrelations

    x = np.random.default_rng(5).normal(size=(7, 50, 4)) + np.array([0.5, -2.0, 0.0, 3.0])
    c, cc = autocorrelations(x, 49, chunk=3)
    np.testing.assert_allclose(c, autocorrelation_direct(x, 49), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        cc, autocorrelation_direct(x, 49, centred=True), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(autocorrelation(x, 49, chunk=3, centred=True), cc, rtol=0, atol=0)
    x16 = x.astype(np.float16)
    ref = autocorrelation_direct(x16.astype(np.float64), 49, centred=True)
    np.testing.assert_allclose(
        autocorrelation(x16, 49, chunk=2, centred=True), ref, rtol=1e-4, atol=2e-5
    )


def test_centring_removes_a_constant_offset_but_keeps_slow_correlation():
    offset = np.linspace(-0.5, 0.5, 8)
    white = np.random.default_rng(6).normal(size=(32, 256, 8)) + offset
    c = autocorrelation(white, 100)
    cc = autocorrelation(white, 100, centred=True)
    # uncentred: the squared feature means look like a flat correlated component
    assert np.all(c[1:] > 0.5 * np.mean(offset**2))
    assert np.abs(cc[1:]).max() < 0.03 and np.mean(cc[1:] <= 0) > 0.2
    slow = synthetic_two_exponential(n=32, T=256, d=8, a0=1.0, a1=0.2, r1=0.99, seed=7) + offset
    res = fit(autocorrelation(slow, 100, centred=True), start=1)
    assert res["r1"] == pytest.approx(0.99, abs=0.005) and res["a1"] == pytest.approx(0.2, rel=0.3)
