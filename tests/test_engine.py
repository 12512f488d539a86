"""Population engine: the Gram-matrix training loss equals the sequential recurrences of student and
teacher (values and gradients); determinism; bit-identical resume; divergence masking; CRN."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from curse_of_memory.cell import validate_cell
from curse_of_memory.errors import ConfigError
from curse_of_memory.models import MODELS as MODEL_REGISTRY
from curse_of_memory.models import ModelEntry, build_model
from curse_of_memory.models.linear import LinearRNN
from curse_of_memory.tasks.teacher import make_teacher
from curse_of_memory.train import run_cell
from curse_of_memory.training.engine import Population, config_hash
from curse_of_memory.training.loss import expected_loss_white, gram, quadratic_loss

MODELS = [
    {"name": "rnn", "hidden": 6, "heads": 1},
    {"name": "rnn", "hidden": 6, "heads": 3},
    {"name": "lru", "hidden": 5, "param": "exp", "gamma": "learned"},
    {"name": "lru", "hidden": 5, "param": "reim", "gamma": "none"},
    {"name": "lru", "hidden": 5, "param": "polar", "gamma": "learned"},
    {"name": "s4", "hidden": 5},
]


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-9), (torch.float32, 1e-4)])
@pytest.mark.parametrize("spec", MODELS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_gram_loss_equals_reference_recurrence(spec, dtype, tol):
    """loss_m = 1/2 mean_{b,t} (student_m(x) - teacher(x))^2 with the plain recurrences."""
    T, B, S, K = 40, 6, 2, 3  # members: K groups x S streams (stream index fastest)
    M = K * S
    teacher = make_teacher(0.8, 3.14, "default", seed=7, n=4)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(S, B, T, generator=g, dtype=torch.float64)
    y_teacher = torch.from_numpy(teacher.outputs(x.numpy()))  # (S, B, T) sequential numpy float64
    model = build_model(spec, members=M, seeds=list(range(M)), init={"r_min": 0.6}, dtype=dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn(p.shape, generator=g, dtype=torch.float64).to(dtype))
    xs = x.to(dtype)[torch.arange(M) % S][..., None]  # (M, B, T, 1)
    yhat = model.forward_reference(xs)[..., 0]
    ref = 0.5 * ((yhat - y_teacher.to(dtype)[torch.arange(M) % S]) ** 2).mean(dim=(1, 2))
    g_ref = torch.autograd.grad(ref.sum(), list(model.parameters()))
    k_t = torch.from_numpy(teacher.kernel(T)).to(dtype)
    fast = quadratic_loss(model.impulse_response(T)[:, :, 0, 0] - k_t, gram(x.to(dtype)), B)
    g_fast = torch.autograd.grad(fast.sum(), list(model.parameters()))
    assert float(((fast - ref).abs() / ref.abs()).detach().max()) < tol
    for a, b in zip(g_fast, g_ref):
        assert float((a - b).abs().max() / b.abs().max()) < tol


@pytest.mark.parametrize(
    "spec", [{"name": "rnn", "hidden": 64}, {"name": "lru", "hidden": 64}], ids=["rnn", "lru"]
)
def test_paper_scale_loss_matches_recurrence(spec):
    """T = 300, nu0 = 0.99, N = 64, the cell's own teacher and init: float64 fast loss and gradients
    equal the sequential recurrences (1e-9), and float32 stays within 1e-4 of float64."""
    base = _cell(
        model=spec, task={"T": 300, "batch": 8}, points=[{"nu0": 0.99}], lrs=[0.01], seeds=[0]
    )
    p64 = Population(validate_cell(dict(base, dtype="float64")), torch.device("cpu"))
    p32 = Population(validate_cell(dict(base, dtype="float32")), torch.device("cpu"))
    x = p64.batch(p64.gens)
    l64 = quadratic_loss(p64.error_kernel(), gram(x), 8)
    g64 = torch.autograd.grad(l64.sum(), p64.params)
    task = p64.c["task"]  # the cell's teacher: the task's default teacher_seed and teacher_hidden
    teacher = make_teacher(
        0.99, 3.14, "default", seed=task["teacher_seed"], n=task["teacher_hidden"]
    )
    y_t = torch.from_numpy(teacher.outputs(x.numpy()))
    ref = 0.5 * ((p64.model.forward_reference(x[..., None])[..., 0] - y_t) ** 2).mean((1, 2))
    gref = torch.autograd.grad(ref.sum(), p64.params)
    assert float(((l64 - ref) / ref).abs().detach().max()) < 1e-9
    for a, b in zip(g64, gref):
        assert float((a - b).abs().max() / b.abs().max()) < 1e-9
    l32 = quadratic_loss(p32.error_kernel(), gram(x.float()), 8)
    g32 = torch.autograd.grad(l32.sum(), p32.params)
    assert float(((l32.double() - l64) / l64).abs().detach().max()) < 1e-4
    for a, b in zip(g32, g64):
        assert float((a.double() - b).abs().max() / b.abs().max()) < 1e-4


def test_expected_loss_white_is_mean_of_gram_loss():
    """E[G] = B diag(T - tau) for unit white noise: the closed form is the quadratic form with
    E[G]."""
    T, B = 30, 4
    e = torch.randn(3, T, dtype=torch.float64)
    EG = (B * torch.diag(T - torch.arange(T, dtype=torch.float64)))[None]
    assert torch.allclose(expected_loss_white(e), quadratic_loss(e, EG, B), rtol=1e-12)
    # and a Monte-Carlo check of E[G] itself
    x = torch.randn(4000, B, T, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    Gm = gram(x).mean(0) / B
    assert torch.allclose(torch.diagonal(Gm), (T - torch.arange(T)).double(), rtol=0.05)
    assert float(Gm.fill_diagonal_(0).abs().max()) < 0.5


def _cell(**kw):
    c = {
        "experiment": "test",
        "cell": "c",
        "model": {"name": "lru", "hidden": 6},
        "optimizer": {"name": "adam"},
        "schedule": {"name": "cosine"},
        "task": {"T": 30, "batch": 8, "teacher_hidden": 4},
        "points": [{"nu0": 0.9, "theta0": 3.14}],
        "lrs": [0.01, 0.003],
        "seeds": [0, 1],
        "steps": 30,
        "steps_per_epoch": 5,
        "validation_batches": 3,
        "checkpoint_every": 1,
        "device": "cpu",
        "dtype": "float32",
    }
    c.update(kw)
    return c


def _read(d):
    return (
        pd.read_parquet(d / "metrics.parquet"),
        pd.read_parquet(d / "elr.parquet"),
        torch.load(d / "final.pt", weights_only=True),
    )


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    for n in a[2]["params"]:
        assert torch.equal(a[2]["params"][n], b[2]["params"][n])


def test_muon_needs_a_model_with_recurrent_matrices():
    with pytest.raises(ConfigError) as exc:
        validate_cell(_cell(model={"name": "s4", "hidden": 4}, optimizer={"name": "muon"}))
    assert str(exc.value) == (
        "optimizer.name: muon needs recurrent matrices; model s4 has none; "
        "allowed: adam, adamw, sgd, sgd_momentum, adafactor (or model rnn)"
    )


def test_one_entry_registers_a_model(monkeypatch):
    """A new architecture is one registry entry: validation, construction, the task-point init and
    the optimizer checks all read it."""

    def ring_init(point, remap):
        return {
            "nu_min": point["nu0"],
            "nu_max": 1.0,
            "theta0": point["theta0"],
            "remap": remap,
        }

    entry = ModelEntry(LinearRNN, {"heads": 1}, MODEL_REGISTRY["rnn"].check, ring_init)
    monkeypatch.setitem(MODEL_REGISTRY, "ring_rnn", entry)
    c = validate_cell(_cell(model={"name": "ring_rnn", "hidden": 4}, optimizer={"name": "muon"}))
    assert c["model"] == {"name": "ring_rnn", "hidden": 4, "heads": 1}
    pop = Population(c, torch.device("cpu"))
    assert float(pop.model.eigenvalues().abs().min()) >= 0.9 - 1e-6  # the entry's ring [nu0, 1]
    loss, _ = pop.train_step()
    assert torch.isfinite(loss).all()
    with pytest.raises(ConfigError) as exc:
        validate_cell(_cell(model={"name": "s4", "hidden": 4}, optimizer={"name": "muon"}))
    assert str(exc.value).endswith("(or model rnn, ring_rnn)")


@pytest.mark.parametrize(
    "model,opt",
    [
        ({"name": "lru", "hidden": 6}, {"name": "adam"}),
        ({"name": "rnn", "hidden": 6, "heads": 2}, {"name": "muon"}),
        ({"name": "s4", "hidden": 4}, {"name": "adafactor"}),
    ],
)
def test_resume_is_bit_identical(tmp_path, model, opt):
    cell = _cell(model=model, optimizer=opt)
    full = tmp_path / "full"
    run_cell(cell, full, state_dir=tmp_path / "s_full")
    assert not (tmp_path / "s_full").exists()  # removed after success
    part, sdir = tmp_path / "part", tmp_path / "s_part"
    with pytest.raises(Exception, match="17"):
        run_cell(cell, part, state_dir=sdir, stop_after_step=17, stop_mode="raise")
    assert (sdir / "state.pt").exists() and not part.exists()  # nothing half-written
    st = torch.load(sdir / "state.pt", weights_only=True)
    assert st["step"] == 15  # last checkpoint before the stop
    logs = []
    run_cell(cell, part, state_dir=sdir, log=logs.append)
    assert any("from epoch 3 (step 15)" in m for m in logs)  # it really resumed
    _assert_same(_read(full), _read(part))
    assert not sdir.exists()


def test_resume_uses_the_saved_state(tmp_path):
    """A tampered state changes the result: the resumed run does not silently restart."""
    cell = _cell()
    run_cell(cell, tmp_path / "full", state_dir="none")
    sdir = tmp_path / "s"
    with pytest.raises(Exception):
        run_cell(cell, tmp_path / "part", state_dir=sdir, stop_after_step=12, stop_mode="raise")
    st = torch.load(sdir / "state.pt", weights_only=True)
    st["model"]["D"] += 0.1
    torch.save(st, sdir / "state.pt")
    run_cell(cell, tmp_path / "part", state_dir=sdir)
    a, b = _read(tmp_path / "full")[0], _read(tmp_path / "part")[0]
    assert a[a.epoch <= 2].train_loss.equals(b[b.epoch <= 2].train_loss)
    assert not a[a.epoch == 6].train_loss.equals(b[b.epoch == 6].train_loss)


def test_determinism_and_config_hash(tmp_path):
    cell = _cell()
    run_cell(cell, tmp_path / "a", state_dir="none")
    run_cell(cell, tmp_path / "b", state_dir="none")
    _assert_same(_read(tmp_path / "a"), _read(tmp_path / "b"))
    assert config_hash(cell) == config_hash(dict(cell, device="auto"))
    assert config_hash(cell) != config_hash(dict(cell, lrs=[0.01, 0.002]))


def test_outputs_schema(tmp_path):
    s = run_cell(
        _cell(points=[{"nu0": 0.9}, {"nu0": 0.5, "theta0": 1.0}]), tmp_path / "o", state_dir="none"
    )
    m, e, f = _read(tmp_path / "o")
    assert {
        "member",
        "nu0",
        "theta0",
        "lr",
        "seed",
        "epoch",
        "train_loss",
        "grad_norm",
        "param_norm",
        "diverged",
        "expected_loss",
    } <= set(m.columns)
    assert len(m) == 8 * 6 and set(m.epoch) == set(range(1, 7))
    assert set(e.group) == {"omega_nu", "omega_theta", "gamma", "B_re", "B_im", "C_re", "C_im", "D"}
    assert {"mean", "std", "min", "nonpos_frac"} <= set(e.columns)
    assert f["elr"]["omega_nu"].shape == (8, 6) and f["params"]["lam_raw"].shape == (8, 2, 6)
    assert len(s["members"]) == 8 and s["members"][5]["theta0"] == 1.0
    # final train loss = mean of the last epoch's step losses; members ordered point, lr, seed
    assert [mm["seed"] for mm in s["members"][:4]] == [0, 1, 0, 1]
    assert [mm["lr"] for mm in s["members"][:4]] == [0.01, 0.01, 0.003, 0.003]
    last = m[m.epoch == 6].sort_values("member").train_loss.to_numpy()
    assert np.allclose(last, [mm["final_train_loss"] for mm in s["members"]])
    assert all(math.isfinite(mm["validation_loss"]) for mm in s["members"])


def test_training_reduces_loss(tmp_path):
    run_cell(
        _cell(steps=100, steps_per_epoch=25, schedule={"name": "constant"}, lrs=[0.03], seeds=[0]),
        tmp_path / "o",
        state_dir="none",
    )
    m, e, _ = _read(tmp_path / "o")
    assert m.train_loss.iloc[-1] < 0.5 * m.train_loss.iloc[0]


def test_divergence_is_masked_and_recorded(tmp_path):
    cell = _cell(
        model={"name": "lru", "hidden": 6, "param": "reim", "gamma": "none"},
        optimizer={"name": "sgd"},
        lrs=[1e-3, 1e4],
        seeds=[0],
        schedule={"name": "constant"},
    )
    s = run_cell(cell, tmp_path / "o", state_dir="none")
    assert s["diverged_members"] == [1] and s["members"][1]["diverged_step"] is not None
    assert s["members"][1]["final_train_loss"] is None  # NaN -> null in JSON
    m = pd.read_parquet(tmp_path / "o" / "metrics.parquet")
    assert m[m.member == 1].diverged.iloc[-1] and not m[m.member == 0].diverged.any()
    assert m[m.member == 1].diverged_step.iloc[-1] == s["members"][1]["diverged_step"]
    assert (m[m.member == 0].diverged_step == -1).all()
    alone = run_cell(dict(cell, lrs=[1e-3]), tmp_path / "p", state_dir="none")
    assert math.isclose(
        alone["members"][0]["final_train_loss"], s["members"][0]["final_train_loss"], rel_tol=1e-6
    )


def test_large_finite_gradient_is_not_divergence():
    """The complex-diagonal cell (reim, no gamma) of Fig 3B at nu0 = 0.99 and lr 0.1: after one Adam
    step its loss is ~1e29 and its gradient norm ~1e32, both finite, although the float32 sum of
    squared gradient entries overflows.  Such members keep training; they are not 'diverged'."""
    c = _cell(
        model={"name": "lru", "hidden": 64, "param": "reim", "gamma": "none"},
        task={"T": 300, "batch": 128, "teacher_hidden": 10},
        points=[{"nu0": 0.99, "theta0": 3.14}],
        lrs=[0.1],
        seeds=[0, 1],
        steps=10000,
        steps_per_epoch=100,
    )
    pop = Population(validate_cell(c), torch.device("cpu"))
    pop.train_step()
    loss, gnorm = pop.train_step()
    assert float(loss.min()) > 1e20  # the regime of the bug: sum of squares > float32 max
    assert float(gnorm.min()) ** 2 > torch.finfo(torch.float32).max
    assert torch.isfinite(loss).all() and torch.isfinite(gnorm).all()
    assert pop.active.all() and (pop.diverged_step == -1).all()


def test_non_finite_gradient_entry_is_divergence():
    """One non-finite gradient entry (loss still finite) freezes exactly that member."""
    pop = Population(validate_cell(_cell(lrs=[0.01], seeds=[0, 1])), torch.device("cpu"))
    orig = torch.autograd.grad

    def poisoned(total, params, **kw):
        grads = [g.clone() for g in orig(total, params, **kw)]
        grads[0][1].reshape(-1)[0] = float("inf")  # member 1, one entry
        return tuple(grads)

    torch.autograd.grad = poisoned
    try:
        loss, _ = pop.train_step()
    finally:
        torch.autograd.grad = orig
    assert torch.isfinite(loss).all()
    assert pop.active.tolist() == [True, False] and pop.diverged_step.tolist() == [-1, 0]


def test_common_random_numbers_and_teacher_independence():
    c = validate_cell(_cell(points=[{"nu0": 0.9}, {"nu0": 0.5}], lrs=[0.1, 0.01], seeds=[3, 4]))
    pop = Population(c, torch.device("cpu"))
    B = pop.model.B_re.detach()
    # members (point, lr, seed): 0=(0,0,3) 1=(0,0,4) 2=(0,1,3) 6=(1,1,3)
    assert torch.equal(B[0], B[2]) and torch.equal(B[0], B[6]) and not torch.equal(B[0], B[1])
    assert torch.equal(pop.model.lam_raw[0], pop.model.lam_raw[2])
    assert not torch.equal(pop.model.lam_raw[0], pop.model.lam_raw[6])  # ring depends on nu0
    seed, n = c["task"]["teacher_seed"], c["task"]["teacher_hidden"]  # the cell's teacher
    t1 = make_teacher(0.9, 3.14, "default", seed=seed, n=n)
    assert np.allclose(pop.k_teacher[0].double().numpy(), t1.kernel(30), rtol=1e-6)
    assert np.allclose(
        pop.k_teacher[4].double().numpy(),
        make_teacher(0.5, 3.14, "default", seed=seed, n=n).kernel(30),
        rtol=1e-6,
    )
