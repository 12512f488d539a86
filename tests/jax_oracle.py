"""JAX as a test oracle (the `test` extra; the pipeline never imports it).

``import_jax()``: the module, or a skip where JAX is not installed (CI installs the test extra,
so there a missing JAX is an error, not a skip).  ``jax_paper_mode(jax, x64)``: JAX configured
as the paper's code ran it (non-partitionable threefry; 64-bit mode as asked), then restored.
"""

from __future__ import annotations

import contextlib
import os

import pytest


def import_jax():
    if os.environ.get("CI"):
        import jax

        return jax
    return pytest.importorskip("jax", reason="jax is in the test extra (pip install -e .[test])")


@contextlib.contextmanager
def jax_paper_mode(jax, x64: bool):
    old = (jax.config.jax_threefry_partitionable, jax.config.jax_enable_x64)
    jax.config.update("jax_threefry_partitionable", False)
    jax.config.update("jax_enable_x64", x64)
    try:
        yield
    finally:
        jax.config.update("jax_threefry_partitionable", old[0])
        jax.config.update("jax_enable_x64", old[1])
