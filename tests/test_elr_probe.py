"""The effective-learning-rate probe (METHODS §1.5) of the core library's vectorised Adam.

Checked (a) against the formula computed by hand from the optimizer state (m, v, step), and
(b) against torch.optim.Adam itself: a copy of a torch Adam that saw the same gradients, stepped
once with a gradient of all ones; e = p_before − p_after.
"""

import copy
import math

import torch

from curse_of_memory.training.optim import PopulationOptimizer

B1, B2, EPS = 0.9, 0.999, 1e-8


def _grads(params, t, gen):
    """A gradient history with members that differ, entries of both signs, some tiny."""
    out = []
    for p in params:
        g = torch.randn(p.shape, generator=gen, dtype=p.dtype) * (1 + 0.5 * math.sin(t))
        g[..., 0] *= 1e-6  # a coordinate with negligible gradients (close to the ceiling)
        out.append(g + 0.3 * p)
    return out


def _run(steps=60):
    gen = torch.Generator().manual_seed(0)
    shapes = {"w": (3, 4, 5), "b": (3, 7)}  # leading member dim M = 3
    params = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes.values()]
    lr = torch.tensor([1e-3, 3e-2, 0.3], dtype=torch.float64)
    opt = PopulationOptimizer({"name": "adam"}, list(zip(shapes, params)))
    # one torch.optim.Adam per member, fed the same gradients
    ref = []
    for m in range(3):
        ps = [p[m].clone().requires_grad_(True) for p in params]
        ref.append((ps, torch.optim.Adam(ps, lr=lr[m].item(), betas=(B1, B2), eps=EPS)))
    mask = torch.ones(3, dtype=torch.bool)
    for t in range(steps):
        grads = _grads(params, t, gen)
        for m, (ps, o) in enumerate(ref):
            for p, g in zip(ps, grads):
                p.grad = g[m].clone()
            o.step()
        opt.step(grads, lr, mask)
    return params, lr, opt, ref


def test_probe_equals_the_formula_from_the_optimizer_state():
    params, lr, opt, _ = _run()
    st = opt.state_dict()
    s = st["step_count"]
    e = opt.probe(lr)
    for p, m, v, got in zip(params, st["adam"]["m"], st["adam"]["v"], e):
        m_hat = (B1 * m + (1 - B1)) / (1 - B1 ** (s + 1))
        v_hat = (B2 * v + (1 - B2)) / (1 - B2 ** (s + 1))
        want = lr.reshape(-1, *[1] * (p.dim() - 1)) * m_hat / (torch.sqrt(v_hat) + EPS)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=0)


