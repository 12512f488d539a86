"""Atomic file output: every file is written to a temporary name in the same folder and renamed.

A half-written file is therefore never mistaken for a finished one (a killed job leaves at most a
``.tmp-*`` file behind, which the next run overwrites).  Use these helpers for every output.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

from curse_of_memory.storage import writing

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give finished files the usual mode
    try:
        with writing(path):  # a full disk names the output, not its temporary file
            yield tmp
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def write_parquet(path: str | os.PathLike, df) -> None:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def write_csv(path: str | os.PathLike, df) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def torch_save(path: str | os.PathLike, obj: Any) -> None:
    """``torch.save`` through a temporary file.  torch's zip writer reports a full disk as a
    RuntimeError ('[enforce fail at inline_container.cc] ... file write failed'); it is re-raised
    as ``OSError(ENOSPC, ..., path)`` so that the one-line full-disk message names the file."""
    import torch  # heavy: only this writer needs it, io is imported everywhere

    with atomic_path(path) as tmp:
        try:
            torch.save(obj, tmp)
        except RuntimeError as exc:
            text = str(exc).lower()
            full = "write" in text and ("enforce fail" in text or "streamwriter" in text)
            if not full and shutil.disk_usage(Path(tmp).parent).free > 1 << 20:
                raise
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc


def _json_default(obj):
    import numpy as np  # only numpy scalars need it: keeps `import curse_of_memory.io` light

    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
