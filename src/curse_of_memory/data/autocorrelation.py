"""Autocorrelation of embedding sequences and its two-exponential fit (Fig 12).

c(Δ) = mean over (sequence, t, feature) of x_t · x_{t+Δ}, over the 512 − Δ valid pairs, padding
included (uncentred, as in the paper's figure).  The centred version subtracts each feature's mean
over all sequences and positions first: the uncentred c(Δ) also contains the squared feature means,
a constant offset that would otherwise look like an infinitely slow correlated component.  Both are
computed with a zero-padded FFT along time in float64 (exact up to rounding; a direct loop is the
reference in the tests), in one pass over the data.

Fit: log10 c(Δ) = m·Δ + c0 by least squares over a lag range; a1 = 10^c0, r1 = 10^m and the white
part a0 = c(0) − a1.  Default range Δ = 1..510 (the Δ = 0 spike is the white component); the
original fitted Δ = 0..510 (``fit(..., start=0)``, the as-published variant).
"""

from __future__ import annotations

import numpy as np


def autocorrelations(x, max_lag: int = 510, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(uncentred, centred) c(Δ) for Δ = 0..max_lag of ``x`` with shape (n, T, d), float64 each.

    Per chunk of sequences: zero-padded real FFT along time (float32 for float16/float32 inputs,
    float64 otherwise), power spectrum summed over sequences and features, accumulated in float64;
    the per-time sums S_f(t) = Σ_n x_{n,t,f} are accumulated alongside.  With μ_f = Σ_t S_f(t)/(nT)
    and s(t) = Σ_f μ_f S_f(t), the centred sums follow exactly:
    Σ (x_t − μ)(x_{t+Δ} − μ) = Σ x_t x_{t+Δ} − Σ_{t<T−Δ} [s(t) + s(t+Δ)] + n (T−Δ) Σ_f μ_f².
    """
    import torch  # heavy: fit() and the claims that import it need only numpy

    n, T, d = x.shape
    if max_lag >= T:
        raise ValueError(f"max_lag {max_lag} must be < sequence length {T}")
    nfft = 1 << int(np.ceil(np.log2(2 * T - 1)))
    wide = np.asarray(x[:1]).dtype == np.float64
    dtype = torch.float64 if wide else torch.float32
    total = np.zeros(max_lag + 1)
    sums = np.zeros((T, d))
    for start in range(0, n, chunk):
        block = torch.as_tensor(np.asarray(x[start : start + chunk])).to(dtype)
        spec = torch.fft.rfft(block, n=nfft, dim=1)
        power = (spec.real**2 + spec.imag**2).sum(dim=(0, 2), dtype=torch.float64)
        total += torch.fft.irfft(power, n=nfft)[: max_lag + 1].numpy()
        sums += block.sum(dim=0, dtype=torch.float64).numpy()
    lags = np.arange(max_lag + 1)
    pairs = n * d * (T - lags)
    mu = sums.sum(axis=0) / (n * T)
    s = sums @ mu  # (T,)
    cs = np.r_[0.0, np.cumsum(s)]
    head = cs[T - lags]  # Σ_{t < T−Δ} s(t)
    tail = cs[T] - cs[lags]  # Σ_{t ≥ Δ} s(t) = Σ_{t < T−Δ} s(t+Δ)
    centred = total - head - tail + n * (T - lags) * float(mu @ mu)
    return total / pairs, centred / pairs


def autocorrelation(x, max_lag: int = 510, chunk: int = 64, centred: bool = False) -> np.ndarray:
    """c(Δ) for Δ = 0..max_lag of ``x`` with shape (n, T, d); returns float64 (max_lag + 1,).
    ``centred``: each feature's mean over all sequences and positions removed first."""
    return autocorrelations(x, max_lag, chunk)[1 if centred else 0]


def autocorrelation_direct(x, max_lag: int, centred: bool = False) -> np.ndarray:
    """Reference implementation by an explicit loop over lags (small inputs only)."""
    x = np.asarray(x, dtype=np.float64)
    if centred:
        x = x - x.mean(axis=(0, 1))
    T = x.shape[1]
    return np.array([np.mean(x[:, : T - k] * x[:, k:]) for k in range(max_lag + 1)])


def fit(c: np.ndarray, start: int = 1, stop: int | None = None) -> dict:
    """Least-squares fit of log10 c(Δ) = m·Δ + c0 over Δ = start..stop (inclusive).

    Non-positive c(Δ) cannot enter a log fit: they are skipped and counted (``n_skipped``).
    """
    c = np.asarray(c, dtype=np.float64)
    stop = len(c) - 1 if stop is None else stop
    lags = np.arange(start, stop + 1)
    vals = c[start : stop + 1]
    keep = vals > 0
    if keep.sum() < 2:
        raise ValueError("fewer than two positive autocorrelation values in the fit range")
    m, c0 = np.polyfit(lags[keep], np.log10(vals[keep]), 1)
    a1 = float(10.0**c0)
    r1 = float(10.0**m)
    return {
        "fit_start": int(start),
        "fit_stop": int(stop),
        "slope": float(m),
        "intercept": float(c0),
        "a1": a1,
        "r1": r1,
        "a0": float(c[0] - a1),
        "c0_value": float(c[0]),
        "n_skipped": int((~keep).sum()),
        "correlation_time": float(-1.0 / np.log(r1)) if 0 < r1 < 1 else float("inf"),
    }


def synthetic_two_exponential(
    n: int, T: int, d: int, a0: float, a1: float, r1: float, seed: int = 0
):
    """Sequences with c(Δ) = a0·1[Δ=0] + a1·r1^|Δ|: white noise plus a stationary AR(1) process."""
    rng = np.random.default_rng(seed)
    white = rng.normal(0.0, np.sqrt(a0), size=(n, T, d))
    ar = np.empty((n, T, d))
    ar[:, 0] = rng.normal(0.0, np.sqrt(a1), size=(n, d))
    innov = rng.normal(0.0, np.sqrt(a1 * (1 - r1**2)), size=(n, T, d))
    for t in range(1, T):
        ar[:, t] = r1 * ar[:, t - 1] + innov[:, t]
    return white + ar
