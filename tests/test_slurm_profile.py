"""The Slurm profile (slurm/config.yaml) as Snakemake reads it; no cluster needed.

The end-to-end runs on a real Slurm are in tests/test_slurm_cluster.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from snakemake.profiles import ProfileConfigFileParser

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "slurm" / "config.yaml"
SITE_ENV = ("SLURM_ACCOUNT", "SBATCH_ACCOUNT", "SLURM_PARTITION", "SBATCH_PARTITION")


def parse_profile(cwd: Path, monkeypatch, **env) -> dict:
    """The profile as snakemake turns it into command-line arguments, run from `cwd`."""
    for name in SITE_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    with open(cwd / "slurm" / "config.yaml") as stream:
        return dict(ProfileConfigFileParser().parse(stream))


def as_mapping(entries: list[str]) -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in entries)


def attempt_values(expression: str) -> list[int]:
    return [eval(expression, {"attempt": attempt}) for attempt in (1, 2)]


@pytest.fixture
def repo_copy(tmp_path):
    """Just the profile folder, in a fresh 'repository root' (site.yaml tests write into it)."""
    shutil.copytree(ROOT / "slurm", tmp_path / "slurm")
    (tmp_path / "slurm" / "site.yaml").unlink(missing_ok=True)
    return tmp_path


def test_profile_uses_the_slurm_plugin_and_polls_with_squeue(repo_copy, monkeypatch):
    args = parse_profile(repo_copy, monkeypatch)
    assert args["executor"] == "slurm"
    # sacct without an accounting database makes the plugin wait forever
    assert args["slurm-status-command"] == "squeue"
    # the plugin switches back to sacct unless MinJobAge (Slurm's default 300 s) >= 3 x init
    assert 3 * int(args["slurm-init-seconds-before-status-checks"]) <= 300
    assert int(args["retries"]) >= 1
    assert args["keep-going"] == "True"


def test_resources_grow_with_the_attempt(repo_copy, monkeypatch):
    args = parse_profile(repo_copy, monkeypatch)
    defaults = as_mapping(args["default-resources"])
    for key in ("runtime", "mem_mb"):
        first, second = attempt_values(defaults[key])
        assert 0 < first < second, (key, defaults[key])
    per_rule: dict[str, dict[str, str]] = {}
    for entry in args["set-resources"]:
        rule, assignment = entry.split(":", 1)
        key, value = assignment.split("=", 1)
        per_rule.setdefault(rule, {})[key] = value
    assert "train_cell" in per_rule
    for rule, resources in per_rule.items():
        assert {"runtime", "mem_mb"} <= set(resources), rule
        for key in ("runtime", "mem_mb"):
            first, second = attempt_values(resources[key])
            assert 0 < first < second, (rule, key, resources[key])
        # the plugin rejects these inside slurm_extra; the GPU belongs to the rule itself
        assert "gpu" not in resources, "train_cell asks for its GPU itself (gpu=0 when device: cpu)"


def test_no_site_settings_means_no_account_and_no_partition(repo_copy, monkeypatch):
    defaults = as_mapping(parse_profile(repo_copy, monkeypatch)["default-resources"])
    assert "slurm_account" not in defaults
    assert "slurm_partition" not in defaults


def test_account_and_partition_come_from_the_environment(repo_copy, monkeypatch):
    defaults = as_mapping(
        parse_profile(
            repo_copy,
            monkeypatch,
            SLURM_ACCOUNT="proj42",
            SBATCH_ACCOUNT="ignored",
            SBATCH_PARTITION="long",
        )["default-resources"]
    )
    # quoted: snakemake must not evaluate them as Python (`long` would still work, `input` not)
    assert defaults["slurm_account"] == "'proj42'"
    assert defaults["slurm_partition"] == "'long'"


def test_site_yaml_adds_resources_and_the_environment_wins(repo_copy, monkeypatch):
    (repo_copy / "slurm" / "site.yaml").write_text(
        "slurm_account: from_file\nslurm_partition: gpu\nqos: normal\n"
    )
    defaults = as_mapping(
        parse_profile(repo_copy, monkeypatch, SLURM_PARTITION="a100")["default-resources"]
    )
    assert defaults["slurm_account"] == "'from_file'"
    assert defaults["slurm_partition"] == "'a100'"
    assert defaults["qos"] == "'normal'"


def test_malformed_site_yaml_is_an_error(repo_copy, monkeypatch):
    (repo_copy / "slurm" / "site.yaml").write_text("- just\n- a list\n")
    with pytest.raises(Exception, match="site.yaml"):
        parse_profile(repo_copy, monkeypatch)


def test_site_yaml_is_not_tracked():
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "-q", "slurm/site.yaml"], cwd=ROOT, check=False)
    assert result.returncode == 0, "slurm/site.yaml must be git-ignored (slurm/.gitignore)"


def workflow_rules() -> dict[str, bool]:
    """{rule name: runs locally under an executor like slurm}, from the real Snakefile."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        OutputSettings,
        Quietness,
        ResourceSettings,
    )

    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(config={"tier": "test"}),
            snakefile=ROOT / "Snakefile",
            workdir=ROOT,
        )
        workflow = workflow_api._workflow  # loads the Snakefile and its includes
        return {
            rule.name: rule.name in workflow._localrules or rule.norun for rule in workflow.rules
        }


@pytest.mark.e2e  # reads the whole workflow through Snakemake's API
def test_only_the_profiles_sized_rules_go_to_the_cluster(repo_copy, monkeypatch):
    """Every rule that becomes a Slurm job has calibrated resources; all others are local.

    A new plot or table rule without `localrule: True` would become one tiny cluster job per
    output; a new heavy rule without an entry under set-resources would get the fallback size.
    """
    sized = {e.split(":", 1)[0] for e in parse_profile(repo_copy, monkeypatch)["set-resources"]}
    monkeypatch.chdir(ROOT)
    rules = workflow_rules()
    cluster = {name for name, local in rules.items() if not local}
    assert sized <= set(rules), f"set-resources names unknown rules: {sorted(sized - set(rules))}"
    assert cluster == sized, (
        f"rules that would be Slurm jobs but should be local (add `localrule: True`): "
        f"{sorted(cluster - sized)}; sized but local: {sorted(sized - cluster)}"
    )
