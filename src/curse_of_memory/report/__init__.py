"""The paper's generated artefacts besides figures and claims.

tables   booktabs results tables of Figs 3, 10 (bottom), 11 and the diverged seeds
numbers  the numbers paper/main.tex quotes, as LaTeX macros
errata   the errata table: discrepancies of the original code and their measured effect
hparams  the appendix hyperparameter tables (Tables 1-3)
"""
