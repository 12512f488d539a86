"""Signal propagation (Figs 5/13) at T_mem = 1 for the complex (cRNN) layer vs a direct computation.

The direct computation rebuilds the deep stack from the model's raw parameters with an explicit
per-step complex recurrence, explicit tanh-GELU and GLU, in float64, and differentiates it with
autograd; the group statistics are then computed by hand.
"""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from curse_of_memory.data.signal import measure, run
from curse_of_memory.models.deep import DeepRecurrent


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _direct(params, x, n_layers):
    enc_w, enc_b = params["encoder.weight"], params["encoder.bias"]
    h = x @ enc_w.T + enc_b
    outs = []
    for l in range(n_layers):
        q = lambda k: params[f"layers.{l}.{k}"]  # noqa: E731
        lam = torch.complex(q("recurrent.cell.lam_raw")[0, 0], q("recurrent.cell.lam_raw")[0, 1])
        B = torch.complex(q("recurrent.cell.B_re")[0], q("recurrent.cell.B_im")[0])
        C = torch.complex(q("recurrent.cell.C_re")[0], q("recurrent.cell.C_im")[0])
        D = q("recurrent.cell.D")[0]
        state = torch.zeros(x.shape[0], lam.shape[0], dtype=lam.dtype)
        ys = []
        for t in range(x.shape[1]):
            state = lam * state + h[:, t].to(B.dtype) @ B.T
            ys.append((state @ C.T).real + h[:, t] @ D.T)
        y = _gelu(torch.stack(ys, 1))
        y = (y @ q("glu_a.weight").T + q("glu_a.bias")) * torch.sigmoid(
            y @ q("glu_b.weight").T + q("glu_b.bias")
        )
        h = h + y
        outs.append(h)
    return h @ params["decoder.weight"].T + params["decoder.bias"], outs


def test_crnn_records_at_T1_match_direct_computation():
    torch.manual_seed(0)
    model = DeepRecurrent(3, "crnn", 1.0, width=4, layers=2, seed=7).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    recs = pd.DataFrame(measure(model, [x], losses=("next", "previous")))
    params = {k: v.detach().clone().requires_grad_(True) for k, v in model.named_parameters()}
    pred, outs = _direct(params, x, 2)
    for l in range(2):
        got = recs.query("quantity == 'activity' and layer == @l").value.item()
        assert got == pytest.approx(float((outs[l].detach() ** 2).mean()), rel=1e-10)
    for kind, loss in (
        ("next", 0.5 * ((pred[:, :-1] - x[:, 1:]) ** 2).mean()),
        ("previous", 0.5 * ((pred[:, 1:] - x[:, :-1]) ** 2).mean()),
    ):
        grads = dict(
            zip(params, torch.autograd.grad(loss, list(params.values()), retain_graph=True))
        )
        lam = [grads[k] for k in grads if k.endswith("lam_raw")]
        rest = [grads[k] for k in grads if not k.endswith("lam_raw")]
        expect_lam = sum(float((g**2).sum()) for g in lam) / sum(g.numel() for g in lam)
        expect_rest = sum(float((g**2).sum()) for g in rest) / sum(g.numel() for g in rest)
        sel = (
            recs.query("quantity == 'grad' and loss == @kind and layer == -1")
            .set_index("group")
            .value
        )
        assert sel["lambda"] == pytest.approx(expect_lam, rel=1e-9)
        assert sel["all_but_lambda"] == pytest.approx(expect_rest, rel=1e-9)
        layer1 = [
            grads[k] for k in grads if k.startswith("layers.1.") and not k.endswith("lam_raw")
        ]
        got1 = recs.query(
            "quantity == 'grad' and loss == @kind and layer == 1 and group == 'all_but_lambda'"
        )
        assert got1.value.item() == pytest.approx(
            sum(float((g**2).sum()) for g in layer1) / sum(g.numel() for g in layer1), rel=1e-9
        )
        assert recs.query("quantity == 'loss' and loss == @kind").value.item() == pytest.approx(
            float(loss)
        )


def test_groups_and_norms_cover_every_parameter():
    emb = np.random.default_rng(0).normal(size=(4, 8, 3)).astype(np.float32)
    for arch, groups in (
        ("lru", {"nu", "theta", "all_but_lambda"}),
        ("gru", {"seq", "all_but_seq"}),
        ("crnn", {"lambda", "all_but_lambda"}),
    ):
        for norm in ("none", "layer", "batch"):
            df = pd.DataFrame(
                run(
                    emb,
                    arch,
                    [1.0, 10.0],
                    norm=norm,
                    n_sequences=4,
                    batch_size=2,
                    width=4,
                    layers=2,
                )
            )
            g = df[df.quantity == "grad"]
            assert set(g.group) == groups and set(g.batch) == {0, 1} and set(g.t_mem) == {1.0, 10.0}
            assert np.all(np.isfinite(df.value))
    # the same seed gives the same weights whatever the norm (the norm study compares like with
    # like)
    a = DeepRecurrent(3, "crnn", 10.0, norm="none", width=4, layers=2)
    b = DeepRecurrent(3, "crnn", 10.0, norm="layer", width=4, layers=2)
    pb = dict(b.named_parameters())
    for k, v in a.named_parameters():
        assert torch.equal(v, pb[k])
