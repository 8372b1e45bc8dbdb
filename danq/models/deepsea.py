"""DeepSEA (Zhou & Troyanskaya, Nature Methods 2015) as a PyTorch module returning logits."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from danq.models.common import (
    ACTIVATIONS,
    DanqModule,
    conv_length,
    pool_length,
    require_positive_length,
)


class DeepSEA(DanqModule):
    """Three convolution layers and two dense layers; outputs one logit per target.

    Layout (published defaults): Conv(4→320, k=8) → ReLU → MaxPool(4) → Dropout 0.2 →
    Conv(320→480, k=8) → ReLU → MaxPool(4) → Dropout 0.2 → Conv(480→960, k=8) → ReLU →
    Dropout 0.5 → flatten → Linear(→925) → ReLU → Linear(→n_targets).
    The sigmoid is left to the loss (``BCEWithLogitsLoss``) and to prediction code.

    Initialisation: every weight and bias is drawn from N(0, 0.05²). The reference Lua (Torch7)
    training code initialised its parameters from a normal distribution with standard deviation
    0.05 rather than Torch's default fan-in uniform init; whether it also did so for the biases
    is not recorded here, so biases get the same draw.

    Parameters
    ----------
    sequence_length
        Input length in bp; the flattened size is computed from it.
    n_targets
        Number of output logits.
    conv_channels
        Output channels of the three convolutions.
    conv_width
        Kernel width of every convolution.
    pool_size
        Window (= stride) of the two max-pooling layers.
    dense_hidden
        Hidden units of the first dense layer (925 in the released model, 919 in the Lua code).
    dropout
        Dropout rates after the three convolution blocks.
    init_std
        Standard deviation of the normal initialisation.
    activation
        ``"relu"`` (default, for training) or ``"threshold"``: Torch7's ``nn.Threshold(0, 1e-6)``
        as in the released model (inputs ``<= 0`` become 1e-6, not 0), so imported published
        weights reproduce the original outputs exactly. No parameters depend on it.
    """

    arch = "deepsea"

    def __init__(
        self,
        sequence_length: int = 1000,
        n_targets: int = 919,
        conv_channels: Sequence[int] = (320, 480, 960),
        conv_width: int = 8,
        pool_size: int = 4,
        dense_hidden: int = 925,
        dropout: Sequence[float] = (0.2, 0.2, 0.5),
        init_std: float = 0.05,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        self.activation = activation
        self.act = ACTIVATIONS[activation]
        c1, c2, c3 = (int(c) for c in conv_channels)
        d1, d2, d3 = (float(d) for d in dropout)
        self.sequence_length = int(sequence_length)
        self.n_targets = int(n_targets)
        #: Constructor arguments as plain data, stored in checkpoints to rebuild the model.
        self.model_args: dict[str, object] = {
            "sequence_length": self.sequence_length,
            "n_targets": self.n_targets,
            "conv_channels": [c1, c2, c3],
            "conv_width": int(conv_width),
            "pool_size": int(pool_size),
            "dense_hidden": int(dense_hidden),
            "dropout": [d1, d2, d3],
            "init_std": float(init_std),
            "activation": activation,
        }

        length = self.sequence_length
        length = require_positive_length(
            self.arch, sequence_length, conv_length(length, conv_width), "conv1"
        )
        length = require_positive_length(
            self.arch, sequence_length, pool_length(length, pool_size), "pool1"
        )
        length = require_positive_length(
            self.arch, sequence_length, conv_length(length, conv_width), "conv2"
        )
        length = require_positive_length(
            self.arch, sequence_length, pool_length(length, pool_size), "pool2"
        )
        length = require_positive_length(
            self.arch, sequence_length, conv_length(length, conv_width), "conv3"
        )
        self.flat_features = c3 * length

        self.conv1 = nn.Conv1d(4, c1, conv_width)
        self.conv2 = nn.Conv1d(c1, c2, conv_width)
        self.conv3 = nn.Conv1d(c2, c3, conv_width)
        self.pool = nn.MaxPool1d(pool_size, pool_size)
        self.drop1 = nn.Dropout(d1)
        self.drop2 = nn.Dropout(d2)
        self.drop3 = nn.Dropout(d3)
        self.fc1 = nn.Linear(self.flat_features, dense_hidden)
        self.fc2 = nn.Linear(dense_hidden, self.n_targets)
        self.reset_parameters(init_std)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first-layer convolution (its kernels are the motif detectors)."""
        return self.conv1

    def reset_parameters(self, std: float = 0.05) -> None:
        """Draw every weight and bias from N(0, std²), as the reference Lua code did."""
        for parameter in self.parameters():
            nn.init.normal_(parameter, mean=0.0, std=std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map one-hot sequences ``(B, 4, L)`` to logits ``(B, n_targets)``."""
        act = self.act
        x = self.drop1(self.pool(act(self.conv1(x))))
        x = self.drop2(self.pool(act(self.conv2(x))))
        x = self.drop3(act(self.conv3(x)))
        x = act(self.fc1(x.flatten(1)))
        return self.fc2(x)
