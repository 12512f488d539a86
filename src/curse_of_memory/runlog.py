"""Per-job logs for pipeline scripts (no Snakemake import: the snakemake object is duck-typed).

In a ``script:`` of a rule::

    from curse_of_memory.runlog import snakemake_log
    with snakemake_log(snakemake):
        ...  # stdout, stderr and warnings go to the rule's log: file; a UserError ends in one line
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from pathlib import Path

from curse_of_memory.errors import UserError


@contextlib.contextmanager
def snakemake_log(smk):
    log_files = list(getattr(smk, "log", []) or [])
    if not log_files:
        yield
        return
    path = Path(log_files[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LogFile(path) as fh:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = fh
        logging.basicConfig(
            stream=fh,
            level=logging.INFO,
            force=True,
            format="%(asctime)s %(levelname)s %(message)s",
        )
        logging.captureWarnings(True)
        for noisy in ("fontTools", "matplotlib", "PIL"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        try:
            yield
        except UserError as exc:
            _say(fh, f"error: {exc}")
            sys.stdout, sys.stderr = old_out, old_err
            print(f"error: {exc}  (log: {path})", file=sys.stderr)
            sys.exit(2)
        except (
            OSError
        ) as exc:  # a full disk (or quota) ends in one line too, as in errors.cli_errors
            if exc.errno not in (28, 122):
                traceback.print_exc(file=fh)  # keep the traceback in the rule's log as well
                raise
            msg = (
                f"no space left while writing {exc.filename or 'an output'} ({exc.strerror}); "
                "free disk space and rerun - finished outputs are kept"
            )
            _say(fh, f"error: {msg}")  # the log may sit on the full disk itself
            sys.stdout, sys.stderr = old_out, old_err
            print(f"error: {msg}  (log: {path})", file=sys.stderr)
            sys.exit(2)
        except Exception:
            traceback.print_exc(file=fh)  # an unexpected error: the rule's log keeps the traceback
            raise
        finally:
            sys.stdout, sys.stderr = old_out, old_err


def _say(fh, text: str) -> None:
    try:
        print(text, file=fh)
    except OSError:
        pass


class _LogFile:
    """The rule's log, opened line-buffered; a log that cannot be flushed on close (a full disk)
    does not hide the job's own error, which has reached the console by then."""

    def __init__(self, path: Path):
        self.fh = open(path, "w", buffering=1)

    def __enter__(self):
        return self.fh

    def __exit__(self, *exc):
        try:
            self.fh.close()
        except OSError:
            pass
        return False
