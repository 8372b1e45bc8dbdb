"""Threads, devices and precision: the settings every torch-running stage shares."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from danq.errors import DanqError

PRECISIONS = ("fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")


def available_cpus() -> int:
    """CPUs this process may really run on (affinity mask / cgroup-aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def set_threads(requested: int | None = None) -> int:
    """Set torch's intra-op threads to ``requested`` capped at the available CPUs; return the count.

    Snakemake's ``--cores 8`` on a 2-core machine exports OMP_NUM_THREADS=8; without this cap every
    job would oversubscribe the machine. ``None`` or 0 means "all available CPUs".
    """
    import torch

    cpus = available_cpus()
    n = cpus if not requested or requested <= 0 else min(int(requested), cpus)
    torch.set_num_threads(n)
    with contextlib.suppress(RuntimeError):  # may only be set once per process
        torch.set_num_interop_threads(min(n, 2))
    return n


def resolve_device(name: str = "auto") -> Any:
    """Turn ``auto|cpu|cuda|cuda:N`` into a ``torch.device``; error clearly if CUDA is missing."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DanqError(f"--device {name}: CUDA is not available on this machine (use cpu or auto)")
        return torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise DanqError(f"--device {name}: expected one of auto, cpu, cuda, cuda:N")


def autocast(device: Any, precision: str = "fp32") -> contextlib.AbstractContextManager:
    """Autocast context for ``precision`` on ``device`` (a no-op for fp32)."""
    import torch

    if precision not in PRECISIONS:
        raise DanqError(f"--precision {precision}: expected one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    if precision == "fp16" and device.type == "cpu":
        raise DanqError("--precision fp16 needs a CUDA device; use bf16 on the CPU")
    return torch.autocast(device_type=device.type, dtype=dtype)
