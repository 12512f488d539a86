"""environment.yml (conda, clusters) and pyproject.toml declare the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    """'Snakemake >=9, <10' -> 'snakemake<10,>=9' (name normalised, specifiers sorted)."""
    req = re.sub(r"\s+", "", req)
    name, extras, spec = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?(.*)$", req).groups()
    name = re.sub(r"[-_.]+", "-", name).lower() + (extras or "")
    return name + ",".join(sorted(spec.split(","))) if spec else name


def _pyproject():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(data["dependencies"]) + list(data.get("optional-dependencies", {}).get("test", []))
    return {_norm(r) for r in reqs}, data["requires-python"]


def _environment():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return conda, pip


def test_environment_pip_section_matches_pyproject():
    wanted, _ = _pyproject()
    _, pip = _environment()
    declared = {_norm(r) for r in pip if not r.startswith("-e")}
    assert declared == wanted, (
        f"only in environment.yml: {sorted(declared - wanted)}; "
        f"only in pyproject.toml: {sorted(wanted - declared)}"
    )


def test_environment_installs_the_package_and_matches_python():
    _, requires_python = _pyproject()
    conda, pip = _environment()
    assert "-e ." in pip or "-e .[test]" in pip
    python = next(d for d in conda if d.startswith("python"))
    version = python.split("=")[-1]
    minimum = requires_python.replace(">=", "")
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split(".")))


def test_norm_distinguishes_versions():
    assert _norm("torch>=2.3") != _norm("torch>=2.4")
    assert _norm("Snakemake >=9, <10") == _norm("snakemake<10,>=9")
