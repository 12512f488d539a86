"""Helper for tests of generated LaTeX: compile a fragment in a bare article with pdflatex."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def assert_compiles(body: str, folder: Path, preamble: str = "") -> None:
    """``body`` compiles inside ``\\begin{document}`` with ``preamble`` (skipped without
    pdflatex: the pipeline then builds no PDF either)."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        pytest.skip("pdflatex is not installed")
    doc = f"\\documentclass{{article}}{preamble}\\begin{{document}}\n{body}\n\\end{{document}}\n"
    (Path(folder) / "fragment.tex").write_text(doc)
    proc = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "fragment.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
