# Shared by every rule file: config validation, tier resolution, source fingerprints, targets.
import copy
import hashlib
from pathlib import Path

import yaml
from snakemake.utils import validate

SCHEMA = "../schemas/config.schema.yaml"  # relative to this file
PYTHON = "python"  # the interpreter snakemake runs under; scripts use `script:` or `shell:` with it


def _deep_merge(base, override):
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_tier(raw):
    """config.yaml holds the paper's settings plus `tiers.<name>` overrides; merge the chosen one."""
    tier = raw.get("tier", "quick")
    tiers = raw.get("tiers", {})
    if tier not in tiers and tier != "paper":
        raise ValueError(
            f"config: tier={tier!r} is unknown; allowed: {', '.join(sorted(set(tiers) | {'paper'}))}"
        )
    merged = _deep_merge({k: v for k, v in raw.items() if k != "tiers"}, tiers.get(tier, {}))
    merged["tier"] = tier
    return merged


validate(config, SCHEMA)
C = resolve_tier(config)  # the resolved configuration every rule reads
TIER = C["tier"]


def src_fingerprint(*subpackages):
    """Hash of the package source that a rule runs (all of it if no subpackage is named).

    Passed as a `params:` value so that editing src/ reruns exactly the rules that depend on it.
    """
    root = Path(workflow.basedir) / "src" / "curse_of_memory"
    files = []
    for sub in subpackages or ("",):
        target = root / sub
        files += [target] if target.is_file() else sorted(target.rglob("*.py"))
    files += sorted(p for p in root.glob("*.py"))  # top-level helpers (io, errors) always count
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def log_path(rule_name, stem="log"):
    return f"results/logs/{rule_name}/{stem}.log"


# Every rule file appends the final outputs it owns; `rule all` (Snakefile) requests them.
ALL_TARGETS = []
