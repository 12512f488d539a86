"""The teacher-student linear system identification task (METHODS §3).

``make_teacher(nu0, theta0=3.14, remap="default", seed=42, n=10) -> Teacher`` (float64: A, B, C, D,
``kernel(T)``, ``outputs(x)``, ``stationary_variance``, ``to_json()``);
``teacher_has_real_negative_eigs(seed=42, n=10) -> bool`` (does the Fig 10 'published' remap
differ?);
``teacher_kernels(points, T, remap, seed, n) -> (teachers, kernels (P, T))``.
"""

from curse_of_memory.tasks.teacher import (
    Teacher,
    make_teacher,
    teacher_has_real_negative_eigs,
    teacher_kernels,
)

__all__ = ["Teacher", "make_teacher", "teacher_has_real_negative_eigs", "teacher_kernels"]
