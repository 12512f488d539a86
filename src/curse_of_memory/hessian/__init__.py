"""Hessian maths, float64: closed forms, autodiff Hessians of models at an optimum, Adam's effective
learning rates, and the numbers the Hessian panels plot.  No plotting and no Snakemake inside.

Modules
-------
``closed_form``   ``gauss_newton_diagonal(lam, b, c, rho) -> (2n, 2n)`` ordered
                  [Re lam_1..n ; Im lam_1..n] (METHODS §4.6), ring sampling, the Fig 10 top data.
``measured``      the hand-built teacher, the four students (rnn, crnn, lru, s4) set exactly to
                  it in the explicit group order of METHODS §5, autodiff Hessian and Gauss-Newton
                  matrix of the ½-MSE batch loss, the ``results/hessian/`` files (Figs 4, 9 top).
``effective_lr``  Adam's per-entry effective lrs of a trained cell (``final.pt``) by group, the
                  probe ceiling (METHODS §1.5) and the per-group numbers of the strip plots
                  (Figs 4, 9 bottom).
``spectrum``      descending eigen-decomposition, NaN-gapped group layout, tidy tables of a Hessian.

Every public name is importable from the package: ``from curse_of_memory import hessian as hs``.
"""

from curse_of_memory.hessian.closed_form import (
    fig10_theory_hessians,
    gauss_newton_diagonal,
    ring_eigenvalues,
)
from curse_of_memory.hessian.effective_lr import (
    ADAM_B1,
    ADAM_B2,
    ADAM_EPS,
    elr_by_group,
    elr_entries,
    elr_summary,
    kind_of_model,
    log10_summary,
    probe_ceiling,
    read_final,
    trained_elr,
)
from curse_of_memory.hessian.measured import (
    DRAWS,
    DTYPE,
    EIG_COUNT_FLOOR,
    GROUPS,
    KINDS,
    MODAL_SCALINGS,
    S4_PUBLISHED,
    STUDENTS,
    TITLES,
    Forward,
    Group,
    HandTeacher,
    HessianResult,
    ParamLayout,
    batch_loss_fn,
    dense_recurrence,
    full_hessian,
    gauss_newton,
    half_mse,
    hand_built_teacher,
    hessian_at_optimum,
    layout_for,
    load_hessians,
    model_forward,
    optimum_hessians,
    optimum_values,
    save_hessians,
    student_at_optimum,
    teacher_outputs,
    white_noise,
)
from curse_of_memory.hessian.spectrum import eig_desc, hessian_tables, padded

__all__ = [
    # closed_form
    "fig10_theory_hessians",
    "gauss_newton_diagonal",
    "ring_eigenvalues",
    # measured
    "DRAWS",
    "DTYPE",
    "EIG_COUNT_FLOOR",
    "GROUPS",
    "KINDS",
    "MODAL_SCALINGS",
    "S4_PUBLISHED",
    "STUDENTS",
    "TITLES",
    "Forward",
    "Group",
    "HandTeacher",
    "HessianResult",
    "ParamLayout",
    "batch_loss_fn",
    "dense_recurrence",
    "full_hessian",
    "gauss_newton",
    "hand_built_teacher",
    "half_mse",
    "hessian_at_optimum",
    "layout_for",
    "load_hessians",
    "model_forward",
    "optimum_hessians",
    "optimum_values",
    "save_hessians",
    "student_at_optimum",
    "teacher_outputs",
    "white_noise",
    # effective_lr
    "ADAM_B1",
    "ADAM_B2",
    "ADAM_EPS",
    "elr_by_group",
    "elr_entries",
    "elr_summary",
    "kind_of_model",
    "log10_summary",
    "probe_ceiling",
    "read_final",
    "trained_elr",
    # spectrum
    "eig_desc",
    "hessian_tables",
    "padded",
]
