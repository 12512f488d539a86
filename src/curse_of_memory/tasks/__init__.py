"""The teacher-student linear system identification task (METHODS §3).

``make_teacher(nu0, theta0=3.14, remap="default", *, seed, n) -> Teacher`` (float64: A, B, C, D,
``kernel(T)``, ``outputs(x)``, ``stationary_variance``, ``to_json()``);
``teacher_has_real_negative_eigs(seed, n) -> bool`` (does the Fig 10 'published' remap differ?);
``teacher_kernels(points, T, remap, seed, n) -> (teachers, kernels (P, T))``.  ``seed`` and ``n``
are a cell's ``teacher_seed`` and ``teacher_hidden`` (defaults: ``curse_of_memory.cell.DEFAULTS``).
"""

from curse_of_memory.tasks.teacher import (
    Teacher,
    make_teacher,
    teacher_has_real_negative_eigs,
    teacher_kernels,
)

__all__ = ["Teacher", "make_teacher", "teacher_has_real_negative_eigs", "teacher_kernels"]
