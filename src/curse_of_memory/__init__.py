"""curse-of-memory: a reproducible pipeline for Zucchet & Orvieto (NeurIPS 2024).

Subpackages
-----------
models    linear RNN (dense / multi-head), diagonal (complex, LRU, S4-like), GRU, deep stack
tasks     the teacher-student linear system identification task
training  population engine, optimizers, schedules, effective-LR probe, checkpoints
theory    closed forms: moments, sensitivity kernel S, 1-D landscapes, Hessians, GRU theory
data      Wikipedia text -> BERT embeddings, autocorrelation
claims    the claims check: registry, one module per paper topic, LaTeX/HTML/console output
report    generated paper artefacts: results tables, numbers, errata, hyperparameter tables
plotting  one style for every figure of the paper

Modules (among others)
----------------------
experiments  config.yaml's training section -> one cell dictionary per training cell
aggregate    aggregation over seeds: best lr per configuration, diverged seeds counted
"""

__version__ = "0.1.0"
