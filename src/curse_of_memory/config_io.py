"""Config-time checks of config.yaml that the schema cannot express (for workflow/rules/common.smk).

* :func:`yaml_problem`: a YAML file read strictly - a syntax error (with line and column), a tag the
  safe loader refuses (``!!python/object:...``; Snakemake only says the file is not valid YAML) or
  a key given twice in one mapping (YAML keeps only the last one, so a repeated ``heads-2:`` would
  silently replace the first).  Merge keys (``<<: *anchor``) are not repeats.
* :func:`coerce`: strings where the schema wants a number, an integer, a boolean or null are
  converted - YAML 1.1 reads ``1e-3`` (no dot) as a string, and ``--config`` values nested in a
  mapping arrive as strings (``'64'``); an integer where the schema wants a string (``hf_date:
  20231101``) becomes that string.  What cannot be converted is left for the schema to report.
  :func:`numbers_from_text` does the same for a file without a schema (the train CLI's CELL.yaml).
* :func:`data_problem` and :func:`training_memory_problem`: settings that are valid one by one but
  would make a job fail or silently do less (a partial batch, a window beyond the cache, task
  lengths whose T x T data matrices do not fit in memory).
* :func:`merge_tier` and :func:`fill_defaults`: a tier's overrides merged into the paper's settings,
  then every key the config leaves out set to the schema's default, so that rules read
  ``CONFIG[section][key]`` and the default lives in the schema only (a training cell's defaults
  live in :mod:`curse_of_memory.cell`).
* :func:`resolve_config`: all of it in order, as the pipeline loads its config: strings converted,
  the schema checked, the defaults filled in, the tier merged and checked again, the data settings
  checked; any problem is a one-line :class:`~curse_of_memory.errors.UserError`.

Each problem is returned as one line (``<key>: <cause>; <fix>``); ``None`` means no problem.
Run ``python -m curse_of_memory.config_io FILE.yaml ...`` to check YAML files by hand (Snakemake
reports a YAML syntax error in config.yaml without its line).
"""

from __future__ import annotations

import copy
import math
import os
import re
import sys
from pathlib import Path

import jsonschema
import yaml

from curse_of_memory.errors import UserError

GiB = 1024**3
_MERGE_TAG = "tag:yaml.org,2002:merge"
# numbers as YAML 1.2 reads them (YAML 1.1, i.e. PyYAML, needs a dot in 1.0e-3)
_FLOAT_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_INT_RE = re.compile(r"^[-+]?\d+$")


