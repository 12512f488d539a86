"""The GRU as a diagonal network: theory curves for Fig 15 (METHODS §4.7, §7 item 11).

With constant gates z = σ(b), the simple ChronoGRU is h_t = λ h_{t−1} + (1 − λ) n_t with λ = σ(b):
normalisation γ = 1 − λ and a sigmoid parametrisation, dλ/db = λ(1 − λ).  For inputs whose
autocorrelation is c(Δ) = a0·1[Δ=0] + a1·r1^|Δ| (the Fig 12 fit),

    aux(α, β; a, r) = a (1−α)(1−β)(1 − r²αβ) / ((1 − rα)(1 − rβ)(1 − αβ))
    Aux(α, β)       = aux(α, β; a0, 0) + aux(α, β; a1, r1)        = E[h(α) h(β)]

Predictions at λ = 1 − 1/T:
  * ``var_h``            = Aux(λ, λ)  (uncentred second moment)
  * ``var_dh`` default   = ∂α∂β Aux(λ, λ) · (λ(1−λ))²     (differentiates through γ = 1 − λ)
  * ``var_dh`` published = [Aux + 2∂α Aux + ∂α∂β Aux](λ, λ) · (λ(1−λ))²   (the original's code)

Derivatives of Aux are taken by autodiff (torch.func) in float64.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.func import grad, vmap

from curse_of_memory.errors import DataError


def aux(alpha, beta, a, r):
    return (
        a
        * (1 - alpha)
        * (1 - beta)
        * (1 - r * r * alpha * beta)
        / ((1 - r * alpha) * (1 - r * beta) * (1 - alpha * beta))
    )


def Aux(alpha, beta, a0, a1, r1):
    return aux(alpha, beta, a0, 0.0) + aux(alpha, beta, a1, r1)


def predictions(T, a0: float, a1: float, r1: float) -> dict:
    """Theory at time scales ``T`` (array): var_h, var_dh (default), var_dh_published; float64."""
    lam = 1.0 - 1.0 / torch.as_tensor(np.asarray(T, dtype=np.float64), dtype=torch.float64)

    def f(al, be):
        return Aux(al, be, a0, a1, r1)

    d_a = grad(f, argnums=0)
    d_ab = grad(d_a, argnums=1)
    val = vmap(f)(lam, lam)
    da = vmap(d_a)(lam, lam)
    dab = vmap(d_ab)(lam, lam)
    chain = (lam * (1 - lam)) ** 2
    return {
        "T": np.asarray(T, dtype=np.float64),
        "lambda": lam.numpy(),
        "var_h": val.numpy(),
        "var_dh": (dab * chain).numpy(),
        "var_dh_published": ((val + 2 * da + dab) * chain).numpy(),
    }


def load_constants(path) -> tuple[float, float, float]:
    """(a0, a1, r1) of the default fit from ``results/data/autocorrelation_fit.json``."""
    path = Path(path)
    try:
        fit = json.loads(path.read_text())["default"]
        return float(fit["a0"]), float(fit["a1"]), float(fit["r1"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(
            f"{path} is missing or corrupt; delete it and rerun the autocorrelation "
            "rule (snakemake fig12)"
        ) from exc
