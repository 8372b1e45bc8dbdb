"""Shape arithmetic and the checkpoint hooks shared by the model definitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from danq.errors import DanqError


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
    """Base of the danq architectures: what a model saves and restores beyond its state dict.

    Checkpoint code calls these hooks generically, so an architecture with extra state (such as
    DanQ-JASPAR's motif ids) needs no special case outside its own file.
    """

    #: Constructor arguments as plain data, stored in checkpoints to rebuild the model.
    model_args: dict[str, Any]

    def extra_checkpoint_state(self) -> dict[str, Any]:
        """Plain-data fields to store in the checkpoint header (none by default)."""
        return {}

    def load_extra_checkpoint_state(self, header: Mapping[str, Any]) -> None:
        """Take back what :meth:`extra_checkpoint_state` stored (a checkpoint header)."""

    @classmethod
    def restore_args(cls, model_args: Mapping[str, Any]) -> dict[str, Any]:
        """Constructor arguments for rebuilding the model when its weights come from a file."""
        return dict(model_args)
