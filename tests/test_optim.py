"""Vectorised optimizers follow torch.optim member by member (100 steps, 1e-6 relative); the
effective-LR probe is the METHODS §1.5 formula; schedules."""

import math

import pytest
import torch

from curse_of_memory.errors import ConfigError
from curse_of_memory.training import schedule as S
from curse_of_memory.training.optim import (
    OPTIMIZERS,
    OptimizerEntry,
    PopulationOptimizer,
    SGDMomentum,
    validate_optimizer_spec,
)

M = 3
LRS = torch.tensor([0.01, 0.003, 0.03], dtype=torch.float64)


def _init_params():
    g = torch.Generator().manual_seed(0)
    return {
        "A": torch.randn(M, 2, 3, 3, generator=g, dtype=torch.float64) * 0.5,  # blocks (M, H, m, m)
        "B": torch.randn(M, 4, 2, generator=g, dtype=torch.float64),
        "v": torch.randn(M, 5, generator=g, dtype=torch.float64),
    }


def _loss(p):
    """Per-member loss (sum over members is separable)."""
    return (
        ((p["A"] - 0.3) ** 2).sum()
        + 0.1 * (p["A"] ** 4).sum()
        + (torch.sin(p["B"]) * p["B"]).sum()
        + ((p["v"] - 1) ** 2 * torch.arange(1, 6)).sum()
        + (p["A"].sum() * p["B"].sum()) * 0.01
    )


def _run_population(spec, steps=100):
    params = {k: v.clone() for k, v in _init_params().items()}
    named = [(k, params[k]) for k in ("A", "B", "v")]
    opt = PopulationOptimizer(spec, named, recurrent_matrices=("A",))
    mask = torch.ones(M, dtype=torch.bool)
    for _ in range(steps):
        ps = {k: v.clone().requires_grad_(True) for k, v in params.items()}
        # per-member losses: evaluate member-wise so that cross terms stay within a member
        tot = sum(_loss({k: ps[k][m : m + 1] for k in ps}) for m in range(M))
        grads = torch.autograd.grad(tot, [ps[k] for k in ("A", "B", "v")])
        opt.step(list(grads), LRS, mask)
    return params, opt


def _run_torch(name, spec, m, steps=100):
    base = _init_params()
    lr = float(LRS[m])
    if name == "muon":
        blocks = [base["A"][m, h].clone().requires_grad_(True) for h in range(base["A"].shape[1])]
        others = [base[k][m].clone().requires_grad_(True) for k in ("B", "v")]
        opts = [
            torch.optim.Muon(blocks, lr=lr, weight_decay=0.0, adjust_lr_fn="match_rms_adamw"),
            torch.optim.Adam(others, lr=lr),
        ]
        get = lambda: {"A": torch.stack(blocks)[None], "B": others[0][None], "v": others[1][None]}  # noqa: E731
        tensors = blocks + others
    else:
        tensors = [base[k][m].clone().requires_grad_(True) for k in ("A", "B", "v")]
        kw = {k: v for k, v in spec.items() if k != "name"}
        cls = {
            "adam": torch.optim.Adam,
            "adamw": torch.optim.AdamW,
            "sgd": torch.optim.SGD,
            "sgd_momentum": torch.optim.SGD,
            "adafactor": torch.optim.Adafactor,
        }[name]
        if name == "sgd_momentum":
            kw.setdefault("momentum", 0.9)
        opts = [cls(tensors, lr=lr, **kw)]
        get = lambda: {k: t[None] for k, t in zip(("A", "B", "v"), tensors)}  # noqa: E731
    for _ in range(steps):
        for o in opts:
            o.zero_grad()
        _loss(get()).backward()
        for o in opts:
            o.step()
    return {k: v[0].detach() for k, v in get().items()}


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd", "sgd_momentum", "adafactor", "muon"])
def test_matches_torch_optim(name):
    spec = {"name": name}
    pop, _ = _run_population(spec)
    for m in range(M):
        ref = _run_torch(name, spec, m)
        for k in ref:
            rel = float((pop[k][m] - ref[k]).abs().max() / ref[k].abs().max())
            assert rel < 1e-6, (name, m, k, rel)
            assert not torch.equal(pop[k][m], _init_params()[k][m])  # it did move


