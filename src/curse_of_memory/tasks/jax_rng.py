"""JAX's random numbers in NumPy: the paper's own draws, without JAX at run time (METHODS §3.1).

The paper's code draws every task and theory object with JAX's PRNG.  Its algorithm is public and
deterministic, so this module recomputes it with NumPy, bit for bit (checked against JAX itself in
``tests/test_jax_rng.py``, with JAX installed from the test extra):

* **threefry2x32** (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
  20-round counter-based hash of a 64-bit key and a pair of 32-bit counters;
* **keys** as JAX's ``PRNGKey(seed)``: the pair (seed >> 32, seed & 0xFFFFFFFF);
* **split** in the *non-partitionable* mode that was JAX's default in its 0.4 series (JAX flag
  ``jax_threefry_partitionable=False``): ``split(key, n)`` hashes the counters 0 .. 2n-1 and reads
  the 2n words as n keys;
* **random bits**: 32-bit words hash the counters 0 .. size-1; 64-bit words hash 0 .. 2·size-1 and
  join the first half (high word) with the second half (low word);
* **uniform**: the top mantissa bits of a word under the exponent of 1.0 give a float in [1, 2),
  minus 1, scaled to [lo, hi) by one fused multiply-add, then clipped below at lo;
* **normal**: √2·erfinv(u) with u uniform in (-1, 1) (lo = the float after -1); complex normals
  split the key into a real and an imaginary key and divide both parts by √2.

``erfinv`` follows the polynomial approximations of Giles ("Approximating the erfinv function",
GPU Computing Gems, 2011) that XLA evaluates, in the same precision and the same operation order.

Two precisions, as in JAX: ``dtype=np.float32`` (JAX's default mode, used by the paper's training
code) and ``np.float64`` (JAX's 64-bit mode, used by the paper's Hessian notebooks).

>>> key = prng_key(42)
>>> k_a, k_b, k_c, k_d = split(key, 4)
>>> normal(k_a, (10, 10), np.float32)      # the paper's teacher draw of M (before scaling)
"""

from __future__ import annotations

import numpy as np

_U32 = np.uint32
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = _U32(0x1BD11BDA)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << _U32(r)) | (x >> _U32(32 - r))


