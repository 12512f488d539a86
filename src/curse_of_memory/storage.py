"""A full disk named in one line: which output could not be written, and how much space it needs.

* :func:`writing` re-raises a full-disk error (ENOSPC, a quota, or a library's error that says so)
  raised while writing ``path`` as ``OSError(ENOSPC, ..., path)`` - naming the output, not a
  temporary file or nothing at all - so that ``runlog.snakemake_log`` and ``errors.cli_errors``
  print ``error: no space left while writing <path> ...``.
* :func:`require_space` refuses, before anything is created, to start writing ``nbytes`` where the
  file system has less free space.
* :func:`reserve` allocates the blocks of a file written through a memory map: a page written
  to a memory-mapped file on a full disk kills the process with SIGBUS (no exception, and the
  temporary file stays behind); with the blocks allocated up front the failure is an ordinary
  ENOSPC at allocation time, which the atomic writer cleans up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path
from typing import Iterator

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_NO_SPACE_TEXT = ("no space left on device", "disk quota exceeded")


def _size(n: float) -> str:
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def is_no_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and (
        exc.errno in NO_SPACE or any(t in str(exc).lower() for t in _NO_SPACE_TEXT)
    )


@contextlib.contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Name ``path`` in a full-disk error raised inside the block (see the module docstring)."""
    try:
        yield
    except OSError as exc:
        if not is_no_space(exc) or exc.filename == str(path):
            raise
        code = exc.errno if exc.errno in NO_SPACE else errno.ENOSPC
        raise OSError(code, exc.strerror or os.strerror(code), str(path)) from exc


def require_space(path: str | os.PathLike, nbytes: int) -> None:
    """Refuse (OSError ENOSPC naming ``path``) when its folder has less than ``nbytes`` free."""
    folder = Path(path).parent
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if nbytes > free:
        raise OSError(
            errno.ENOSPC,
            f"No space left on device: it needs {_size(nbytes)}, {_size(free)} are free",
            str(path),
        )


def reserve(path: str | os.PathLike, nbytes: int) -> None:
    """Allocate the first ``nbytes`` of the existing file ``path`` on disk (ENOSPC if they do not
    fit).  A file system that cannot allocate ahead is left as it is."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, nbytes)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
    finally:
        os.close(fd)
