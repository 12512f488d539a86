"""ChronoGRU cell (METHODS §2.5): equivalence with torch.nn.GRUCell, init, and the z^Δt Jacobian."""

import math

import pytest
import torch
from torch.func import jacfwd, jacrev

from curse_of_memory.models.gru import ChronoGRU, gru_scan


def test_full_cell_matches_torch_grucell():
    g = torch.Generator().manual_seed(0)
    cell = ChronoGRU(8, 5, t_min=1, t_max=16, scale_h=1.0, scale_x=1.0, generator=g)
    with torch.no_grad():
        cell.b_ir.normal_(generator=g)
        cell.b_in.normal_(generator=g)
        cell.b_hn.normal_(generator=g)
    ref = torch.nn.GRUCell(5, 8)
    with torch.no_grad():
        ref.weight_ih.copy_(torch.cat([cell.W_ir, cell.W_iz, cell.W_in]))
        ref.bias_ih.copy_(torch.cat([cell.b_ir, cell.b_iz, cell.b_in]))
        ref.weight_hh.copy_(torch.cat([cell.U_hr, cell.U_hz, cell.U_hn]))
        ref.bias_hh.copy_(torch.cat([torch.zeros(16), cell.b_hn]))
    x = torch.randn(3, 7, 5, generator=g)
    h = torch.randn(3, 8, generator=g)
    out = cell(x, h)
    expect = []
    for t in range(7):
        h = ref(x[:, t], h)
        expect.append(h)
    torch.testing.assert_close(out, torch.stack(expect, 1), rtol=1e-5, atol=1e-6)


def test_simple_cell_is_gated_linear_candidate():
    g = torch.Generator().manual_seed(1)
    cell = ChronoGRU(4, 3, t_min=1, t_max=8, scale_h=1.0, scale_x=1.0, simple=True, generator=g)
    assert not hasattr(cell, "U_hr")
    x = torch.randn(2, 5, 3, generator=g)
    h = torch.zeros(2, 4)
    for t in range(5):
        z = torch.sigmoid(x[:, t] @ cell.W_iz.T + cell.b_iz + h @ cell.U_hz.T)
        h = (1 - z) * (x[:, t] @ cell.W_in.T) + z * h
    torch.testing.assert_close(cell(x)[:, -1], h)


def test_init_distributions():
    g = torch.Generator().manual_seed(2)
    cell = ChronoGRU(256, 384, t_min=10, t_max=20, scale_h=3.0, scale_x=0.5, generator=g)
    assert cell.W_iz.std().item() == pytest.approx(math.sqrt(2 * 0.5 / 384), rel=0.03)
    torch.testing.assert_close(cell.U_hn @ cell.U_hn.T, 9 * torch.eye(256), atol=1e-4, rtol=0)
    T = torch.exp(cell.b_iz)
    assert T.min() >= 10 and T.max() <= 20 and T.std() > 2
    simple = ChronoGRU(256, 384, scale_h=0.0, scale_x=0.0, simple=True, generator=g)
    assert simple.W_in.std().item() == pytest.approx(1 / math.sqrt(384), rel=0.03)
    assert simple.W_in.abs().max() <= 2 / 0.8796 / math.sqrt(384) + 1e-6
    assert (
        torch.all(simple.U_hz == 0) and torch.all(simple.W_iz == 0) and torch.all(simple.b_iz == 0)
    )


@pytest.mark.parametrize("simple", [False, True])
def test_zero_scales_give_diagonal_jacobian_z_power(simple):
    g = torch.Generator().manual_seed(3)
    cell = ChronoGRU(6, 4, t_min=1, t_max=50, scale_h=0.0, scale_x=0.0, simple=simple, generator=g)
    p = {k: v.detach() for k, v in cell.params().items()}
    x = torch.randn(9, 4, generator=g)
    z = torch.sigmoid(p["b_iz"])
    for dt, jac in ((1, jacrev), (5, jacfwd), (9, jacrev)):
        J = jac(lambda h0: gru_scan(p, x[:dt], h0, simple)[-1])(torch.zeros(6))
        torch.testing.assert_close(J, torch.diag(z**dt), rtol=1e-6, atol=1e-7)
    assert not torch.allclose(z, z[0].expand(6))  # the chrono biases really differ per unit


def test_keep_returns_selected_states():
    g = torch.Generator().manual_seed(4)
    cell = ChronoGRU(3, 2, t_min=1, t_max=4, generator=g)
    x = torch.randn(6, 2, generator=g)
    allh = cell(x)
    sel = gru_scan(cell.params(), x, keep=[1, 4, 4, 6])
    torch.testing.assert_close(sel, allh[[0, 3, 3, 5]])


def test_fused_forward_equals_scan_with_gradients():
    g = torch.Generator().manual_seed(5)
    cell = ChronoGRU(16, 8, t_min=2, t_max=9, generator=g)
    with torch.no_grad():
        cell.b_hn.normal_(generator=g)
    x = torch.randn(3, 11, 8, generator=g)
    y = cell(x)
    gf = torch.autograd.grad(y.pow(3).sum(), list(cell.parameters()))
    y2 = gru_scan(cell.params(), x)
    gs = torch.autograd.grad(y2.pow(3).sum(), list(cell.parameters()))
    torch.testing.assert_close(y, y2, rtol=1e-5, atol=1e-6)
    for a, b in zip(gf, gs):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
