"""What the four published layouts share: their names, sizes and alphabet, and loading converted tensors.

Alphabet: all four were trained on one-hot A,G,C,T input; danq feeds A,C,G,T. The importer permutes the
first convolution's input channels (AGCT -> ACGT swaps channels 1 and 2), which is exact, so the model
takes danq's usual input and nothing changes at prediction time.

Sizes (channels, hidden units, targets, kernel width) are read from the tensors' shapes; the input length
(1,000 bp; Beluga 2,000) and pooling (4; DanQ 13; DanQ-JASPAR 15) are the published ones, and the first
dense layer's input size must agree with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from danq.encoders import ACGT, reorder
from danq.errors import DanqError

if TYPE_CHECKING:  # importing this module (the CLI's choices) does not import torch
    from torch import nn

FORMATS = ("deepsea-kipoi", "beluga", "danq-keras", "danq-jaspar-keras")
#: What ``--format`` accepts: ``auto`` (detect) or one of the published layouts.
FORMAT_CHOICES = ("auto", *FORMATS)
#: Registry architecture each format becomes.
FORMAT_ARCH = {
    "deepsea-kipoi": "deepsea",
    "beluga": "beluga",
    "danq-keras": "danq",
    "danq-jaspar-keras": "danq-jaspar",
}
#: The published training alphabet of all four models; danq's is ACGT.
PUBLISHED_ALPHABET = "AGCT"

# Published input length and pooling per format.
SEQUENCE_LENGTH = {"deepsea-kipoi": 1000, "beluga": 2000, "danq-keras": 1000, "danq-jaspar-keras": 1000}
POOL_SIZE = {"deepsea-kipoi": 4, "beluga": 4, "danq-keras": 13, "danq-jaspar-keras": 15}
#: How the Keras files' second LSTM reads the sequence (see :mod:`danq.models.published.keras`):
#: the order is the import's default first, then the other two layouts.
SECOND_LSTM_CHOICES = ("forward", "backward", "backward-unaligned")


@dataclass
class ForeignWeights:
    """The tensors of one published weight file, by name, with the file's container type."""

    container: str  # "torch" or "keras-hdf5"
    tensors: dict[str, np.ndarray]
    n_layers: int = 0  # Keras files: the root nb_layers attribute


def to_danq_alphabet(kernel: np.ndarray) -> np.ndarray:
    """A first-layer kernel ``(out, 4, width)`` read in A,G,C,T, with its channels permuted to A,C,G,T."""
    return reorder(kernel, PUBLISHED_ALPHABET, ACGT)


def load_into(model: nn.Module, params: Mapping[str, np.ndarray], fmt: str, path: Path) -> None:
    """Copy converted arrays into ``model``'s state dict, checking every shape first."""
    import torch

    state = model.state_dict()
    for name, value in params.items():
        target = state[name]
        if tuple(value.shape) != tuple(target.shape):
            raise DanqError(
                f"{path}: {fmt} weights: {name} converts to shape {tuple(value.shape)}, but the "
                f"model built from the file's other shapes needs {tuple(target.shape)}"
            )
    missing = set(state) - set(params)
    if missing:  # a programming error in the converters, not a user error
        raise AssertionError(f"converter left {sorted(missing)} unset")
    model.load_state_dict(
        {name: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
         for name, value in params.items()},
        strict=True,
    )


def build_for_file(arch: str, path: Path, **kwargs: Any) -> nn.Module:
    """Build a registry model; a size that leaves no sequence is reported against the file."""
    from danq.models import build_model

    try:
        return build_model(arch, **kwargs)
    except DanqError as error:
        raise DanqError(f"{path}: shapes do not fit the published layout: {error}") from None
