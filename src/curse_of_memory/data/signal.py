"""Signal propagation in the deep residual stack at initialisation (METHODS §5 Figs 5, 13).

For one model (architecture × T_mem × norm) and each batch of embedding sequences, ``measure``
records, per batch:

* activity: mean(out_l²) over (batch, time, features) of the residual stream after each layer l
  (``quantity="activity"``) and of the recurrent layer's own output (``"recurrent_activity"``);
* gradients of two losses, for each parameter group, the mean of the squared gradient entries,
  over the whole model (``layer = -1``) and per layer (encoder/decoder belong to no layer):
  - ``loss="next"`` (default): ½·mean over (batch, t = 1..T−1, features) of (ŷ_t − x_{t+1})²,
    next-embedding prediction;
  - ``loss="previous"`` (as published, METHODS §7 item 12a): (ŷ_{t+1} − x_t)².

Groups: cRNN ``lambda`` (both rows of λ-raw) and ``all_but_lambda``; LRU ``nu`` (row 0, ω_ν),
``theta`` (row 1, ω_θ) and ``all_but_lambda``; GRU ``seq`` (all GRU-cell parameters) and
``all_but_seq``.  A group's value is sum of squared entries / number of entries.

``records`` are long-format dicts; the figure scripts average them over batches (default: all 8;
as published for the norm study: the last batch only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from curse_of_memory.errors import ConfigError
from curse_of_memory.models.deep import DeepRecurrent

LOSSES = ("next", "previous")


def loss_fn(pred: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    if kind == "next":
        return 0.5 * ((pred[:, :-1] - x[:, 1:]) ** 2).mean()
    if kind == "previous":
        return 0.5 * ((pred[:, 1:] - x[:, :-1]) ** 2).mean()
    raise ValueError(f"unknown loss {kind!r}")


def parameter_groups(
    model: DeepRecurrent,
) -> dict[str, list[tuple[str, torch.Tensor, int, object]]]:
    """group → list of (param name, tensor, layer index or -1, slice of the tensor or None)."""
    groups: dict[str, list] = {}

    def layer_of(name: str) -> int:
        parts = name.split(".")
        return int(parts[1]) if parts[0] == "layers" else -1

    for name, p in model.named_parameters():
        layer = layer_of(name)
        recurrent = ".recurrent." in name
        if model.arch == "gru":
            groups.setdefault("seq" if recurrent else "all_but_seq", []).append(
                (name, p, layer, None)
            )
        elif recurrent and name.endswith("lam_raw"):
            if model.arch == "crnn":
                groups.setdefault("lambda", []).append((name, p, layer, None))
            else:
                groups.setdefault("nu", []).append((name, p, layer, (slice(None), 0)))
                groups.setdefault("theta", []).append((name, p, layer, (slice(None), 1)))
        else:
            groups.setdefault("all_but_lambda", []).append((name, p, layer, None))
    return groups


def _group_stats(groups, grads: dict[str, torch.Tensor], n_layers: int):
    """{(group, layer): mean square}; layer -1 = whole model."""
    out = {}
    for group, members in groups.items():
        tot = np.zeros(n_layers + 1)
        cnt = np.zeros(n_layers + 1)
        for name, _p, layer, sl in members:
            g = grads[name] if sl is None else grads[name][sl]
            s, c = float((g.double() ** 2).sum()), g.numel()
            tot[-1] += s
            cnt[-1] += c
            if layer >= 0:
                tot[layer] += s
                cnt[layer] += c
        out[(group, -1)] = tot[-1] / cnt[-1]
        for layer in range(n_layers):
            if cnt[layer]:
                out[(group, layer)] = tot[layer] / cnt[layer]
    return out


def measure(model: DeepRecurrent, batches, losses=LOSSES) -> list[dict]:
    """Per-batch records for ``model`` over ``batches`` (iterable of (B, T, d_emb) float
    tensors)."""
    groups = parameter_groups(model)
    names = [n for n, _ in model.named_parameters()]
    params = [p for _, p in model.named_parameters()]
    n_layers = len(model.layers)
    records = []
    for b, x in enumerate(batches):
        model.zero_grad(set_to_none=True)
        pred, outs, recs = model(x)
        for layer, (o, r) in enumerate(zip(outs, recs)):
            records.append(
                {
                    "batch": b,
                    "quantity": "activity",
                    "loss": "",
                    "group": "",
                    "layer": layer,
                    "value": float((o.detach().double() ** 2).mean()),
                }
            )
            records.append(
                {
                    "batch": b,
                    "quantity": "recurrent_activity",
                    "loss": "",
                    "group": "",
                    "layer": layer,
                    "value": float((r.detach().double() ** 2).mean()),
                }
            )
        for i, kind in enumerate(losses):
            loss = loss_fn(pred, x, kind)
            grads = torch.autograd.grad(loss, params, retain_graph=i < len(losses) - 1)
            stats = _group_stats(groups, dict(zip(names, grads)), n_layers)
            records.append(
                {
                    "batch": b,
                    "quantity": "loss",
                    "loss": kind,
                    "group": "",
                    "layer": -1,
                    "value": float(loss.detach()),
                }
            )
            for (group, layer), value in stats.items():
                records.append(
                    {
                        "batch": b,
                        "quantity": "grad",
                        "loss": kind,
                        "group": group,
                        "layer": layer,
                        "value": float(value),
                    }
                )
    return records


def run(
    embeddings: np.ndarray,
    arch: str,
    t_mems,
    norm: str = "none",
    n_sequences: int = 128,
    batch_size: int = 16,
    width: int = 256,
    layers: int = 4,
    seed: int = 0,
    losses=LOSSES,
) -> list[dict]:
    """Records for one architecture and norm over all memory scales (one init per T_mem, ``seed``).
    ``n_sequences`` must be a multiple of ``batch_size`` (every batch full)."""
    if n_sequences % batch_size:
        raise ConfigError(
            "data.signal.n_sequences",
            f"{n_sequences} is not a multiple of batch_size {batch_size}",
            f"a multiple of {batch_size}",
        )
    if len(embeddings) < n_sequences:
        raise ConfigError(
            "data.signal.n_sequences",
            f"{n_sequences} windows requested, the embeddings hold {len(embeddings)}",
            f"at most {len(embeddings)}",
        )
    x_all = torch.as_tensor(np.asarray(embeddings[:n_sequences], dtype=np.float32))
    batches = [x_all[i : i + batch_size] for i in range(0, len(x_all), batch_size)]
    out = []
    for t_mem in t_mems:
        torch.manual_seed(seed)
        model = DeepRecurrent(
            x_all.shape[-1], arch, float(t_mem), norm=norm, width=width, layers=layers, seed=seed
        )
        for rec in measure(model, batches, losses):
            out.append(
                {
                    "arch": arch,
                    "norm": norm,
                    "t_mem": float(t_mem),
                    "nu_min": 1.0 - 1.0 / float(t_mem),
                    **rec,
                }
            )
    return out


def summarise(records, loss: str = "next", batches: str = "all"):
    """Mean over batches of the per-batch records (``batches="last"``: the last batch only, as the
    original's normalisation study).  Returns (activity, grads) DataFrames with columns
    arch, norm, t_mem, nu_min, layer, activity, recurrent_activity / group, grad_sq."""
    df = pd.DataFrame(records)
    if batches == "last":
        last = df.groupby(["arch", "norm", "t_mem"])["batch"].transform("max")
        df = df[df["batch"] == last]
    elif batches != "all":
        raise ValueError(f"batches must be 'all' or 'last', not {batches!r}")
    keys = ["arch", "norm", "t_mem", "nu_min"]
    act = (
        df[df.quantity.isin(["activity", "recurrent_activity"])]
        .groupby(keys + ["layer", "quantity"])
        .value.mean()
        .unstack("quantity")
        .reset_index()
    )
    grads = (
        df[(df.quantity == "grad") & (df["loss"] == loss)]
        .groupby(keys + ["group", "layer"])
        .value.mean()
        .rename("grad_sq")
        .reset_index()
    )
    n_batches = int(df.batch.nunique())
    act["n_batches"] = grads["n_batches"] = n_batches
    act.columns.name = None
    return act, grads
