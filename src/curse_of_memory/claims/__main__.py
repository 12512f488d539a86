"""``python -m curse_of_memory.claims [--figures DIR] [--tables DIR] [--results DIR]``: evaluate
what exists and print the summary (no files written)."""

from __future__ import annotations

from pathlib import Path

from curse_of_memory.claims.core import Sources, evaluate
from curse_of_memory.claims.render import summary


def main(argv=None):
    """``python -m curse_of_memory.claims [--figures DIR] [--tables DIR] [--results DIR]``:
    evaluate what exists and print the summary (no files written)."""
    import argparse

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--figures", default="paper/figures")
    p.add_argument("--tables", default="results/tables")
    p.add_argument("--results", default="results")
    a = p.parse_args(argv)
    recs = evaluate(Sources(Path(a.figures), Path(a.tables), Path(a.results)))
    print(summary(recs))


if __name__ == "__main__":
    main()
