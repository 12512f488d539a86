"""Population training engine (``engine``), exact impulse-response loss (``loss``), vectorised
optimizers with the effective-LR probe (``optim``) and schedules (``schedule``).

Entry points: ``curse_of_memory.train.run_cell`` / ``python -m curse_of_memory.train`` (the CLI);
``curse_of_memory.cell.validate_cell(cell) -> dict``, ``engine.config_hash(cell) -> str``,
``engine.Population(cell, device)`` for step-level use.  Cell format: docs/CELL_FORMAT.md.
"""