def threefry2x32(key: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The threefry2x32 block function (20 rounds) on counter pairs (x0[i], x1[i])."""
    k0, k1 = _U32(key[0]), _U32(key[1])
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    x0 = np.asarray(x0, dtype=_U32) + ks[0]
    x1 = np.asarray(x1, dtype=_U32) + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = x0 + x1
            x1 = _rotl(x1, r) ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + _U32(i + 1)
    return x0, x1


def _hash_counts(key: np.ndarray, n: int) -> np.ndarray:
    """JAX's ``threefry_2x32(key, iota(n))``: the counters split in two halves, hashed as pairs,
    the two output halves concatenated (an odd count is padded with one 0, dropped after)."""
    count = np.arange(n, dtype=_U32)
    if n % 2:
        count = np.concatenate([count, np.zeros(1, dtype=_U32)])
    half = count.size // 2
    y0, y1 = threefry2x32(key, count[:half], count[half:])
    return np.concatenate([y0, y1])[:n]


def prng_key(seed: int) -> np.ndarray:
    """JAX's ``PRNGKey(seed)`` (raw threefry key data, two uint32 words) for 0 <= seed < 2**32,
    the range in which JAX's 32-bit and 64-bit modes agree."""
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed {seed} is outside [0, 2**32)")
    return np.array([0, seed], dtype=_U32)


def split(key: np.ndarray, num: int = 2) -> np.ndarray:
    """JAX's ``random.split(key, num)`` in the non-partitionable mode: (num, 2) uint32."""
    return _hash_counts(np.asarray(key, dtype=_U32), 2 * num).reshape(num, 2)


def random_bits(key: np.ndarray, bit_width: int, shape: tuple[int, ...]) -> np.ndarray:
    """JAX's ``random.bits``: uint32 or uint64 words of the given shape."""
    size = int(np.prod(shape, dtype=np.int64))
    key = np.asarray(key, dtype=_U32)
    if bit_width == 32:
        return _hash_counts(key, size).reshape(shape)
    if bit_width == 64:
        words = _hash_counts(key, 2 * size).astype(np.uint64)
        return ((words[:size] << np.uint64(32)) | words[size:]).reshape(shape)
    raise ValueError(f"bit_width must be 32 or 64, got {bit_width}")


def _float_info(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return dtype, np.uint32, 32, 23
    if dtype == np.float64:
        return dtype, np.uint64, 64, 52
    raise ValueError(f"dtype must be float32 or float64, got {dtype}")


def uniform(key, shape=(), dtype=np.float32, minval=0.0, maxval=1.0) -> np.ndarray:
    """JAX's ``random.uniform``: floats in [minval, maxval) of the given precision."""
    dtype, utype, nbits, nmant = _float_info(dtype)
    lo, hi = dtype.type(minval), dtype.type(maxval)
    bits = random_bits(key, nbits, tuple(shape))
    one_bits = np.array(1.0, dtype=dtype).view(utype)
    floats = ((bits >> utype(nbits - nmant)) | one_bits).view(dtype) - dtype.type(1.0)
    with np.errstate(over="ignore"):
        return np.maximum(lo, _fma(floats, hi - lo, lo))  # XLA fuses the scaling into one FMA


def normal(key, shape=(), dtype=np.float32) -> np.ndarray:
    """JAX's ``random.normal``: standard normals (real float32/float64, or complex64/complex128
    with variance 1 split evenly between the real and the imaginary part)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        real = np.float32 if dtype == np.complex64 else np.float64
        k_re, k_im = split(key, 2)
        re = _normal_real(k_re, shape, real).astype(dtype)
        im = _normal_real(k_im, shape, real).astype(dtype)
        return (re + dtype.type(1j) * im) / dtype.type(np.sqrt(2))
    return _normal_real(key, shape, dtype)


def _normal_real(key, shape, dtype) -> np.ndarray:
    dtype, *_ = _float_info(dtype)
    lo = np.nextafter(dtype.type(-1.0), dtype.type(0.0))
    u = uniform(key, shape, dtype, lo, 1.0)
    return dtype.type(np.sqrt(2)) * erfinv(u)


# ------------------------------------------------------------------------------------------------
# erfinv as XLA evaluates it (Giles 2011)
# ------------------------------------------------------------------------------------------------

_ERFINV32_SMALL = (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
    -0.00125372503, -0.00417768164, 0.246640727, 1.50140941,
)  # fmt: skip
_ERFINV32_LARGE = (
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
    -0.0076224613, 0.00943887047, 1.00167406, 2.83297682,
)  # fmt: skip
_ERFINV64_SMALL = (
    -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
    1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
    6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
    2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
    1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
    4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
    0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
    0.24015818242558961693, 1.6536545626831027356,
)  # fmt: skip
_ERFINV64_MID = (
    2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
    1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
    2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
    6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
    0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
    -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
    3.0838856104922207635,
)  # fmt: skip
_ERFINV64_TAIL = (
    -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
    -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
    2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
    -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
    7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
    1.0103004648645343977, 4.8499064014085844221,
)  # fmt: skip


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split53(a):
    c = a * 134217729.0  # 2**27 + 1 (Dekker's splitter)
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    p = a * b
    ah, al = _split53(a)
    bh, bl = _split53(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _fma(a, b, c):
    """a·b + c with one rounding, as the fused multiply-add XLA emits on CPU.  float32: the
    product is exact in float64; float64: Dekker's exact product and a compensated sum."""
    a, b, c = np.broadcast_arrays(a, b, c)
    if a.dtype == np.float32:
        return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(
            np.float32
        )
    with np.errstate(over="ignore", invalid="ignore"):
        p, e = _two_prod(a, b)
        s, t = _two_sum(p, c)
        return s + (t + e)


def _horner(coeffs, w, dtype):
    """Σ coeffs[i]·w^(n-1-i) by Horner's rule with fused multiply-adds."""
    p = np.full_like(w, dtype.type(coeffs[0]))
    for c in coeffs[1:]:
        p = _fma(p, w, dtype.type(c))
    return p


# log1p(x) = x - x²/2 + x³·P(x)/Q(x) for |x| < √2 - 1 (Cephes), else log(1 + x)
_LOG1P_P = (
    4.5270000862445199635215e-5, 4.9854102823193375972212e-1, 6.5787325942061044846969e0,
    2.9911919328553073277375e1, 6.0949667980987787057556e1, 5.7112963590585538103336e1,
    2.0039553499201281259648e1,
)  # fmt: skip
_LOG1P_Q = (
    1.0, 1.5062909083469192043167e1, 8.3047565967967209469434e1, 2.2176239823732856465394e2,
    3.0909872225312059774938e2, 2.1642788614495947685003e2, 6.0118660497603843919306e1,
)  # fmt: skip
# log(z) for float32 (Cephes logf as vectorised by Eigen)
_LOGF_P = (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
)  # fmt: skip


def _logf(z):
    f = np.float32
    m, e = np.frexp(z)
    m, e = m.astype(f), e.astype(f)
    low = m < f(0.707106781186547524)
    e = e - np.where(low, f(1), f(0))
    m = (m - f(1)) + np.where(low, m, f(0))
    x2 = m * m
    x3 = x2 * m
    p = [f(c) for c in _LOGF_P]
    y = _fma(_fma(p[0], m, p[1]), m, p[2])
    y1 = _fma(_fma(p[3], m, p[4]), m, p[5])
    y2 = _fma(_fma(p[6], m, p[7]), m, p[8])
    y = _fma(_fma(y, x3, y1), x3, y2) * x3
    y = y + e * f(-2.12194440e-4)
    m = m - x2 * f(0.5)
    return (m + y) + e * f(0.693359375)


def _log1p(x):
    dtype = x.dtype
    t = dtype.type
    num = _horner(_LOG1P_P, x, dtype)
    den = _horner(_LOG1P_Q, x, dtype)
    x2 = x * x
    small = x + _fma(t(-0.5), x2, (x * x2) * (num / den))
    one_plus = x + t(1)
    large = _logf(one_plus) if dtype == np.float32 else np.log(one_plus)
    return np.where(np.abs(x) < t(0.41421356237309504880), small, large)


def erfinv(x: np.ndarray) -> np.ndarray:
    """Inverse error function, float32 or float64, as XLA computes it (see module docstring)."""
    x = np.asarray(x)
    dtype = x.dtype
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = -_log1p(-x * x)
        if dtype == np.float32:
            small = w < dtype.type(5.0)
            ws = w - dtype.type(2.5)
            wl = np.sqrt(w) - dtype.type(3.0)
            p = np.where(
                small, _horner(_ERFINV32_SMALL, ws, dtype), _horner(_ERFINV32_LARGE, wl, dtype)
            )
        elif dtype == np.float64:
            p = np.where(
                w < 6.25,
                _horner(_ERFINV64_SMALL, w - 3.125, dtype),
                np.where(
                    w < 16.0,
                    _horner(_ERFINV64_MID, np.sqrt(w) - 3.25, dtype),
                    _horner(_ERFINV64_TAIL, np.sqrt(w) - 5.0, dtype),
                ),
            )
        else:
            raise ValueError(f"erfinv: dtype must be float32 or float64, got {dtype}")
        out = p * x
    return np.where(np.abs(x) == 1, x * np.finfo(dtype).max, out)


# ------------------------------------------------------------------------------------------------
# The paper's draws (METHODS §3.1)
# ------------------------------------------------------------------------------------------------


def teacher_draws(seed: int = 42, n: int = 10, d_in: int = 1, d_out: int = 1):
    """The dense teacher's random matrices as the paper's task code draws them (JAX's default
    float32 mode): ``PRNGKey(seed)`` split into 4 keys for M, B, C, D, standard normals scaled by
    1/√n (M), 1/√d_in (B), 1/√n (C), 1/√d_in (D), the scaling done in float32.

    Returns float32 arrays M (n, n), B (n, d_in), C (d_out, n), D (d_out, d_in)."""
    f = np.float32
    k_m, k_b, k_c, k_d = split(prng_key(seed), 4)
    M = normal(k_m, (n, n), f) * _inv_sqrt(n, f)
    B = normal(k_b, (n, d_in), f) * _inv_sqrt(d_in, f)
    C = normal(k_c, (d_out, n), f) * _inv_sqrt(n, f)
    D = normal(k_d, (d_out, d_in), f) * _inv_sqrt(d_in, f)
    return M, B, C, D


def _inv_sqrt(k, dtype):
    """1/√k in ``dtype``: XLA turns a division by a constant into a product with its reciprocal,
    so the paper's ``x / jnp.sqrt(k)`` is ``x * (1 / √k)``, each step rounded in ``dtype``."""
    return dtype(1) / np.sqrt(dtype(k))


def hand_teacher_draws(
    seed: int = 0, n_pairs: int = 2, modulus: float = 0.99, spread: float = 0.003
):
    """The hand-built teacher of Figs 4 and 9 as the paper's Hessian notebook draws it (JAX's
    64-bit mode): ``PRNGKey(seed)`` split into 4 keys k0..k3;

    * eigenvalues l = (modulus + spread·U(k0)) · exp(2πi·U(k1)), then their conjugates;
    * mixing rows P = N(k2)/2/√2 + i·N(k3)/2/√2 (n_pairs × 2n_pairs), then their conjugates;
    * B, C, D from the generic dense-teacher recipe with the same seed (``PRNGKey(seed)`` split
      into 4 keys, the last three for B (n×1, N(0,1)), C (1×n, N(0,1/n)), D (1×1, N(0,1))).

    Returns float64/complex128 arrays (lam (n,), U (n, n), B, C, D); A = Re(U⁻¹ diag(lam) U)."""
    f = np.float64
    n = 2 * n_pairs
    k = split(prng_key(seed), 4)
    lam = (modulus + spread * uniform(k[0], (n_pairs,), f)) * np.exp(
        2j * np.pi * uniform(k[1], (n_pairs,), f)
    )
    lam = np.concatenate([lam, lam.conj()])
    # The paper writes N(k2) / 2 / √2 + 1j * N(k3) / 2 / √2: the real part is divided by
    # constants (products with reciprocals, see _inv_sqrt), the imaginary part is a complex number
    # divided by them (true divisions).
    P = normal(k[2], (n_pairs, n), f) * 0.5 * _inv_sqrt(2, f) + 1j * (
        normal(k[3], (n_pairs, n), f) / 2 / np.sqrt(2)
    )
    U = np.concatenate([P, P.conj()], axis=0)
    _, k_b, k_c, k_d = k  # the generic recipe splits the same key the same way
    B = normal(k_b, (n, 1), f) * _inv_sqrt(1, f)
    C = normal(k_c, (1, n), f) * _inv_sqrt(n, f)
    D = normal(k_d, (1, 1), f) * _inv_sqrt(1, f)
    return lam, U, B, C, D


def white_noise_batch(seed: int = 1, batch: int = 64, T: int = 300, d_in: int = 1) -> np.ndarray:
    """The first batch of the paper's data loader with seed ``seed`` (JAX's 64-bit mode): the
    loader key ``PRNGKey(seed)`` is split once (first half kept), split into one key per batch,
    the first batch key into one key per sequence, and each sequence key into (inputs, noise);
    inputs are N(0, 1) of shape (T, d_in).  Returns (batch, T, d_in) float64."""
    loader_key = split(prng_key(seed), 2)[0]
    first_batch = split(loader_key, 1000)[0]
    seqs = split(first_batch, batch)
    return np.stack([normal(split(k, 2)[0], (T, d_in), np.float64) for k in seqs])


def ring_draws(seed: int, n: int):
    """The Fig 10 (top) theory draw of the paper's notebook (JAX's 64-bit mode): ``PRNGKey(seed)``
    split into 4 keys for b (n, complex normal), c (n, complex normal), u_ν (n, uniform) and u_θ
    (n, uniform).  Returns (b, c, u_nu, u_theta) as complex128 / float64 vectors."""
    k_b, k_c, k_nu, k_th = split(prng_key(seed), 4)
    b = normal(k_b, (n, 1), np.complex128)[:, 0]
    c = normal(k_c, (1, n), np.complex128)[0]
    return b, c, uniform(k_nu, (n,), np.float64), uniform(k_th, (n,), np.float64)
