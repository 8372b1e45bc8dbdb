"""Model definitions (DeepSEA, DanQ, DanQ-JASPAR, Beluga), the architecture registry and model helpers."""

from __future__ import annotations

from torch import nn

from danq.errors import DanqError
from danq.models.beluga import Beluga
from danq.models.danq import DanQ, DanQJaspar
from danq.models.deepsea import DeepSEA
from danq.models.registry import ARCHITECTURES, NAMES, Architecture, build_model, get_architecture


def first_conv(model: nn.Module) -> nn.Conv1d:
    """Return the model's first-layer convolution: the first ``nn.Conv1d`` with 4 input channels.

    Its kernels scan the one-hot sequence directly, so they are the ones read out as motifs.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv1d) and module.in_channels == 4:
            return module
    raise DanqError(f"{type(model).__name__}: model has no Conv1d with 4 input channels")


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
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
