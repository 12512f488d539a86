"""The claims check: every claim of the paper as a named, falsifiable check on the produced data
(docs/CLAIMS.md).

core       the registry (``CLAIMS``, ``@claim``), ``Sources``, ``evaluate``, ``THRESHOLDS``
render     LaTeX, HTML and console output of the evaluated records
training   checks of the training figures (Figs 3, 4, 9, 10, 11)
theory     checks of the theory figures (Figs 1, 2, 6, 7, 8)
real_data  checks of the real-data figures (Figs 5, 12, 13, 14, 15)
optimizers the optimizer study (beyond the paper): its checks, table and numbers
reference  every training check judged again on the paper-tier reference run

The section modules below register their checks on import, in the order of the imports (the
order of ``CLAIMS`` and of ``results/claims.json``).  A new section module is added to this list;
a module not in it is never loaded.
"""

# isort: off
from curse_of_memory.claims import training  # noqa: F401
from curse_of_memory.claims import theory  # noqa: F401
from curse_of_memory.claims import real_data  # noqa: F401
from curse_of_memory.claims import optimizers  # noqa: F401
# isort: on
