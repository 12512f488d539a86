"""Choosing the torch device, with a clear error when a requested GPU is not usable.

``resolve_device("auto")`` gives CUDA when available, else CPU.  Under Slurm, a job that was granted
a GPU (``CUDA_VISIBLE_DEVICES`` or ``SLURM_JOB_GPUS``/``SLURM_GPUS*`` set inside a Slurm job) but
cannot use it fails with one line, unless CPU is explicitly allowed with the environment variable
``CURSE_OF_MEMORY_ALLOW_CPU=1`` (the CI cluster, whose GPU is fake, sets it) or ``device: cpu``.
"""

from __future__ import annotations

import os

from curse_of_memory.errors import ConfigError, UserError

ALLOW_CPU_ENV = "CURSE_OF_MEMORY_ALLOW_CPU"


def gpu_requested_by_scheduler() -> bool:
    if not os.environ.get("SLURM_JOB_ID"):
        return False
    keys = ("SLURM_JOB_GPUS", "SLURM_GPUS", "SLURM_GPUS_ON_NODE", "SLURM_STEP_GPUS")
    if any(os.environ.get(k) for k in keys):
        return True
    cvd = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    return cvd not in ("", "-1", "NoDevFiles")


def resolve_device(requested: str = "auto"):
    import torch  # heavy: the config check imports this module without needing torch

    if requested not in ("auto", "cpu", "cuda") and not str(requested).startswith("cuda:"):
        raise ConfigError("device", f"{requested!r} is not a device", "auto, cpu, cuda, cuda:N")
    if requested == "cpu":
        return torch.device("cpu")
    has_cuda = torch.cuda.is_available()
    if has_cuda:
        return torch.device("cuda" if requested == "auto" else requested)
    allow_cpu = os.environ.get(ALLOW_CPU_ENV, "") not in ("", "0", "false", "no")
    if gpu_requested_by_scheduler() and not allow_cpu:
        raise UserError(
            "a GPU was granted by Slurm but torch cannot use it (torch.cuda.is_available() is "
            f"False; torch {torch.__version__}); install a CUDA build of torch on the cluster, "
            f"or set {ALLOW_CPU_ENV}=1 to run on the CPU"
        )
    if requested.startswith("cuda") and not allow_cpu:
        raise UserError(
            "device: cuda was requested but no usable GPU is present; set device: auto or cpu "
            f"(or {ALLOW_CPU_ENV}=1)"
        )
    return torch.device("cpu")
