"""Figs 14/15 Jacobian machinery against one-seed-at-a-time reverse-mode references."""

import numpy as np
import pytest
import torch

from curse_of_memory.data.gru_jacobians import (
    bias_sensitivities,
    fig14_lengths,
    make_simple_cell,
    offdiag_indices,
    recurrent_jacobians,
    smooth,
)
from curse_of_memory.models.gru import ChronoGRU, gru_scan


@pytest.mark.parametrize("scale_x,scale_h", [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)])
def test_bias_sensitivities_match_reverse_mode(scale_x, scale_h):
    emb = np.random.default_rng(0).normal(size=(5, 30, 6)).astype(np.float32)
    res = bias_sensitivities(emb, [0, 3, 4], scale_x, scale_h, width=8, t_max=50.0, chunk=2)
    for row, s in enumerate([0, 3, 4]):
        cell = make_simple_cell(s, 8, 6, scale_x, scale_h, 1.0, 50.0)
        p = {k: v.detach() for k, v in cell.params().items()}
        x = torch.as_tensor(emb[s])

        def final(b):
            return gru_scan(dict(p, b_iz=b), x, None, True)[-1]

        J = torch.autograd.functional.jacobian(final, p["b_iz"])
        np.testing.assert_allclose(res["b"][row], p["b_iz"].numpy())
        np.testing.assert_allclose(
            res["h"][row], final(p["b_iz"]).detach().numpy(), rtol=1e-5, atol=1e-7
        )
        np.testing.assert_allclose(
            res["dh_db"][row], torch.diagonal(J).numpy(), rtol=1e-4, atol=1e-7
        )
        if scale_h == 0:  # the jvp shortcut relies on an exactly diagonal Jacobian
            assert torch.count_nonzero(J - torch.diag(torch.diagonal(J))) == 0


def test_recurrent_jacobians_constant_gates_and_coupled():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 5, generator=g)
    lengths = [1, 3, 3, 40]
    cell = ChronoGRU(6, 5, t_min=1, t_max=16, scale_h=0.0, scale_x=0.0, generator=g)
    J = recurrent_jacobians(cell, x, lengths)
    z = torch.sigmoid(cell.b_iz.detach())
    for k, dt in enumerate(lengths):
        torch.testing.assert_close(J[k], torch.diag(z**dt), rtol=1e-5, atol=1e-7)
    cell = ChronoGRU(6, 5, t_min=1, t_max=16, scale_h=3.0, scale_x=1.0, generator=g)
    J = recurrent_jacobians(cell, x, lengths)
    p = {k: v.detach() for k, v in cell.params().items()}
    ref = torch.autograd.functional.jacobian(lambda h0: gru_scan(p, x[:3], h0)[-1], torch.zeros(6))
    torch.testing.assert_close(J[1], ref, rtol=1e-5, atol=1e-6)
    assert J[1].abs().sum() > 1.5 * torch.diagonal(J[1]).abs().sum()  # really coupled


def test_lengths_offdiag_and_smoothing():
    lengths = fig14_lengths()
    assert len(lengths) == 20 and lengths[0] == 1 and lengths[-1] == 512
    idx = offdiag_indices(10, 90, seed=1)
    assert np.all(idx[:, 0] != idx[:, 1]) and len({tuple(r) for r in idx}) == 90
    xs = np.linspace(1, 300, 500)
    np.testing.assert_allclose(smooth(xs, np.full(500, 2.5), [2, 50, 256]), 2.5)
    far = smooth(np.array([0.0, 1000.0]), np.array([1.0, 3.0]), [0.0, 1000.0])
    np.testing.assert_allclose(far, [1.0, 3.0])
