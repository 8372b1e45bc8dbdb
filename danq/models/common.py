"""Shape arithmetic shared by the model definitions."""

from __future__ import annotations

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
