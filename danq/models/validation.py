"""Checks of model constructor arguments, so that a bad value is a one-line error before a model
is built (``--model-arg dense_hidden=0``) or loaded (a checkpoint header with ``conv_channels=-4``),
instead of a torch RuntimeError or a model with an empty layer that trains silently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from danq.errors import DanqError

#: layer sizes and counts: whole numbers of at least 1 (a list for DeepSEA's three conv layers)
POSITIVE_INTS = ("sequence_length", "n_targets", "conv_channels", "conv_width", "pool_size",
                 "lstm_hidden", "dense_hidden")
#: counts that may be 0
NON_NEGATIVE_INTS = ("n_jaspar_kernels",)
#: dropout probabilities: in [0, 1)
PROBABILITIES = ("conv_dropout", "lstm_dropout", "dropout")
#: initialisation scales: positive numbers (None: the architecture's own default scheme)
POSITIVE_FLOATS = ("init_scale", "init_std")


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_model_args(args: Mapping[str, Any]) -> None:
    """Raise DanqError naming the first argument whose value cannot make a working model.

    Unknown names are left to the constructor (which reports them); only the value ranges of
    the arguments danq's architectures share are checked here.
    """
    for key, value in args.items():
        items = _items(value)
        if key in POSITIVE_INTS or key in NON_NEGATIVE_INTS:
            low = 1 if key in POSITIVE_INTS else 0
            if not items or not all(_is_int(v) and v >= low for v in items):
                raise DanqError(
                    f"{key}={value!r}: must be a whole number of at least {low}"
                )
        elif key in PROBABILITIES:
            if not items or not all(_is_number(v) and 0 <= v < 1 for v in items):
                raise DanqError(f"{key}={value!r}: dropout must be a number in [0, 1)")
        elif key in POSITIVE_FLOATS and value is not None and not (_is_number(value) and value > 0):
            raise DanqError(f"{key}={value!r}: must be a positive number")