def human_bytes(n: float) -> str:
    for unit, size in (("TiB", 1024**4), ("GiB", GiB), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


# --- strict YAML --------------------------------------------------------------------------------
def _path_str(path: list) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def _duplicate(node, path, seen_nodes):
    """(key, path, line, first line) of the first key given twice in one mapping, else None."""
    if id(node) in seen_nodes:
        return None
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None:
                if key in first:
                    return key, _path_str(path), key_node.start_mark.line + 1, first[key]
                first[key] = key_node.start_mark.line + 1
            found = _duplicate(value_node, path + [key if key is not None else "?"], seen_nodes)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found = _duplicate(item, path + [i], seen_nodes)
            if found:
                return found
    return None


def _foreign_tag(node, seen_nodes):
    """(tag, line) of the first node whose explicit tag the safe loader cannot build (e.g.
    ``!!python/object:...``, which would run code), else None."""
    if id(node) in seen_nodes:
        return None
    seen_nodes.add(id(node))
    if node.tag != _MERGE_TAG and node.tag not in yaml.SafeLoader.yaml_constructors:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
        return tag, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    for child in children:
        found = _foreign_tag(child, seen_nodes)
        if found:
            return found
    return None


def yaml_problem(path: str | os.PathLike) -> str | None:
    """One line describing a syntax error or a repeated key in the YAML file ``path``, else None."""
    name = str(path)
    if os.path.isabs(name) and Path(name).is_relative_to(Path.cwd()):
        name = os.path.relpath(name)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None  # Snakemake reports a missing config file itself
    except UnicodeDecodeError as exc:
        return (
            f"{name}: is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8"
        )
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "somewhere"
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        ctx = exc.context_mark
        if exc.problem_mark and ctx and exc.context and ctx.line != exc.problem_mark.line:
            problem += f", {exc.context} at line {ctx.line + 1} column {ctx.column + 1}"
        return f"{name} {where}: YAML syntax error ({problem}); fix the YAML at that place"
    except yaml.YAMLError as exc:
        return f"{name}: invalid YAML ({' '.join(str(exc).split())}); fix the YAML"
    if root is None:
        return None
    tagged = _foreign_tag(root, set())
    if tagged:
        tag, line = tagged
        return (
            f"{name} line {line}: the YAML tag {tag} is not allowed (a config holds plain values: "
            "numbers, strings, lists and mappings); remove the tag"
        )
    found = _duplicate(root, [], set())
    if found:
        key, where, line, first = found
        return (
            f"{name} line {line}: key {key!r} is given twice under {where} "
            f"(first at line {first}); "
            "YAML keeps only the last one - remove or rename one of them"
        )
    return None


# --- schema-guided conversion of strings --------------------------------------------------------
def _resolve(schema: dict, root: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        node = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema if isinstance(schema, dict) else {}


def _parts(schema: dict, root: dict) -> list[dict]:
    """The schema and its allOf/oneOf/anyOf alternatives, references resolved."""
    schema = _resolve(schema, root)
    out = [schema]
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            out += _parts(sub, root)
    return out


def _types(parts: list[dict]) -> set[str]:
    types: set[str] = set()
    for part in parts:
        t = part.get("type")
        types |= set(t) if isinstance(t, list) else ({t} if t else set())
    return types


def _convert(text: str, types: set[str]):
    s = text.strip()
    if "null" in types and s.lower() in ("null", "~", "none"):
        return None
    if "boolean" in types and s.lower() in ("true", "false", "yes", "no", "on", "off"):
        return s.lower() in ("true", "yes", "on")
    if "integer" in types and _INT_RE.match(s):
        return int(s)
    if ("number" in types or "integer" in types) and _FLOAT_RE.match(s):
        value = float(s)
        if math.isfinite(value):
            if "number" not in types and value.is_integer():
                return int(value)
            return value
    return text


def coerce(value, schema: dict, root: dict | None = None):
    """``value`` with strings converted to the type the schema wants there (see the module doc)."""
    root = schema if root is None else root
    parts = _parts(schema, root)
    types = _types(parts)
    if isinstance(value, str):
        return value if "string" in types or not types else _convert(value, types)
    if isinstance(value, int) and not isinstance(value, bool) and types == {"string"}:
        return str(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            subs = [p["properties"][key] for p in parts if key in p.get("properties", {})]
            if not subs:
                subs = [
                    p["additionalProperties"]
                    for p in parts
                    if isinstance(p.get("additionalProperties"), dict)
                ]
            out[key] = coerce(item, {"allOf": subs}, root) if subs else item
        return out
    if isinstance(value, list):
        subs = [p["items"] for p in parts if isinstance(p.get("items"), dict)]
        return [coerce(item, {"allOf": subs}, root) if subs else item for item in value]
    return value


def numbers_from_text(value, keep: tuple = ()):
    """``value`` with every string that reads as a number as YAML 1.2 reads it (``1e-3``, which
    YAML 1.1 leaves as text) turned into that int or float, as :func:`coerce` does where the schema
    wants a number; for files without a schema (a CELL.yaml).  Top-level keys in ``keep`` (names
    that may look like numbers) stay as they are."""
    if isinstance(value, dict):
        return {k: v if k in keep else numbers_from_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers_from_text(v) for v in value]
    if isinstance(value, str):
        converted = _convert(value, {"integer", "number"})
        return converted if not isinstance(converted, str) else value
    return value


# --- tier merge and schema defaults -------------------------------------------------------------
def merge_tier(base: dict, override: dict | None) -> dict:
    """``base`` with a tier's ``override`` merged in: mappings merge key by key, anything else
    (lists included) replaces.  Cells merge their settings by another rule
    (:func:`curse_of_memory.experiments.deep_merge`: another ``name`` replaces the options)."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tier(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def fill_defaults(value: dict, schema: dict, root: dict | None = None) -> dict:
    """``value`` (not modified) with every absent key that has a schema ``default`` set to it.

    Descends through ``properties``, ``additionalProperties`` and ``$ref``, never into ``allOf``:
    the schema mixes the optional cell settings into experiments and cells with ``allOf``, and a
    default filled there would override the value the cell inherits from ``training.defaults``.
    The cell settings declare no defaults in the schema: a cell takes what ``training.defaults``
    leaves out from :data:`curse_of_memory.cell.DEFAULTS`.
    """
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if not isinstance(value, dict):
        return value
    out = dict(value)
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        sub = _resolve(sub, root)
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if key in out:
            out[key] = fill_defaults(out[key], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key in out.keys() - properties.keys():
            out[key] = fill_defaults(out[key], extra, root)
    return out


# --- the whole config ---------------------------------------------------------------------------
def _key_path(error) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _schema_message(error) -> str:
    if error.validator == "uniqueItems":
        items = list(error.instance)
        repeated = next(x for i, x in enumerate(items) if x in items[:i])
        return f"{repeated!r} is listed twice; list each value once"
    message = error.message
    if error.validator == "type" and isinstance(error.instance, str):
        message += " (a value YAML or --config left as text)"
    return message if len(message) < 160 else message[:157] + "..."


def schema_problem(config: dict, schema: dict, where: str = "") -> str | None:
    """The schema's most relevant complaint about ``config`` in one line, else None."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return None
    return (
        f"{_key_path(error)}: {_schema_message(error)}{where}; fix config.yaml or the "
        f"--config value (allowed values: workflow/schemas/config.schema.yaml)"
    )


def resolve_tier(config: dict) -> dict:
    """The paper's settings with the chosen tier's overrides (``tiers.<tier>``) merged in."""
    tier, tiers = config["tier"], config["tiers"]
    if tier not in tiers and tier != "paper":
        raise UserError(
            f"tier: {tier!r} is unknown; allowed: {', '.join(sorted(set(tiers) | {'paper'}))}"
        )
    merged = merge_tier({k: v for k, v in config.items() if k != "tiers"}, tiers.get(tier, {}))
    merged["tier"] = tier
    return merged


def resolve_config(config: dict, schema: dict) -> tuple[dict, dict]:
    """(the paper's settings, the tier's settings) of a config as read from config.yaml and
    ``--config``: strings that should be numbers converted (:func:`coerce`), the schema checked,
    every key left out set to its schema default; then the tier merged (:func:`resolve_tier`),
    converted, checked and filled again, and the data settings checked (:func:`data_problem`).
    Raises a one-line UserError (``<key>: <problem>; <fix>``)."""
    coerced = coerce(dict(config), schema)
    problem = schema_problem(coerced, schema)
    if problem:
        raise UserError(problem)
    paper = fill_defaults(coerced, schema)
    resolved = coerce(resolve_tier(paper), schema)
    problem = schema_problem(resolved, schema, where=f" (after merging tiers.{resolved['tier']})")
    if problem:
        raise UserError(problem)
    resolved = fill_defaults(resolved, schema)
    problem = data_problem(resolved["data"])
    if problem:
        raise UserError(problem)
    return paper, resolved


# --- data and memory checks ---------------------------------------------------------------------
def embedding_width(model: str | None) -> int:
    """Hidden size of the embedding model, where it is known without loading it (else
    BERT-base's)."""
    return 384 if not model or model == "bundled" else 768


def cache_bytes(windows: int, data: dict) -> int:
    item = 2 if data.get("dtype", "float16") == "float16" else 4
    return windows * 512 * embedding_width(data.get("model")) * item


def data_problem(data: dict) -> str | None:
    """The first problem of the ``data`` section (merged tier) that the schema cannot see."""
    sig = data.get("signal", {})
    n, b = sig.get("n_sequences"), sig.get("batch_size")
    if n is not None and b is not None and n % b:
        lo, hi = (n // b) * b, (n // b + 1) * b
        fix = f"use {hi}" if lo == 0 else f"use {lo} or {hi}"
        short = f"{n % b} window" + ("s" if n % b > 1 else "")
        return (
            f"data.signal.n_sequences: {n} is not a multiple of batch_size {b} (the last batch "
            f"would hold {short}); {fix}, or change batch_size"
        )
    windows = data.get("max_windows")
    if windows is None:
        return None
    uses = [
        ("data.signal.n_sequences", n, n),
        (
            "data.fig15.seeds",
            data.get("fig15", {}).get("seeds"),
            data.get("fig15", {}).get("seeds"),
        ),
        (
            "data.fig14.sequence",
            data.get("fig14", {}).get("sequence"),
            None
            if data.get("fig14", {}).get("sequence") is None
            else data["fig14"]["sequence"] + 1,
        ),
    ]
    for key, value, needed in uses:
        if needed is not None and needed > windows:
            return (
                f"{key}: {value} needs {needed} embedding windows but data.max_windows is "
                f"{windows}; "
                f"use at most {windows - 1 if key.endswith('sequence') else windows}, or raise "
                f"data.max_windows to {needed} (a cache of {needed} windows takes about "
                f"{human_bytes(cache_bytes(needed, data))} of memory and disk)"
            )
    return None


def training_bytes(cell: dict) -> int:
    """Peak memory of a cell's per-step data matrices: per seed a T x T Gram matrix, built through
    two intermediates of the same size, plus the int64 index tables of size T x T."""
    T = int(cell["task"]["T"])
    item = 8 if cell.get("dtype") == "float64" else 4
    return T * T * (3 * len(cell["seeds"]) * item + 3 * 8)


def physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _seeds(cell: dict) -> str:
    n = len(cell["seeds"])
    return f"{n} seed" + ("s" if n != 1 else "")


def training_memory_problem(cells: dict, limit: int | None = None) -> str | None:
    """The first cell whose data matrices need more memory than ``limit`` (default: this
    machine's)."""
    limit = physical_memory() if limit is None else limit
    if not limit:
        return None
    for (exp, name), entry in cells.items():
        cell = entry["cell"]
        need = training_bytes(cell)
        if need > limit:
            return (
                f"training.experiments.{exp}.cells.{name} (merged): task.T: {cell['task']['T']} "
                f"needs about {human_bytes(need)} of memory ({_seeds(cell)} x 3 T x T matrices "
                f"and their index tables), more than the {human_bytes(limit)} of this machine; "
                "use a smaller task.T (memory grows as T^2) or fewer seeds"
            )
    return None


def main(argv: list[str] | None = None) -> int:
    """Check YAML files for syntax errors and repeated keys; exit status 1 if any has a problem."""
    status = 0
    for name in (sys.argv[1:] if argv is None else argv) or ["config.yaml"]:
        problem = yaml_problem(name)
        print(
            f"error: config: {problem}" if problem else f"{name}: ok",
            file=sys.stderr if problem else sys.stdout,
        )
        status |= bool(problem)
    return status


if __name__ == "__main__":
    sys.exit(main())