def test_adam_probe_formula():
    pop, opt = _run_population({"name": "adam"}, steps=7)
    lr = LRS * 0.5
    e = opt.probe(lr)
    b1, b2, eps, s = 0.9, 0.999, 1e-8, 7
    for p, m, v, ei in zip(opt.params, opt.algorithm.adam.m, opt.algorithm.adam.v, e):
        lr_b = lr.reshape(-1, *([1] * (p.dim() - 1)))
        num = (b1 * m + (1 - b1)) / (1 - b1 ** (s + 1))
        den = ((b2 * v + (1 - b2)) / (1 - b2 ** (s + 1))).sqrt() + eps
        assert torch.allclose(ei, lr_b * num / den, rtol=1e-12, atol=0)
    # the probe is a virtual step: state and params are unchanged, and it equals a committed update
    before = [p.clone() for p in opt.params]
    state = [t.clone() for t in opt.algorithm.adam.m]
    e = opt.probe(lr)
    opt.step([torch.ones_like(p) for p in opt.params], lr, torch.ones(M, dtype=torch.bool))
    for b, p, ei in zip(before, opt.params, e):
        assert torch.allclose(b - p, ei, rtol=1e-9, atol=1e-15)
    assert all(not torch.equal(a, b) for a, b in zip(state, opt.algorithm.adam.m))


def test_probe_at_step_zero_and_ceiling():
    p = torch.zeros(2, 4, dtype=torch.float64)
    opt = PopulationOptimizer({"name": "adam"}, [("p", p)])
    lr = torch.tensor([1e-3, 1e-2], dtype=torch.float64)
    e = opt.probe(lr)[0]
    assert torch.allclose(e[:, 0], lr / (1 + 1e-8))


def test_mask_freezes_members():
    p = torch.ones(3, 2, dtype=torch.float64)
    opt = PopulationOptimizer({"name": "adam"}, [("p", p)])
    opt.step(
        [torch.ones_like(p)],
        torch.full((3,), 0.1, dtype=torch.float64),
        torch.tensor([True, False, True]),
    )
    assert torch.equal(p[1], torch.ones(2, dtype=torch.float64)) and (p[0] < 1).all()


def test_muon_needs_recurrent_matrices():
    with pytest.raises(ConfigError, match="optimizer.name"):
        PopulationOptimizer({"name": "muon"}, [("p", torch.zeros(2, 3))], recurrent_matrices=())


@pytest.mark.parametrize(
    "spec,field",
    [
        ({"name": "adagrad"}, "optimizer.name"),
        ({"name": "adam", "momentum": 0.9}, "optimizer.momentum"),
        ({"name": "adamw", "weight_decay": "x"}, "optimizer.weight_decay"),
    ],
)
def test_bad_optimizer_specs(spec, field):
    with pytest.raises(ConfigError) as exc:
        validate_optimizer_spec(spec)
    assert str(exc.value).startswith(field)


@pytest.mark.parametrize(
    "spec,message",
    [
        (
            {"name": "adagrad"},
            "optimizer.name: unknown optimizer 'adagrad'; "
            "allowed: adam, adamw, sgd, sgd_momentum, adafactor, muon",
        ),
        (
            {"name": "adam", "momentum": 0.9},
            "optimizer.momentum: unknown option for adam; allowed: beta1, beta2, eps",
        ),
        ({"name": "sgd", "lr": 1}, "optimizer.lr: unknown option for sgd; allowed: (no options)"),
        (
            {"name": "adamw", "weight_decay": "x"},
            "optimizer.weight_decay: 'x' is not a number; allowed: a finite number",
        ),
        (
            {"name": "muon", "adjust_lr_fn": "x"},
            "optimizer.adjust_lr_fn: unknown value 'x'; allowed: original, match_rms_adamw",
        ),
    ],
)
def test_bad_optimizer_messages(spec, message):
    with pytest.raises(ConfigError) as exc:
        validate_optimizer_spec(spec)
    assert str(exc.value) == message