def test_probe_equals_a_virtual_torch_adam_step_with_unit_gradient_and_commits_nothing():
    params, lr, opt, ref = _run()
    before = [p.clone() for p in params]
    state_before = copy.deepcopy(opt.state_dict())
    e = opt.probe(lr)
    for m, (ps, o) in enumerate(ref):
        # the torch reference follows the same trajectory
        for p, q in zip(params, ps):
            torch.testing.assert_close(p[m], q.detach(), rtol=1e-10, atol=1e-12)
        virt_ps = [q.detach().clone().requires_grad_(True) for q in ps]
        virt = torch.optim.Adam(virt_ps, lr=lr[m].item(), betas=(B1, B2), eps=EPS)
        virt.load_state_dict(copy.deepcopy(o.state_dict()))
        for q in virt_ps:
            q.grad = torch.ones_like(q)
        old = [q.detach().clone() for q in virt_ps]
        virt.step()
        for k, (q0, q1) in enumerate(zip(old, virt_ps)):
            torch.testing.assert_close(e[k][m], q0 - q1.detach(), rtol=1e-8, atol=1e-15)
    # not committed
    for p, p0 in zip(params, before):
        torch.testing.assert_close(p, p0, rtol=0, atol=0)
    assert opt.state_dict()["step_count"] == state_before["step_count"]
    for a, b in zip(opt.state_dict()["adam"]["m"], state_before["adam"]["m"]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_probe_limits_ceiling_and_negative_values():
    """m = v = 0: e = lr(1−β1)/(1−β1^{s+1}) / (√((1−β2)/(1−β2^{s+1})) + ε); m < −1/9: e < 0."""
    p = torch.zeros(1, 3, dtype=torch.float64)
    opt = PopulationOptimizer({"name": "adam"}, [("p", p)])
    lr = torch.tensor([1e-3], dtype=torch.float64)
    e0 = opt.probe(lr)[0]
    torch.testing.assert_close(e0, torch.full_like(p, 1e-3 / (1 + EPS)), rtol=1e-12, atol=0)
    st = opt.state_dict()
    st["step_count"] = 5000
    st["adam"]["m"][0].copy_(torch.tensor([[0.0, -0.2, -1 / 9 + 1e-3]]))
    st["adam"]["v"][0].zero_()
    opt.load_state_dict(st)
    e = opt.probe(lr)[0][0]
    s = 5000
    ceil = 1e-3 * (1 - B1) / (1 - B1 ** (s + 1)) / (math.sqrt((1 - B2) / (1 - B2 ** (s + 1))) + EPS)
    assert abs(e[0].item() - ceil) <= 1e-12 * ceil
    assert abs(ceil - 1e-3 * 0.1 / math.sqrt(0.001)) < 0.01 * ceil  # ≈ 3.16 lr
    assert e[1].item() < 0  # m < −1/9
    assert e[2].item() > 0  # m just above −1/9


# --- the engine's final.pt, read the way Figs 4/9 read it -----------------------------------------
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ENGINE_NAME = {
    "lambda_re": "lam_re",
    "lambda_im": "lam_im",
    "Delta": "delta",
    "omega_gamma": "gamma",
}


@pytest.mark.parametrize(
    "model",
    [
        {"name": "lru", "hidden": 4, "param": "reim", "gamma": "none"},
        {"name": "lru", "hidden": 4, "param": "exp", "gamma": "learned"},
        {"name": "s4", "hidden": 4},
    ],
)
def test_final_pt_groups_agree_with_the_engine_grouping(tmp_path, model):
    """The explicit group order of the figures picks the same entries as the engine's own
    per-group effective lrs (an independent grouping, by the model's param_groups())."""
    from curse_of_memory import hessian as hs
    from curse_of_memory.train import run_cell

    cell = {
        "experiment": "t",
        "cell": "c",
        "model": model,
        "optimizer": {"name": "adam"},
        "schedule": {"name": "constant"},
        "task": {"T": 16, "batch": 4, "teacher_hidden": 3, "remap": "default", "teacher_seed": 1},
        "points": [{"nu0": 0.9, "theta0": 3.14}],
        "lrs": [1e-3, 1e-2],
        "seeds": [0],
        "steps": 4,
        "steps_per_epoch": 2,
        "validation_batches": 1,
        "device": "cpu",
        "dtype": "float32",
    }
    run_cell(cell, tmp_path / "out", state_dir="none", log=lambda *a: None)
    path = tmp_path / "out" / "final.pt"
    fin = hs.read_final(path)
    np.testing.assert_allclose(fin["lr"], [1e-3, 1e-2])
    assert fin["step"] == 4
    engine = torch.load(path, weights_only=True)["elr"]
    kind = hs.kind_of_model(model)
    for member in (0, 1):
        groups = hs.elr_by_group(fin["elr"], kind, member)
        assert [g[0] for g in groups] == [g[0] for g in hs.GROUPS[kind]]
        for name, _, e in groups:
            ref = engine[ENGINE_NAME.get(name, name)][member].numpy()
            np.testing.assert_array_equal(e, ref.reshape(-1))
        assert np.isfinite(np.concatenate([g[2] for g in groups])).all()
