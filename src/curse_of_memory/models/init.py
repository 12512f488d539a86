"""Initialisation helpers shared by all models and the teacher (METHODS §1.3, §2.1, §3.1-3.2).

All draws use an explicit ``torch.Generator`` (CPU, float64) so that a member's initialisation
depends only on its seed (common random numbers).  Values are returned in float64; the models cast
(``lecun_normal_`` fills a given tensor of any dtype in place).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch

from curse_of_memory.errors import ConfigError

LECUN_TRUNC_CORRECTION = 0.87962566103423978  # std of N(0,1) truncated to [-2, 2]
REMAPS = ("default", "published")


def stream_seed(seed: int, name: str) -> int:
    """A 63-bit seed derived from (seed, name): independent streams for init/train/valid data."""
    words = np.random.SeedSequence(
        [int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode())]
    ).generate_state(2)
    return int((int(words[0]) << 31) ^ int(words[1])) & ((1 << 63) - 1)


def generator(seed: int, name: str) -> torch.Generator:
    g = torch.Generator(device="cpu")
    g.manual_seed(stream_seed(seed, name))
    return g


def normal(g: torch.Generator, *shape, std: float = 1.0) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=torch.float64) * std


def uniform(g: torch.Generator, *shape, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=g, dtype=torch.float64)


def lecun_normal_(
    tensor: torch.Tensor, fan_in: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Flax LeCun-normal, in place (METHODS §1.3): N(0,1) truncated to [-2, 2], rescaled so that
    the final std is 1/sqrt(fan_in).  ``tensor`` is a torch-layout (out, in) weight of any dtype
    (the linear models draw into float64, the GRU and the deep stack into their float32
    parameters); returns it."""
    with torch.no_grad():
        torch.nn.init.trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=generator)
        return tensor.mul_(1.0 / math.sqrt(fan_in)).div_(LECUN_TRUNC_CORRECTION)


def matrix_init(g: torch.Generator, *shape) -> torch.Tensor:
    """LRU/S4 matrix-init rule: N(0,1) / sqrt(first dimension of the stored shape)."""
    return normal(g, *shape) / math.sqrt(shape[0])


def ring_init(g: torch.Generator, n: int, r_min: float, r_max: float, theta0: float):
    """Ring init: magnitude uniform in area on [r_min, r_max], phase (U[-theta0, theta0] mod 2pi).

    Draw order: u (n), then u' (n).  Returns (nu, theta) float64 tensors of shape (n,)."""
    u = uniform(g, n)
    nu = torch.sqrt(u * (r_max**2 - r_min**2) + r_min**2)
    theta = torch.remainder(uniform(g, n, low=-theta0, high=theta0), 2 * math.pi)
    return nu, theta


def remap_eigenvalues(
    l: np.ndarray,
    nu_min: float,
    nu_max: float,
    theta0: float,
    remap: str = "default",
    rtol: float = 1e-9,
) -> np.ndarray:
    """l' = (nu_min + (nu_max - nu_min) tanh|l|) exp(i arg(l) theta0/pi)  (METHODS §2.1 step 3,
    §3.2).

    ``remap='default'`` keeps real eigenvalues real (modulus kept, sign = that of the nearest real
    number to the remapped complex value); ``'published'`` applies the formula blindly (the real
    part is taken later, as in the original)."""
    if remap not in REMAPS:
        raise ConfigError("remap", f"unknown remap {remap!r}", ", ".join(REMAPS))
    l = np.asarray(l, dtype=np.complex128)
    mod = nu_min + (nu_max - nu_min) * np.tanh(np.abs(l))
    ang = np.angle(l) * theta0 / math.pi
    out = mod * np.exp(1j * ang)
    if remap == "default":
        real = np.abs(l.imag) <= rtol * np.maximum(np.abs(l), 1e-300)
        sign = np.where(np.cos(ang) >= 0, 1.0, -1.0)
        out = np.where(real, sign * mod + 0j, out)
    return out


def has_real_negative_eigenvalues(l: np.ndarray, rtol: float = 1e-9) -> bool:
    l = np.asarray(l, dtype=np.complex128)
    real = np.abs(l.imag) <= rtol * np.maximum(np.abs(l), 1e-300)
    return bool(np.any(real & (l.real < 0)))


def remapped_matrix(
    m: torch.Tensor, nu_min: float, nu_max: float, theta0: float, remap: str = "default"
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Eigen-remap a square float64 matrix M = V diag(l) V^-1 -> A = Re(V diag(l') V^-1).

    Returns (A float64 tensor, l (raw eigenvalues), l' (remapped))."""
    mnp = m.detach().cpu().numpy().astype(np.float64)
    l, v = np.linalg.eig(mnp)
    lp = remap_eigenvalues(l, nu_min, nu_max, theta0, remap)
    a = (v @ np.diag(lp) @ np.linalg.inv(v)).real
    return torch.from_numpy(np.ascontiguousarray(a)), l, lp


def dense_recurrent_init(
    g: torch.Generator,
    heads: int,
    m: int,
    nu_min: float,
    nu_max: float,
    theta0: float,
    remap: str = "default",
) -> torch.Tensor:
    """Per head: M ~ N(0, 1/m) (m x m), eigen-remapped (METHODS §2.1).  Returns (heads, m, m)
    float64."""
    blocks = []
    for _ in range(heads):
        mat = normal(g, m, m, std=1.0 / math.sqrt(m))
        a, _, _ = remapped_matrix(mat, nu_min, nu_max, theta0, remap)
        blocks.append(a)
    return torch.stack(blocks)
