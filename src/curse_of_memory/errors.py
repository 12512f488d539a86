"""One-line errors for bad input.

Every error a user can cause (a wrong config value, a missing or corrupt file, an offline hub, a
diverged run, a full disk) is raised as a :class:`UserError` whose message names the cause and the
fix in one line.  Command-line entry points wrap their ``main`` with :func:`cli_errors`, which
prints ``error: <message>`` to stderr and exits with status 2 instead of showing a traceback.
"""

from __future__ import annotations

import functools
import os
import sys


class UserError(Exception):
    """An error caused by the user's input; its message is one line naming cause and fix."""


class ConfigError(UserError, ValueError):
    """A configuration value is invalid.  Message: ``<field>: <problem>; allowed: <values>``."""

    def __init__(self, field: str, problem: str, allowed: str | None = None):
        msg = f"{field}: {problem}"
        if allowed is not None:
            msg += f"; allowed: {allowed}"
        super().__init__(msg)
        self.field = field


class DataError(UserError):
    """A missing, truncated or corrupt input file (the message says how to regenerate it)."""


def cli_errors(main):
    """Decorate a CLI ``main`` so that a UserError (or a full disk) ends in one line, exit code 2.

    Set ``CURSE_OF_MEMORY_TRACEBACK=1`` to see the full traceback instead.
    """

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except UserError as exc:
            if os.environ.get("CURSE_OF_MEMORY_TRACEBACK"):
                raise
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        except OSError as exc:
            if os.environ.get("CURSE_OF_MEMORY_TRACEBACK") or exc.errno not in (28, 122):
                raise
            print(
                f"error: no space left while writing {exc.filename or 'an output'} "
                f"({exc.strerror}); "
                "free disk space and rerun - finished outputs and saved training states are kept",
                file=sys.stderr,
            )
            sys.exit(2)

    return wrapper


def registered_name(spec, field: str, names, kind: str) -> str:
    """The ``name`` of a ``{name: ..., options...}`` spec, checked against a registry (one-line
    errors)."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise ConfigError(f"{field}.name", "missing", ", ".join(names))
    name = spec["name"]
    if name not in names:
        raise ConfigError(f"{field}.name", f"unknown {kind} {name!r}", ", ".join(names))
    return name
