"""docs/EXTENDING.md, sections 1 and 2, followed to the letter: a new optimizer and a new
architecture are each one registry entry plus their own code.  Both are registered here at run
time, with no other file changed, and a cell that uses them goes the pipeline's own way: a
config.yaml-like dict -> the config check (schema, defaults, tier) -> the cell table -> a CELL.yaml
-> ``python -m curse_of_memory.train``."""

import copy
import json

import pytest
import torch
import yaml
from repo_copy import ROOT

from curse_of_memory.config_io import resolve_config
from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import cell_yaml, config_cells
from curse_of_memory.models import MODELS, ModelEntry
from curse_of_memory.models.linear import PopulationModel, causal_conv_real
from curse_of_memory.train import main as train_main
from curse_of_memory.train import run_cell
from curse_of_memory.training.optim import OPTIMIZERS, Algorithm, OptimizerEntry, _bcast

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


# --- section 1: an optimizer ---------------------------------------------------------------------
class SignDescent(Algorithm):
    """p <- p - scale * lr * sign(g), member by member (no state)."""

    def __init__(self, opts, names, params, recurrent_matrices):
        super().__init__(opts, names, params, recurrent_matrices)
        self.scale = opts["scale"]

    def step(self, grads, lr, mask, t):
        for p, g in zip(self.params, grads):
            new = p - self.scale * _bcast(lr, p) * torch.sign(g)
            p.copy_(torch.where(_bcast(mask, p), new, p))

    def probe(self, lr, t):
        return [self.scale * _bcast(lr, p).expand_as(p).clone() for p in self.params]


# --- section 2: an architecture ------------------------------------------------------------------
class RealDiagonal(PopulationModel):
    """h_t = lam * h_{t-1} + B x_t, y_t = C h_t + D x_t with a real diagonal lam."""

    name = "real_diag"
    PARAM_ORDER = ("lam", "B", "C", "D")

    def __init__(self, members=1, d_in=1, hidden=4, d_out=1, *, dtype=torch.float32):
        super().__init__()
        self.members, self.d_in, self.hidden, self.d_out = members, d_in, hidden, d_out
        self.lam = self._param((hidden,), dtype)
        self.B = self._param((hidden, d_in), dtype)
        self.C = self._param((d_out, hidden), dtype)
        self.D = self._param((d_out, d_in), dtype)

    def draw_member(self, generator, r_min, r_max):
        f64 = torch.float64
        return {
            "lam": r_min
            + (r_max - r_min) * torch.rand(self.hidden, generator=generator, dtype=f64),
            "B": torch.randn(self.hidden, self.d_in, generator=generator, dtype=f64),
            "C": torch.randn(self.d_out, self.hidden, generator=generator, dtype=f64)
            / self.hidden**0.5,
            "D": torch.randn(self.d_out, self.d_in, generator=generator, dtype=f64),
        }

    def impulse_response(self, T):
        tau = torch.arange(T, dtype=self.lam.dtype, device=self.lam.device)
        powers = self.lam[:, None, :] ** tau[None, :, None]  # (M, T, N)
        k = torch.einsum("mon,mtn,mni->mtoi", self.C, powers, self.B)
        return torch.cat([k[:, :1] + self.D[:, None], k[:, 1:]], dim=1)

    def _forward_fast(self, x):
        return causal_conv_real(self.impulse_response(x.shape[-2]), x)

    def param_groups(self):
        return [(n, n, None) for n, _ in self.named_parameters()]

    def eigenvalues(self):
        return self.lam.detach().to(torch.complex128)


def _no_options(spec, field):
    pass


@pytest.fixture
def registered(monkeypatch):
    """The two registry entries, added for this test only."""
    monkeypatch.setitem(
        MODELS,
        "real_diag",
        ModelEntry(
            RealDiagonal, {}, _no_options, lambda point, remap: {"r_min": point["nu0"], "r_max": 1}
        ),
    )
    monkeypatch.setitem(OPTIMIZERS, "sign_descent", OptimizerEntry(SignDescent, {"scale": 1.0}))


def _config(**cell):
    """config.yaml with one small experiment whose one cell uses the new model and optimizer."""
    raw = copy.deepcopy(CONFIG)
    raw["tier"] = "paper"
    training = raw["training"]
    training["defaults"].update(
        task={"T": 16, "batch": 4}, seeds=2, steps=4, steps_per_epoch=2, validation_batches=1
    )
    spec = {
        "model": {"name": "real_diag", "hidden": 3},
        "optimizer": {"name": "sign_descent", "scale": 0.5},
        "lrs": [0.01, 0.001],
        **cell,
    }
    training["experiments"] = {
        "toy": {"points": {"nu0": [0.5, 0.9], "theta0": [3.14]}, "cells": {"diag-sign": spec}}
    }
    return raw


def test_a_registered_model_and_optimizer_train_through_the_pipeline(registered, tmp_path):
    _, config = resolve_config(_config(), SCHEMA)
    cells, skipped = config_cells(config)
    assert list(cells) == [("toy", "diag-sign")] and not skipped
    cell = cells[("toy", "diag-sign")]["cell"]
    assert cell["model"] == {"name": "real_diag", "hidden": 3}
    assert cell["optimizer"] == {"name": "sign_descent", "scale": 0.5}

    # the one-cell CLI, on the CELL.yaml the pipeline writes (rule write_cell)
    f = tmp_path / "cell.yaml"
    f.write_text(cell_yaml(cell))
    out = tmp_path / "runs" / "toy" / "diag-sign"
    assert train_main([str(f), "--out", str(out), "--state-dir", "none", "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_members"] == 2 * 2 * 2 and not summary["diverged_members"]
    final = torch.load(out / "final.pt", weights_only=True)
    assert final["param_order"] == ["lam", "B", "C", "D"]
    # each lam starts on its task point's ring [nu0, 1) and moves by at most 4 sign steps
    assert float(final["params"]["lam"].min()) >= 0.5 - 4 * 0.5 * 0.01 - 1e-6

    # the same cell in-process, with its defaults filled in by the cell spec
    again = run_cell(cell, tmp_path / "again", state_dir="none")
    assert again["config"]["optimizer"] == {"name": "sign_descent", "scale": 0.5}
    assert again["config"]["task"]["teacher_seed"] == 42


def test_names_and_options_are_checked_against_the_registries(registered):
    _, config = resolve_config(_config(model={"name": "real_diag", "hidden": 3, "x": 1}), SCHEMA)
    with pytest.raises(ConfigError) as exc:
        config_cells(config)
    assert str(exc.value) == (
        "training.experiments.toy.cells.diag-sign.model.x: unknown option for model real_diag; "
        "allowed: hidden"
    )
    _, config = resolve_config(_config(optimizer={"name": "sign"}), SCHEMA)
    with pytest.raises(ConfigError) as exc:
        config_cells(config)
    assert str(exc.value).startswith(
        "training.experiments.toy.cells.diag-sign.optimizer.name: unknown optimizer 'sign'; "
        "allowed: adam, adamw, sgd, sgd_momentum, adafactor, muon, sign_descent"
    )


def test_without_the_entries_the_names_are_refused():
    _, config = resolve_config(_config(), SCHEMA)  # the schema lists no names
    with pytest.raises(ConfigError, match="model.name: unknown model 'real_diag'; allowed: rnn"):
        config_cells(config)
