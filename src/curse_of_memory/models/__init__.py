"""Linear recurrent models (METHODS §2), vectorised over a leading *member* dimension M.

Quick use
---------
>>> from curse_of_memory.models import build_model
>>> m = build_model({"name": "lru", "hidden": 64, "param": "exp", "gamma": "learned"},
...                 members=1, d_in=1, d_out=1, seeds=0, init={"r_min": 0.99, "r_max": 1.0,
...                 "theta0": 3.14})
>>> y = m(x)            # x (M, batch, T, d_in) or (1, batch, T, d_in) -> (M, batch, T, d_out)
>>> y = m(x3)           # x3 (batch, T, d_in) is accepted for M = 1 -> (batch, T, d_out)
>>> k = m.impulse_response(T)   # (M, T, d_out, d_in), D included at tau = 0

Conventions (METHODS §1.1): h_0 = 0, h_t = Lambda h_{t-1} + B~ x_t, y_t = Re(C h_t) + D x_t,
t = 1..T.

Registry names and spec keys (``build_model(spec, ...)``; one ``MODELS`` entry each, below)
------------------------------------------------------------------------------------------
``rnn``  (class ``LinearRNN``, METHODS §2.1): ``hidden`` N, ``heads`` H (default 1 = dense RNN;
         N % H == 0).  Parameters in order:
         ``A`` (M, H, m, m), ``B`` (M, N, d_in), ``C`` (M, d_out, N), ``D`` (M, d_out, d_in).
         With H = 1, ``A[0, 0]`` is the full N x N matrix (flatten row-major: A_ij at i*N + j).
         Init per member: per head M ~ N(0, 1/m), eigen-remapped with nu_min = 0, nu_max = 1
         (init keys ``nu_min``, ``nu_max``, ``theta0``, ``remap`` = default | published);
         B, C, D LeCun-normal (truncated, std 1/sqrt(fan_in)).
``lru``  (class ``LRU``, METHODS §2.2-2.3): ``hidden`` N, ``param`` exp | polar | reim
         (default exp), ``gamma`` learned | none (default learned), ``gamma_init`` default |
         published (published = the original's sqrt(1 - Re(lambda)^2) for reim, METHODS §7
         item 5).  Parameters in order:
         ``lam_raw`` (M, 2, N) [row 0 omega_nu | nu | Re lambda;
                                row 1 omega_theta | theta | Im lambda],
         ``gamma`` (M, N) [only when learned; stores log gamma for exp],
         ``B_re``, ``B_im`` (M, N, d_in), ``C_re``, ``C_im`` (M, d_out, N), ``D`` (M, d_out, d_in).
         "LRU" = exp + learned; "cRNN" (complex diagonal) = reim + none.
         Init: ring [r_min, r_max] with phases U[-theta0, theta0] mod 2 pi (init keys ``r_min``,
         ``r_max``, ``theta0``); B, C, D by the matrix-init rule N(0,1)/sqrt(first stored dim).
``s4``   (class ``S4``, METHODS §2.4): ``hidden`` N states per channel, ``shared_delta`` (default
         False), ``init`` default | published (METHODS §7 item 7); channels D_m = d_in = d_out.
         Parameters in order: ``A_re``, ``A_im`` (M, D_m, N), ``delta_raw`` (M, N) [(M, 1) shared],
         ``B_re``, ``B_im``, ``C_re``, ``C_im`` (M, D_m, N), ``D`` (M, D_m).
         Init: |lambda| uniform-in-area on [r_min, r_max]; Delta = -log nu, A_re = -1,
         A_im = theta / Delta with theta ~ U[0, 2 pi).  (shared_delta: Delta = 0.01,
         A_re = log(nu)/Delta.)

Every parameter is a real ``nn.Parameter`` with leading dim M; ``model.named_parameters()`` yields
them in the order above (use it for flattening, e.g. with ``torch.func.functional_call``:
``functional_call(model, {name: tensor}, (x,))``).  Complex numbers are intermediates only.

Common methods: ``forward(x)`` (fast path), ``forward_reference(x)`` (sequential recurrence, the
definition), ``impulse_response(T)``, ``eigenvalues()`` (M, N) complex,
``draw_member(generator, **init)`` -> dict of float64 tensors,
``load_member_values(list_of_dicts)``, ``param_groups()`` -> [(group name, parameter name, row
index or None)] (the effective-LR groups: lam_raw's two rows are separate groups).  Diagonal
models also have ``lam()``, ``b_tilde()``, ``c_matrix()``, ``d_matrix()``.  The GRU and the deep
stack live in ``models.gru`` / ``models.deep`` (other modules).

Member seeding: ``build_model(..., seeds=[s_0, ..., s_{M-1}])`` draws member i from the generator
``models.init.generator(s_i, "init")`` so members sharing a seed share their draws (common random
numbers); ``init`` is one dict for all members or a list of M dicts (e.g. one ring per task point).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from curse_of_memory.errors import ConfigError, registered_name
from curse_of_memory.models import init as _init
from curse_of_memory.models.linear import (
    LRU,
    LRU_GAMMAS,
    LRU_PARAMS,
    S4,
    S4_INITS,
    LinearRNN,
    PopulationModel,
)


@dataclass(frozen=True)
class ModelEntry:
    """One registered architecture (a value of ``MODELS``; its key is the spec's ``name``).

    ``cls``: the PopulationModel subclass, built as
    ``cls(members, d_in, hidden, d_out, **options, dtype=dtype)``.
    ``options``: its spec keys besides ``name`` and ``hidden`` (every model has ``hidden``), with
    their defaults; validate_model_spec rejects other keys and fills the defaults in, in this order.
    ``check(spec, field)``: validates the option values of a spec whose defaults are filled in
    (raises a one-line ConfigError naming ``field.<key>``).
    ``point_init(point, remap)``: the ``draw_member`` keywords of a member trained at a task point
    ``{nu0, theta0}`` of a task with eigenvalue remap ``remap`` (METHODS §2, §3.2).
    ``at_system(spec, system, modal, **options)`` (optional; the Hessians at the optimum, METHODS
    §5): the parameter values (float64 numpy, by parameter name, without the member dimension) of
    one member equal to the real linear system ``system`` (arrays ``A, B, C, D``) whose complex
    diagonal form is ``modal`` = (d, V⁻¹B, CV); ``options`` are its own placement settings."""

    cls: type[PopulationModel]
    options: dict
    check: Callable[[dict, str], None]
    point_init: Callable[[dict, str], dict]
    at_system: Callable[..., dict] | None = None

    @property
    def has_recurrent_matrices(self) -> bool:
        """Whether its parameters include square recurrent matrices (for matrix optimizers)."""
        return bool(self.cls.recurrent_matrices)


def _one_of(spec: dict, field: str, key: str, allowed, problem: str) -> None:
    if spec[key] not in allowed:
        raise ConfigError(f"{field}.{key}", f"{problem} {spec[key]!r}", ", ".join(allowed))


def _check_rnn(spec: dict, field: str) -> None:
    heads, hidden = spec["heads"], spec["hidden"]
    if not isinstance(heads, int) or isinstance(heads, bool) or heads < 1 or hidden % heads:
        raise ConfigError(
            f"{field}.heads",
            f"{heads!r} does not divide hidden={hidden}",
            "a positive divisor of hidden",
        )


def _check_lru(spec: dict, field: str) -> None:
    _one_of(spec, field, "param", LRU_PARAMS, "unknown parametrisation")
    _one_of(spec, field, "gamma", LRU_GAMMAS, "unknown gamma")
    _one_of(spec, field, "gamma_init", ("default", "published"), "unknown value")


def _check_s4(spec: dict, field: str) -> None:
    _one_of(spec, field, "init", S4_INITS, "unknown value")
    if not isinstance(spec["shared_delta"], bool):
        raise ConfigError(
            f"{field}.shared_delta", f"{spec['shared_delta']!r} is not a boolean", "true, false"
        )


def _rnn_at_system(spec: dict, system, modal) -> dict:
    """A dense RNN (one head) is the system itself: A, B, C, D."""
    if spec["heads"] != 1:
        raise ConfigError("model.heads", f"{spec['heads']} heads cannot hold a dense system", "1")
    return {"A": system.A[None], "B": system.B, "C": system.C, "D": system.D}


def _lru_at_system(spec: dict, system, modal) -> dict:
    """lambda = d in the spec's parametrisation; with a learned gamma = sqrt(1 - |d|^2), B' = b /
    gamma (so that gamma B' = b); C' = c."""
    d, b, c = modal
    theta = np.mod(np.angle(d), 2 * np.pi)
    rows = {
        "exp": (np.log(-np.log(np.abs(d))), np.log(theta)),
        "polar": (np.abs(d), theta),
        "reim": (d.real, d.imag),
    }[spec["param"]]
    out = {"lam_raw": np.stack(rows)}
    if spec["gamma"] == "learned":
        gamma = np.sqrt(1 - np.abs(d) ** 2)
        out["gamma"] = np.log(gamma) if spec["param"] == "exp" else gamma
        b = b / gamma
    return {
        **out,
        "B_re": b.real[:, None],
        "B_im": b.imag[:, None],
        "C_re": c.real[None],
        "C_im": c.imag[None],
        "D": system.D,
    }


def _s4_at_system(
    spec: dict, system, modal, delta: float = 0.01, delta_raw_float32: bool = False
) -> dict:
    """Delta = ``delta`` for every state (stored as softplus^-1 Delta; rounded to float32 with
    ``delta_raw_float32``, as the original stored it, while A and B' use the exact Delta),
    A = (log|d| + i (arg d mod 2 pi)) / Delta, B' = b / Delta, C' = c."""
    if not delta > 0:
        raise ConfigError("hessian.s4_delta", f"must be > 0, got {delta}")
    d, b, c = modal
    theta = np.mod(np.angle(d), 2 * np.pi)
    deltas = np.full(d.shape, float(delta))
    delta_raw = np.log(np.expm1(deltas))
    if delta_raw_float32:
        delta_raw = delta_raw.astype(np.float32).astype(np.float64)
    b = b / deltas
    return {
        "A_re": (np.log(np.abs(d)) / deltas)[None],
        "A_im": (theta / deltas)[None],
        "delta_raw": delta_raw[:1] if spec["shared_delta"] else delta_raw,
        "B_re": b.real[None],
        "B_im": b.imag[None],
        "C_re": c.real[None],
        "C_im": c.imag[None],
        "D": system.D[0],
    }


MODELS: dict[str, ModelEntry] = {
    # METHODS §2.1: nu_min = 0 whatever nu0; phases scaled by theta0 / pi, with the task's remap
    "rnn": ModelEntry(
        LinearRNN,
        {"heads": 1},
        _check_rnn,
        lambda point, remap: {
            "nu_min": 0.0,
            "nu_max": 1.0,
            "theta0": point["theta0"],
            "remap": remap,
        },
        _rnn_at_system,
    ),
    # METHODS §2.3: ring [nu0, 1], phases U[-theta0, theta0]
    "lru": ModelEntry(
        LRU,
        {"param": "exp", "gamma": "learned", "gamma_init": "default"},
        _check_lru,
        lambda point, remap: {"r_min": point["nu0"], "r_max": 1.0, "theta0": point["theta0"]},
        _lru_at_system,
    ),
    # METHODS §2.4: |lambda| on the ring [nu0, 1], phases U[0, 2 pi)
    "s4": ModelEntry(
        S4,
        {"shared_delta": False, "init": "default"},
        _check_s4,
        lambda point, remap: {"r_min": point["nu0"], "r_max": 1.0},
        _s4_at_system,
    ),
}


def with_recurrent_matrices() -> list[str]:
    """Names of the registered models that have recurrent matrices (what muon needs)."""
    return [name for name, entry in MODELS.items() if entry.has_recurrent_matrices]


def validate_model_spec(spec: dict, field: str = "model") -> dict:
    """Check a model spec; return it with defaults filled in.  Raises ConfigError (one line)."""
    name = registered_name(spec, field, tuple(MODELS), "model")
    entry = MODELS[name]
    keys = {"name", "hidden", *entry.options}
    unknown = set(spec) - keys
    if unknown:
        raise ConfigError(
            f"{field}.{sorted(unknown)[0]}",
            f"unknown option for model {name}",
            ", ".join(sorted(keys - {"name"})),
        )
    if "hidden" not in spec:
        raise ConfigError(f"{field}.hidden", "missing", "a positive integer")
    hidden = spec["hidden"]
    if not isinstance(hidden, int) or isinstance(hidden, bool) or hidden < 1:
        raise ConfigError(f"{field}.hidden", f"{hidden!r} is not a positive integer", "1, 2, ...")
    out = dict(spec)
    for key, default in entry.options.items():
        out.setdefault(key, default)
    entry.check(out, field)
    return out


def build_model(
    spec: dict,
    members: int = 1,
    *,
    d_in: int = 1,
    d_out: int = 1,
    seeds: int | list[int] = 0,
    init: dict | list[dict] | None = None,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    draw: bool = True,
) -> PopulationModel:
    """Build a population model of ``members`` members from a registry spec (see module doc).

    ``seeds``: one int for all members or a list of M ints; ``init``: draw_member keyword arguments
    (one dict or a list of M dicts).  ``draw=False`` leaves all parameters zero (set them
    yourself)."""
    spec = validate_model_spec(spec)
    entry = MODELS[spec["name"]]
    model = entry.cls(
        members,
        d_in,
        spec["hidden"],
        d_out,
        dtype=dtype,
        **{key: spec[key] for key in entry.options},
    )
    if draw:
        seeds = [seeds] * members if isinstance(seeds, int) else list(seeds)
        inits = [dict(init or {})] * members if not isinstance(init, list) else list(init)
        if len(seeds) != members or len(inits) != members:
            raise ValueError("seeds/init lists must have one entry per member")
        cache: dict = {}
        values = []
        for s, kw in zip(seeds, inits):
            key = (s, tuple(sorted(kw.items())))
            if key not in cache:
                cache[key] = model.draw_member(_init.generator(s, "init"), **kw)
            values.append(cache[key])
        model.load_member_values(values)
    return model.to(device)


__all__ = [
    "build_model",
    "validate_model_spec",
    "MODELS",
    "ModelEntry",
    "with_recurrent_matrices",
    "LinearRNN",
    "LRU",
    "S4",
    "PopulationModel",
]
