"""Config-time checks beyond the schema (curse_of_memory.config_io) and the cell table's own checks:
strict YAML (syntax errors with line and column, repeated keys), strings converted where the
schema wants numbers, data settings that would silently do less, task lengths that cannot fit in
memory, repeated lrs / task points, and tier-reduced steps named as the user wrote them."""

import copy

import pytest
import yaml
from repo_copy import ROOT

from curse_of_memory import config_io as CI
from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import build_cells

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


# --- strict YAML ----------------------------------------------------------------------------------
def test_shipped_config_reads_strictly():
    assert CI.yaml_problem(ROOT / "config.yaml") is None  # merge keys (<<: *fig10) are not repeats


def test_repeated_key_is_named_with_its_line_and_place(tmp_path):
    text = (ROOT / "config.yaml").read_text()
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip().startswith("heads-4:"))
    lines[i] = lines[i].replace("heads-4:", "heads-2:")
    f = tmp_path / "config.yaml"
    f.write_text("\n".join(lines) + "\n")
    problem = CI.yaml_problem(f)
    assert (
        f"line {i + 1}: key 'heads-2' is given twice under training.experiments.fig11.cells"
        in problem
    )
    assert f"first at line {i}" in problem and "remove or rename" in problem and "\n" not in problem


def test_syntax_error_gives_line_and_column(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("data:\n  signal: {width: 64\n  fig14: {}\n")
    problem = CI.yaml_problem(f)
    assert "YAML syntax error" in problem and "line 3 column" in problem
    assert "line 2 column" in problem and "\n" not in problem  # where the flow mapping started
    assert CI.main([str(f)]) == 1


def test_repeated_key_at_top_level_and_in_a_list(tmp_path):
    f = tmp_path / "o.yaml"
    f.write_text("device: cpu\nx: [{a: 1, a: 2}]\n")
    assert "key 'a' is given twice under x[0] (first at line 2)" in CI.yaml_problem(f)


# --- strings converted where the schema wants a number ------------------------------------------
def test_yaml11_exponent_and_nested_config_strings_become_numbers():
    raw = {
        "training": {
            "experiments": {
                "fig4": {
                    "lrs": ["1e-3"],
                    "seeds": "3",
                    "cells": {
                        "rnn": {"lrs": ["1e-3", "2.5E-4"], "steps": "1e3", "task": {"T": "64"}}
                    },
                }
            }
        },
        "data": {
            "signal": {"width": "64", "t_mem": ["1", "3.5"]},
            "text": {"hf_date": 20231101, "max_articles": "null", "source": "text-folder"},
        },
        "device": "cpu",
    }
    out = CI.coerce(raw, SCHEMA)
    cell = out["training"]["experiments"]["fig4"]["cells"]["rnn"]
    assert out["training"]["experiments"]["fig4"]["lrs"] == [0.001] and cell["lrs"] == [
        0.001,
        2.5e-4,
    ]
    assert cell["steps"] == 1000 and isinstance(cell["steps"], int) and cell["task"]["T"] == 64
    assert out["training"]["experiments"]["fig4"]["seeds"] == 3  # oneOf integer | list
    assert out["data"]["signal"] == {"width": 64, "t_mem": [1.0, 3.5]}
    assert out["data"]["text"] == {
        "hf_date": "20231101",
        "max_articles": None,
        "source": "text-folder",
    }
    assert out["device"] == "cpu"


def test_conversion_leaves_what_it_cannot_convert_and_the_shipped_config_alone():
    out = CI.coerce({"data": {"signal": {"width": "sixty"}, "model": "123"}}, SCHEMA)
    assert out == {"data": {"signal": {"width": "sixty"}, "model": "123"}}  # the schema reports it
    assert CI.coerce({"theory": {"fig7": {"lr": "nan"}}}, SCHEMA)["theory"]["fig7"]["lr"] == "nan"
    assert CI.coerce(CONFIG, SCHEMA) == CONFIG


# --- schema defaults ------------------------------------------------------------------------------
def test_defaults_fill_what_the_config_leaves_out_and_keep_what_it_gives():
    cfg = copy.deepcopy(CONFIG)
    del cfg["hessian"]
    del cfg["data"]["threads"]
    cfg["training"]["reduce"] = {"seeds": 2}
    filled = CI.fill_defaults(cfg, SCHEMA)
    assert cfg["training"]["reduce"] == {"seeds": 2} and "hessian" not in cfg  # input untouched
    hessian = SCHEMA["properties"]["hessian"]["properties"]
    assert filled["hessian"] == {key: sub["default"] for key, sub in hessian.items()}
    assert filled["data"]["threads"] == 1
    assert filled["training"]["reduce"] == {"seeds": 2, "lr_centre": "grid"}
    assert filled["runs"] == "train" and filled["tiers"] == CONFIG["tiers"]
    assert filled["theory"] == CONFIG["theory"]  # the shipped config sets every theory key
    for name, exp in filled["training"]["experiments"].items():
        assert exp["variant"] == CONFIG["training"]["experiments"][name].get("variant", "default")
        assert exp["cells"] == CONFIG["training"]["experiments"][name]["cells"]


def test_defaults_do_not_override_what_a_cell_inherits():
    # cell settings reach experiments and cells through allOf: a default filled there (hidden 64)
    # would beat the value set in training.defaults; training.defaults itself takes them ($ref)
    cfg = copy.deepcopy(CONFIG)
    cfg["training"]["defaults"]["model"] = {"hidden": 32}
    cfg["training"]["experiments"]["fig10"]["model"] = {}  # valid: every model key is optional
    filled = CI.fill_defaults(cfg, SCHEMA)
    assert "hidden" not in filled["training"]["experiments"]["fig10"]["model"]
    cells = build_cells(filled["training"])
    assert {c["cell"]["model"]["hidden"] for (e, _), c in cells.items() if e == "fig10"} == {32}
    cfg["training"]["defaults"]["model"] = {}  # the cell spec's default (curse_of_memory.cell)
    cells = build_cells(CI.fill_defaults(cfg, SCHEMA)["training"], select={"fig10": ["lru"]})
    assert cells[("fig10", "lru")]["cell"]["model"]["hidden"] == 64


def test_tier_merge_merges_mappings_and_replaces_the_rest():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    merged = CI.merge_tier(base, {"a": {"y": [3]}, "c": {"z": 0}})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": {"z": 0}}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1}


# --- data settings and memory -------------------------------------------------------------------
def _data(**over):
    data = copy.deepcopy(CONFIG["data"])
    for section, values in over.items():
        data[section] = dict(data[section], **values) if isinstance(values, dict) else values
    return data


def test_partial_signal_batch_is_refused():
    problem = CI.data_problem(_data(signal={"n_sequences": 5, "batch_size": 2}))
    assert problem.startswith("data.signal.n_sequences: 5 is not a multiple of batch_size 2")
    assert "the last batch would hold 1 window)" in problem and "use 4 or 6" in problem
    assert CI.data_problem(_data(signal={"n_sequences": 3, "batch_size": 4})).endswith(
        "use 4, or change batch_size"
    )
    assert CI.data_problem(CONFIG["data"]) is None


def test_window_beyond_the_cache_is_refused_with_the_memory_it_needs():
    problem = CI.data_problem(_data(fig14={"sequence": 100000}))
    assert problem.startswith(
        "data.fig14.sequence: 100000 needs 100001 embedding windows but "
        "data.max_windows is 2048; use at most 2047"
    )
    assert "about 36.6 GiB" in problem  # 100001 x 512 x 384 x 2 bytes (bundled model, float16)
    assert "data.fig15.seeds: 5000" in CI.data_problem(_data(fig15={"seeds": 5000}))


def test_task_length_beyond_memory_is_refused():
    cells = build_cells(CONFIG["training"], select={"fig4": ["rnn"]})
    assert CI.training_memory_problem(cells, limit=64 * CI.GiB) is None  # T = 300: 13 MB
    cells[("fig4", "rnn")]["cell"]["task"]["T"] = 100000
    problem = CI.training_memory_problem(cells, limit=64 * CI.GiB)
    assert problem.startswith(
        "training.experiments.fig4.cells.rnn (merged): task.T: 100000 needs about"
    )
    assert (
        "335.3 GiB" in problem
        and "(1 seed x 3 T x T" in problem
        and "64.0 GiB of this machine" in problem
        and "smaller task.T" in problem
    )


# --- the cell table: repeats and tier-reduced steps ---------------------------------------------
def _training(**cell):
    t = copy.deepcopy(CONFIG["training"])
    t["experiments"]["fig11"]["cells"]["heads-2"].update(cell)
    return t


@pytest.mark.parametrize(
    "cell,key,value",
    [
        ({"lrs": [0.001, 1.0e-3]}, "lrs", "0.001"),
        ({"points": {"nu0": [0.99, 0.99], "theta0": [3.14]}}, "points.nu0", "0.99"),
        ({"points": {"nu0": [0.99], "theta0": [3.14, 3.14]}}, "points.theta0", "3.14"),
    ],
)
def test_repeated_lr_or_task_point_is_refused(cell, key, value):
    with pytest.raises(ConfigError) as exc:
        build_cells(_training(**cell), select={"fig11": ["heads-2"]})
    assert str(exc.value) == (
        f"training.experiments.fig11.cells.heads-2.{key}: {value} is listed twice; "
        "allowed: each value once"
    )


def test_tier_reduced_steps_name_what_the_user_wrote():
    rule = CONFIG["tiers"]["quick"]["training"]["reduce"]
    with pytest.raises(ConfigError) as exc:
        build_cells(_training(steps=1100), tier_rule=rule, select={"fig11": ["heads-2"]})
    msg = str(exc.value)
    assert msg.startswith(
        "training.experiments.fig11.cells.heads-2.steps: 1100 becomes 220 in this tier"
    )
    assert "a multiple of 500" in msg and "e.g. 1000 or 1500" in msg
    build_cells(
        _training(steps=1500), tier_rule=rule, select={"fig11": ["heads-2"]}
    )  # 300: 3 epochs
