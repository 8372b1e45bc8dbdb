"""DeepSEA (Zhou & Troyanskaya, Nature Methods 2015) as a PyTorch module returning logits."""

from __future__ import annotations

import math
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

    Initialisation: Torch7's default ``reset()``, as the reference training ended up using (its
    ``reset(stdv)`` call passed an undefined global, i.e. nil): every weight and bias of a layer
    U(−1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = input channels × kernel width for a
    convolution, input features for a linear layer. ``init_std`` selects N(0, init_std²) for
    every parameter instead (danq 0.1's init, kept so its checkpoints still rebuild).

    Not reproduced exactly: the reference's activations were ``nn.Threshold(0, 1e-6)`` (negative
    inputs give 1e-6, not 0); this module uses ReLU.

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
        ``None`` (default): Torch7's fan-in uniform init; a number: N(0, init_std²) instead.
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
        init_std: float | None = None,
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
            "init_std": None if init_std is None else float(init_std),
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

    def reset_parameters(self, std: float | None = None) -> None:
        """Torch7's default ``reset()``: weight and bias U(±1/sqrt(fan_in)) in every layer.

        With ``std`` given, every parameter is drawn from N(0, std²) instead.
        """
        for layer in (self.conv1, self.conv2, self.conv3, self.fc1, self.fc2):
            if std is not None:
                nn.init.normal_(layer.weight, mean=0.0, std=std)
                nn.init.normal_(layer.bias, mean=0.0, std=std)
                continue
            fan_in = layer.weight[0].numel()  # in_channels x kernel width, or in_features
            bound = 1.0 / math.sqrt(fan_in)
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.uniform_(layer.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map one-hot sequences ``(B, 4, L)`` to logits ``(B, n_targets)``."""
        act = self.act
        x = self.drop1(self.pool(act(self.conv1(x))))
        x = self.drop2(self.pool(act(self.conv2(x))))
        x = self.drop3(act(self.conv3(x)))
        x = act(self.fc1(x.flatten(1)))
        return self.fc2(x)
