"""config.yaml, its schema, the cell table and the tier reduction rule."""

import copy

import jsonschema
import pytest
import yaml
from repo_copy import ROOT, copy_repo, snakemake

from curse_of_memory import config_io as CI
from curse_of_memory.cell import DEFAULTS
from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import (
    build_cells,
    cell_reduction,
    central,
    n_members,
    reduce_cell,
)

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


def _cells(tier="paper"):
    """The cell table of a tier, resolved as common.smk resolves it."""
    config = CI.fill_defaults(CONFIG, SCHEMA)
    if tier != "paper":
        config = CI.fill_defaults(CI.merge_tier(config, CONFIG["tiers"][tier]), SCHEMA)
    training = config["training"]
    return build_cells(
        training, tier_rule=cell_reduction(training["reduce"]), select=training["select"]
    )


def test_config_is_valid_and_every_schema_key_is_described():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(CONFIG)

    def walk(node, path):
        for key, sub in (node.get("properties") or {}).items():
            assert sub.get("description"), f"schema key {path}{key} has no description"
            if path == "" or path.startswith("training"):
                assert "default" in sub or path != "", f"top-level key {key} has no default"
            walk(sub, f"{path}{key}.")
            for item in sub.get("allOf", []) + [sub.get("additionalProperties") or {}]:
                if isinstance(item, dict):
                    walk(item, f"{path}{key}.*.")

    walk(SCHEMA, "")
    for name, sub in SCHEMA.get("$defs", {}).items():
        walk(sub, f"$defs.{name}.")


def test_central_learning_rates_rule():
    # the rule fixed in advance: k central values, an even excess leans towards the grid's start
    assert central([0.32, 0.1, 0.032, 0.01, 0.0032], 3) == [0.1, 0.032, 0.01]
    assert central([0.01, 0.0032, 0.001, 3.2e-4], 3) == [0.01, 0.0032, 0.001]
    assert central([0.1, 0.032, 0.01, 0.0032, 0.001, 3.2e-4, 1e-4], 3) == [0.01, 0.0032, 0.001]
    assert central([1, 0.32, 0.1, 0.032, 0.01, 0.0032, 0.001, 3.2e-4], 3) == [0.1, 0.032, 0.01]
    assert central([1e-3], 3) == [1e-3]


def test_reduce_keeps_points_and_shortens_run():
    cell = {
        "points": [{"nu0": 0.5, "theta0": 3.14}] * 7,
        "lrs": [1, 2, 3, 4, 5],
        "seeds": list(range(10)),
        "steps": 10000,
        "steps_per_epoch": 100,
        "validation_batches": 100,
    }
    r = reduce_cell(cell, {"seeds": 3, "lrs": 3, "steps_divisor": 10, "validation_batches": 10})
    assert r["points"] == cell["points"] and r["seeds"] == [0, 1, 2] and r["lrs"] == [2, 3, 4]
    assert (r["steps"], r["steps_per_epoch"], r["validation_batches"]) == (1000, 100, 10)
    assert (
        reduce_cell(cell, {"steps_divisor": 500})["steps_per_epoch"] == 20
    )  # never longer than the run


def test_paper_tier_member_counts_match_methods_section_6():
    cells = _cells("paper")
    per_exp = {}
    for (exp, _), entry in cells.items():
        if entry["meta"]["variant"] == "default":
            per_exp[exp] = per_exp.get(exp, 0) + n_members(entry["cell"])
    # METHODS §6.1: 3A 350 + 350; 3B 3 x 70 + 40 + 40; 4/9 bottom 4; Fig 10 400 + 200 + 200;
    # Fig 11 300
    # the optimizer study (beyond the paper): 14 cells x 7 nu0 x 7 lrs x 10 seeds, plus the
    # grid-edge rule's 7 more lrs (one in five cells, two in one) x 7 nu0 x 10 seeds
    assert per_exp.pop("optimizers") == (14 * 7 + 7) * 7 * 10
    assert per_exp == {
        "fig3a": 700,
        "fig3b": 290,
        "fig4": 2,
        "fig9": 2,
        "fig10": 800,
        "fig11": 300,
    }
    assert sum(per_exp.values()) == 2094
    extra = {
        k: n_members(v["cell"]) for k, v in cells.items() if v["meta"]["variant"] == "published"
    }
    assert extra[("fig3b", "gamma-published")] == 70 and extra[("fig9", "s4-published")] == 1
    fig10_pub = sum(n for (e, _), n in extra.items() if e == "fig10_published")
    assert fig10_pub == 640  # all theta0 < pi cells, before the DAG-time coincidence check


