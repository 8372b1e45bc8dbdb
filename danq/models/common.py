"""Shape arithmetic shared by the model definitions."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from danq.errors import DanqError

#: Value Torch7's ``nn.Threshold(0, 1e-6)`` gives to inputs at or below 0 (the released DeepSEA).
TORCH7_THRESHOLD_VALUE = 1e-6


def torch7_threshold(x: torch.Tensor) -> torch.Tensor:
    """Torch7's ``nn.Threshold(0, 1e-6)``: ``x`` where ``x > 0``, else 1e-6 (not 0 as in ReLU)."""
    return F.threshold(x, 0.0, TORCH7_THRESHOLD_VALUE)


#: Hidden-layer activations by name: ReLU for training, the Torch7 threshold for imported weights.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "threshold": torch7_threshold,
}


def conv_length(length: int, kernel_size: int) -> int:
    """Length after a stride-1 'valid' (unpadded) convolution."""
    return length - kernel_size + 1


def pool_length(length: int, pool_size: int) -> int:
    """Length after max pooling with window = stride = ``pool_size`` (remainder dropped)."""
    return length // pool_size


def require_positive_length(arch: str, sequence_length: int, length: int, where: str) -> int:
    """Return ``length`` or raise DanqError when a layer leaves nothing to work on.

    Parameters
    ----------
    arch
        Registry name used in the message (e.g. ``"danq"``).
    sequence_length
        The input length the user asked for.
    length
        The length the layer ``where`` produces.
    where
        Human-readable name of the layer.
    """
    if length < 1:
        raise DanqError(
            f"{arch}: sequence_length {sequence_length} is too short: nothing is left after {where}"
        )
    return length
