"""``python -m curse_of_memory.claims [--figures DIR] [--tables DIR] [--results DIR]``: evaluate
what exists and print the summary (no files written).  Exit status 1 when a check raised (status
``error``: a defect of the check, docs/CLAIMS.md "Outcomes"), else 0 whatever the verdicts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from curse_of_memory.claims.core import Sources, evaluate
from curse_of_memory.claims.render import summary


def main(argv=None) -> int:
    """``python -m curse_of_memory.claims [--figures DIR] [--tables DIR] [--results DIR]``:
    evaluate what exists and print the summary (no files written); exit status 1 when a check
    raised."""
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--figures", default="paper/figures")
    p.add_argument("--tables", default="results/tables")
    p.add_argument("--results", default="results")
    a = p.parse_args(argv)
    recs = evaluate(Sources(Path(a.figures), Path(a.tables), Path(a.results)))
    print(summary(recs))
    return 1 if any(r["status"] == "error" for r in recs) else 0


if __name__ == "__main__":
    sys.exit(main())
