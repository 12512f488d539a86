"""Closed-form theory of the paper (METHODS §4), float64, vectorised; no Snakemake inside.

Modules
-------
``moments``    E|h|^2, E|d_lam h|^2 for inputs with autocorrelation rho^|Delta| (real and complex
               lam), the cross-moment f, the exact sensitivity kernel S (partial-fraction and
               expanded closed forms, and torch autodiff of f), the as-published S_vis, gamma(lam).
``landscape``  1-D teacher-student losses with and without gamma (NumPy or torch), the
               parametrisations polar / exp / opt / tanh_polar / tanh_exp and their derivatives,
               autodiff second derivatives, the METHODS §4.5 curvature table.
``toy``        the Fig 7 optimisation: six trajectories (3 parametrisations x real Adam / sign
               descent) in lock-step.
``figdata``    the numbers plotted in Figs 1, 2, 6, 7, 8 as tidy tables (columns documented there).
``gru``        GRU-as-diagonal-network theory of Fig 15 (METHODS §4.7).

The closed-form Gauss-Newton Hessian (METHODS §4.6, Fig 10 top) is
:mod:`curse_of_memory.hessian.closed_form`.
"""
