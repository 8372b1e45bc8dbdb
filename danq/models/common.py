"""Shape arithmetic, activations and the base class shared by the model definitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

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


class DanqModule(nn.Module):
    """Base of danq's architectures: what a model must say about itself to be saved and rebuilt.

    A subclass sets ``arch`` (its registry name) and, in ``__init__``, ``sequence_length``,
    ``n_targets`` and ``model_args`` (its constructor arguments as plain data). Checkpoints store
    :meth:`checkpoint_args` and :meth:`extra_checkpoint_state`; loading rebuilds the model from the
    former and hands the latter back to :meth:`load_extra_checkpoint_state`. A model with state
    outside its ``state_dict`` (DanQ-JASPAR's motif ids) overrides these, so that checkpoint and
    training code never special-case an architecture.
    """

    arch: str = ""
    sequence_length: int
    n_targets: int
    #: Constructor arguments as plain data, stored in checkpoints to rebuild the model.
    model_args: dict[str, Any]

    @classmethod
    def restore_args(cls, model_args: Mapping[str, Any]) -> dict[str, Any]:
        """Constructor arguments for rebuilding the model when its weights come from a file."""
        return dict(model_args)

    def checkpoint_args(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this model for loading its saved weights."""
        return self.restore_args(self.model_args)

    def extra_checkpoint_state(self) -> dict[str, Any]:
        """Plain data the model needs restored besides its ``state_dict`` (none by default)."""
        return {}

    def load_extra_checkpoint_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`extra_checkpoint_state` saved."""

    def quantizable_layers(self) -> set[type[nn.Module]]:
        """Layer types ``--precision int8`` may replace by dynamically quantized ones."""
        return {nn.Linear, nn.LSTM}