def test_muon_refusal_message():
    with pytest.raises(ConfigError) as exc:
        PopulationOptimizer({"name": "muon"}, [("p", torch.zeros(2, 3))], recurrent_matrices=())
    assert str(exc.value) == (
        "optimizer.name: muon needs a model with recurrent matrices; allowed: "
        "use muon with model rnn; adam, adamw, sgd, sgd_momentum, adafactor "
        "otherwise"
    )


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_dict_round_trip(name):
    """Every registered optimizer resumes exactly: a copy loaded from the state after 3 steps takes
    the same next 3 steps."""

    def make():
        params = {k: v.clone() for k, v in _init_params().items()}
        named = [(k, params[k]) for k in ("A", "B", "v")]
        return params, PopulationOptimizer({"name": name}, named, recurrent_matrices=("A",))

    mask = torch.ones(M, dtype=torch.bool)
    g = torch.Generator().manual_seed(5)
    shapes = [p.shape for p in _init_params().values()]
    grads = [[torch.randn(s, generator=g, dtype=torch.float64) for s in shapes] for _ in range(6)]
    pa, a = make()
    for gr in grads[:3]:
        a.step(gr, LRS, mask)
    pb, b = make()
    for k in pb:
        pb[k].copy_(pa[k])
    b.load_state_dict(a.state_dict())
    for gr in grads[3:]:
        a.step(gr, LRS, mask)
        b.step(gr, LRS, mask)
    assert all(torch.equal(pa[k], pb[k]) for k in pa)
    assert all(torch.equal(x, y) for x, y in zip(a.probe(LRS), b.probe(LRS)))
    with pytest.raises(ValueError):
        b.load_state_dict({**a.state_dict(), "not_a_state": []})


def test_one_entry_registers_an_optimizer(monkeypatch):
    """A new optimizer is one registry entry: validation, construction and the error lists
    follow."""
    monkeypatch.setitem(OPTIMIZERS, "heavy_ball", OptimizerEntry(SGDMomentum, {"momentum": 0.5}))
    assert validate_optimizer_spec({"name": "heavy_ball", "momentum": 0.7})["momentum"] == 0.7
    with pytest.raises(ConfigError, match="heavy_ball"):
        validate_optimizer_spec({"name": "nope"})
    p = torch.ones(2, 3, dtype=torch.float64)
    opt = PopulationOptimizer({"name": "heavy_ball"}, [("p", p)])
    for _ in range(2):
        opt.step(
            [torch.ones_like(p)],
            torch.full((2,), 0.1, dtype=torch.float64),
            torch.ones(2, dtype=torch.bool),
        )
    assert torch.allclose(p, torch.full_like(p, 1 - 0.1 - 0.1 * 1.5))


def test_cosine_schedule():
    spec = S.validate_schedule_spec({"name": "cosine"}, 100)
    base = torch.tensor([0.1])
    assert float(S.lr_at(spec, 0, 100, base)) == pytest.approx(0.1)
    assert float(S.lr_at(spec, 50, 100, base)) == pytest.approx(1e-7 + (0.1 - 1e-7) * 0.5)
    assert float(S.lr_at(spec, 100, 100, base)) == pytest.approx(1e-7)
    assert float(S.lr_at(spec, 150, 100, base)) == pytest.approx(1e-7)
    w = S.validate_schedule_spec({"name": "cosine", "warmup": 10}, 100)
    assert float(S.lr_at(w, 0, 100, base)) == pytest.approx(0.01)
    assert float(S.lr_at(w, 10, 100, base)) == pytest.approx(0.1)
    c = S.validate_schedule_spec({"name": "constant"}, 100)
    assert float(S.lr_at(c, 77, 100, base)) == pytest.approx(0.1)
    with pytest.raises(ConfigError, match="schedule.name"):
        S.validate_schedule_spec({"name": "linear"}, 100)
    assert math.isclose(S.lr_at(spec, 1, 2, base).item(), 1e-7 + (0.1 - 1e-7) * 0.5, rel_tol=1e-6)