def test_keys_a_cell_leaves_out_take_the_cell_specs_defaults():
    """config.yaml leaves the paper's teacher seed, seeds, steps and width to the cell spec
    (curse_of_memory.cell.DEFAULTS); every paper cell gets them, and its own keys win."""
    cells = _cells("paper")
    c = cells[("fig3a", "rnn")]["cell"]
    assert c["model"]["hidden"] == DEFAULTS["model"]["hidden"]
    assert c["steps"] == DEFAULTS["steps"] and c["seeds"] == list(range(DEFAULTS["seeds"]))
    task = DEFAULTS["task"]
    assert {k: c["task"][k] for k in task} == task
    assert (
        cells[("fig3b", "more-neurons")]["cell"]["model"]["hidden"] != DEFAULTS["model"]["hidden"]
    )
    pub = cells[("fig10_published", "rnn")]["cell"]
    assert pub["task"]["remap"] == "published" and 3.14 not in [p["theta0"] for p in pub["points"]]


def test_quick_tier_keeps_every_task_point_and_test_tier_is_small():
    paper, quick, test = _cells("paper"), _cells("quick"), _cells("test")
    assert set(quick) == set(paper)
    for key in paper:
        if key[0] == "optimizers":  # the one documented exception: 3 of the 7 nu0 (README, Tiers)
            kept = [p["nu0"] for p in quick[key]["cell"]["points"]]
            assert set(kept) < {p["nu0"] for p in paper[key]["cell"]["points"]}
            continue
        assert quick[key]["cell"]["points"] == paper[key]["cell"]["points"]
        assert len(quick[key]["cell"]["seeds"]) == min(3, len(paper[key]["cell"]["seeds"]))
    assert len(test) <= 6


def test_bad_cell_names_are_config_errors():
    bad = copy.deepcopy(CONFIG["training"])
    bad["select"] = {"fig3a": ["nope"]}
    with pytest.raises(ConfigError, match="training.select.fig3a"):
        build_cells(bad, select=bad["select"])


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("repo"))


@pytest.mark.parametrize(
    "override, key",
    [
        ({"tier": "huge"}, "tier"),
        (
            {"training": {"experiments": {"fig3a": {"cells": {"lru": {"lrs": [-0.1]}}}}}},
            "training.experiments.fig3a.cells.lru.lrs[0]",
        ),
        ({"training": {"defaults": {"task": {"batch": "many"}}}}, "training.defaults.task.batch"),
        ({"tiers": {"quick": {"training": {"reduce": {"seeds": 0}}}}}, "training.reduce.seeds"),
        (
            {"training": {"experiments": {"fig3a": {"points": {"nu0": [1.5], "theta0": [3.14]}}}}},
            "training.experiments.fig3a.points.nu0[0]",
        ),
    ],
)
@pytest.mark.e2e
def test_invalid_value_names_the_key_in_one_line_and_nothing_runs(repo, tmp_path, override, key):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump(override))
    proc = snakemake(repo, "--cores", "1", "--configfile", "config.yaml", str(cfg), timeout=120)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: config:")]
    assert len(errors) == 1 and key in errors[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    # nothing was written: results/ holds at most the committed reference run
    made = [p for p in (repo / "results").glob("*") if p.name != "reference"]
    assert not made, made


@pytest.mark.e2e
def test_a_config_without_optional_sections_runs_on_the_schema_defaults(tmp_path):
    # the rules index CONFIG[section][key]: what the config leaves out comes from the schema
    repo = copy_repo(tmp_path / "repo")
    cfg = copy.deepcopy(CONFIG)
    del cfg["hessian"], cfg["data"]["threads"], cfg["training"]["threads"], cfg["data"]["text"]
    (repo / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    proc = snakemake(repo, "hessians", "-n", "--cores", "1", "--config", "tier=test", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "hessians" in proc.stdout
