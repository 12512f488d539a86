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

Conventions (METHODS §1.1): h_0 = 0, h_t = Lambda h_{t-1} + B~ x_t, y_t = Re(C h_t) + D x_t, t = 1..T.

Registry names and spec keys (``build_model(spec, ...)``)
--------------------------------------------------------
``rnn``  (class ``LinearRNN``, METHODS §2.1): ``hidden`` N, ``heads`` H (default 1 = dense RNN;
         N % H == 0).  Parameters in order:
         ``A`` (M, H, m, m), ``B`` (M, N, d_in), ``C`` (M, d_out, N), ``D`` (M, d_out, d_in).
         With H = 1, ``A[0, 0]`` is the full N x N matrix (flatten row-major: A_ij at i*N + j).
         Init per member: per head M ~ N(0, 1/m), eigen-remapped with nu_min = 0, nu_max = 1
         (init keys ``nu_min``, ``nu_max``, ``theta0``, ``remap`` = default | published);
         B, C, D LeCun-normal (truncated, std 1/sqrt(fan_in)).
``lru``  (class ``LRU``, METHODS §2.2-2.3): ``hidden`` N, ``param`` exp | polar | reim (default exp),
         ``gamma`` learned | none (default learned), ``gamma_init`` default | published (published =
         the original's sqrt(1 - Re(lambda)^2) for reim, METHODS §7 item 5).  Parameters in order:
         ``lam_raw`` (M, 2, N) [row 0 omega_nu | nu | Re lambda; row 1 omega_theta | theta | Im lambda],
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
definition), ``kernel_forward(x)`` (impulse response + FFT convolution), ``impulse_response(T)``,
``eigenvalues()`` (M, N) complex, ``draw_member(generator, **init)`` -> dict of float64 tensors,
``load_member_values(list_of_dicts)``, ``num_parameters_per_member()``, ``param_groups()`` ->
[(group name, parameter name, row index or None)] (the effective-LR groups: lam_raw's two rows
are separate groups).  Diagonal models also have
``lam()``, ``b_tilde()``, ``c_matrix()``, ``d_matrix()``.  The GRU and the deep stack live in
``models.gru`` / ``models.deep`` (other modules).

Member seeding: ``build_model(..., seeds=[s_0, ..., s_{M-1}])`` draws member i from the generator
``models.init.generator(s_i, "init")`` so members sharing a seed share their draws (common random
numbers); ``init`` is one dict for all members or a list of M dicts (e.g. one ring per task point).
"""

from __future__ import annotations

import torch

from curse_of_memory.errors import ConfigError, registered_name
from curse_of_memory.models import init as _init
from curse_of_memory.models.linear import LRU, S4, LinearRNN, PopulationModel, LRU_GAMMAS, LRU_PARAMS

MODEL_NAMES = ("rnn", "lru", "s4")

_KEYS = {
    "rnn": {"name", "hidden", "heads"},
    "lru": {"name", "hidden", "param", "gamma", "gamma_init"},
    "s4": {"name", "hidden", "shared_delta", "init"},
}


def validate_model_spec(spec: dict, field: str = "model") -> dict:
    """Check a model spec; return it with defaults filled in.  Raises ConfigError (one line)."""
    name = registered_name(spec, field, MODEL_NAMES, "model")
    unknown = set(spec) - _KEYS[name]
    if unknown:
        raise ConfigError(f"{field}.{sorted(unknown)[0]}", f"unknown option for model {name}",
                          ", ".join(sorted(_KEYS[name] - {'name'})))
    if "hidden" not in spec:
        raise ConfigError(f"{field}.hidden", "missing", "a positive integer")
    hidden = spec["hidden"]
    if not isinstance(hidden, int) or isinstance(hidden, bool) or hidden < 1:
        raise ConfigError(f"{field}.hidden", f"{hidden!r} is not a positive integer", "1, 2, ...")
    out = dict(spec)
    if name == "rnn":
        heads = out.setdefault("heads", 1)
        if not isinstance(heads, int) or isinstance(heads, bool) or heads < 1 or hidden % heads:
            raise ConfigError(f"{field}.heads", f"{heads!r} does not divide hidden={hidden}",
                              "a positive divisor of hidden")
    elif name == "lru":
        out.setdefault("param", "exp")
        out.setdefault("gamma", "learned")
        out.setdefault("gamma_init", "default")
        if out["param"] not in LRU_PARAMS:
            raise ConfigError(f"{field}.param", f"unknown parametrisation {out['param']!r}",
                              ", ".join(LRU_PARAMS))
        if out["gamma"] not in LRU_GAMMAS:
            raise ConfigError(f"{field}.gamma", f"unknown gamma {out['gamma']!r}", ", ".join(LRU_GAMMAS))
        if out["gamma_init"] not in ("default", "published"):
            raise ConfigError(f"{field}.gamma_init", f"unknown value {out['gamma_init']!r}",
                              "default, published")
    else:
        out.setdefault("shared_delta", False)
        out.setdefault("init", "default")
        if out["init"] not in ("default", "published"):
            raise ConfigError(f"{field}.init", f"unknown value {out['init']!r}", "default, published")
        if not isinstance(out["shared_delta"], bool):
            raise ConfigError(f"{field}.shared_delta", f"{out['shared_delta']!r} is not a boolean",
                              "true, false")
    return out


def build_model(spec: dict, members: int = 1, *, d_in: int = 1, d_out: int = 1,
                seeds: int | list[int] = 0, init: dict | list[dict] | None = None,
                dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu",
                draw: bool = True) -> PopulationModel:
    """Build a population model of ``members`` members from a registry spec (see module doc).

    ``seeds``: one int for all members or a list of M ints; ``init``: draw_member keyword arguments
    (one dict or a list of M dicts).  ``draw=False`` leaves all parameters zero (set them yourself)."""
    spec = validate_model_spec(spec)
    name = spec["name"]
    if name == "rnn":
        model = LinearRNN(members, d_in, spec["hidden"], d_out, heads=spec["heads"], dtype=dtype)
    elif name == "lru":
        model = LRU(members, d_in, spec["hidden"], d_out, param=spec["param"], gamma=spec["gamma"],
                    gamma_init=spec["gamma_init"], dtype=dtype)
    else:
        model = S4(members, d_in, spec["hidden"], d_out, shared_delta=spec["shared_delta"],
                   init=spec["init"], dtype=dtype)
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


__all__ = ["build_model", "validate_model_spec", "MODEL_NAMES", "LinearRNN", "LRU", "S4",
           "PopulationModel"]
