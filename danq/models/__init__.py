"""Model definitions (DeepSEA, DanQ, DanQ-JASPAR, Beluga), the architecture registry and model helpers.

The classes are imported on first use, so reading the registry (``danq train --help``, the
workflow) does not import torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from danq.errors import DanqError
from danq.models.registry import ARCHITECTURES, NAMES, Architecture, build_model, get_architecture

_CLASSES = {
    "DeepSEA": "danq.models.deepsea",
    "DanQ": "danq.models.danq",
    "DanQJaspar": "danq.models.danq",
    "Beluga": "danq.models.beluga",
}


def __getattr__(name: str) -> Any:
    if name in _CLASSES:
        return getattr(import_module(_CLASSES[name]), name)
    raise AttributeError(f"module 'danq.models' has no attribute {name!r}")


def first_conv(model: Any) -> Any:
    """Return the model's first-layer convolution: the first ``nn.Conv1d`` with 4 input channels.

    Its kernels scan the one-hot sequence directly, so they are the ones read out as motifs.
    """
    from torch import nn

    for module in model.modules():
        if isinstance(module, nn.Conv1d) and module.in_channels == 4:
            return module
    raise DanqError(f"{type(model).__name__}: model has no Conv1d with 4 input channels")


def count_parameters(model: Any, trainable_only: bool = False) -> int:
    """Number of scalar parameters (all, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


__all__ = [
    "ARCHITECTURES",
    "NAMES",
    "Architecture",
    "Beluga",
    "DanQ",
    "DanQJaspar",
    "DeepSEA",
    "build_model",
    "count_parameters",
    "first_conv",
    "get_architecture",
]
