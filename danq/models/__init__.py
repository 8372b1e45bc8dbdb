"""Model definitions (DeepSEA, DanQ, DanQ-JASPAR), the name registry and small model helpers."""

from __future__ import annotations

from typing import Any

from torch import nn

from danq.errors import DanqError
from danq.models.danq import DanQ, DanQJaspar
from danq.models.deepsea import DeepSEA
from danq.models.validation import check_model_args

MODELS: dict[str, type[nn.Module]] = {
    "deepsea": DeepSEA,
    "danq": DanQ,
    "danq-jaspar": DanQJaspar,
}


def build_model(name: str, **kwargs: Any) -> nn.Module:
    """Construct the registered architecture ``name`` with constructor arguments ``kwargs``.

    Raises
    ------
    DanqError
        For an unknown name (the message lists the valid ones) or arguments the constructor
        does not accept.
    """
    try:
        model_class = MODELS[name]
    except KeyError:
        valid = ", ".join(sorted(MODELS))
        raise DanqError(f"{name}: unknown model architecture (valid: {valid})") from None
    try:
        check_model_args(kwargs)
        return model_class(**kwargs)
    except DanqError as error:
        raise DanqError(f"{name}: bad model arguments: {error}") from None
    except (TypeError, ValueError, RuntimeError) as error:
        raise DanqError(f"{name}: bad model arguments: {error}") from None


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
    "MODELS",
    "DanQ",
    "DanQJaspar",
    "DeepSEA",
    "build_model",
    "count_parameters",
    "first_conv",
]
