"""Beluga (Zhou et al., Nature Genetics 2018; the chromatin model of ExPecto) as a module returning logits."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from danq.models.common import DanqModule, conv_length, pool_length, require_positive_length


class Beluga(DanqModule):
    """DeepSEA's successor: six convolutions in three pairs, two dense layers, 2,002 targets.

    Layout (published defaults, 2,000 bp input): Conv(4→320, k=8) → ReLU → Conv(320→320) → ReLU →
    Dropout 0.2 → MaxPool(4) → Conv(320→480) → ReLU → Conv(480→480) → ReLU → Dropout 0.2 →
    MaxPool(4) → Conv(480→640) → ReLU → Conv(640→640) → ReLU → Dropout 0.5 → flatten
    (640 × 106 = 67,840, channel-major) → Linear(→2,003) → ReLU → Linear(→n_targets).
    The sigmoid is left to the loss and to prediction code.

    The published weights are imported with ``danq import-weights``; training from scratch uses
    PyTorch's default initialisation (the ExPecto training settings are not part of this package).

    Parameters
    ----------
    sequence_length
        Input length in bp; the flattened size is computed from it.
    n_targets
        Number of output logits.
    conv_channels
        Output channels of the six convolutions.
    conv_width
        Kernel width of every convolution.
    pool_size
        Window (= stride) of the two max-pooling layers.
    dense_hidden
        Hidden units of the first dense layer.
    dropout
        Dropout rates after the first, second and third convolution pairs.
    """

    arch = "beluga"

    def __init__(
        self,
        sequence_length: int = 2000,
        n_targets: int = 2002,
        conv_channels: Sequence[int] = (320, 320, 480, 480, 640, 640),
        conv_width: int = 8,
        pool_size: int = 4,
        dense_hidden: int = 2003,
        dropout: Sequence[float] = (0.2, 0.2, 0.5),
    ) -> None:
        super().__init__()
        channels = [int(c) for c in conv_channels]
        if len(channels) != 6:
            raise ValueError(f"conv_channels needs 6 values, got {len(channels)}")
        d1, d2, d3 = (float(d) for d in dropout)
        self.sequence_length = int(sequence_length)
        self.n_targets = int(n_targets)
        #: Constructor arguments as plain data, stored in checkpoints to rebuild the model.
        self.model_args: dict[str, object] = {
            "sequence_length": self.sequence_length,
            "n_targets": self.n_targets,
            "conv_channels": channels,
            "conv_width": int(conv_width),
            "pool_size": int(pool_size),
            "dense_hidden": int(dense_hidden),
            "dropout": [d1, d2, d3],
        }

        length = self.sequence_length
        for index in range(6):
            length = require_positive_length(
                self.arch, sequence_length, conv_length(length, conv_width), f"conv{index + 1}"
            )
            if index in (1, 3):
                length = require_positive_length(
                    self.arch, sequence_length, pool_length(length, pool_size),
                    f"pool{index // 2 + 1}",
                )
        self.flat_features = channels[-1] * length

        inputs = [4, *channels[:-1]]
        self.convs = nn.ModuleList(
            nn.Conv1d(c_in, c_out, conv_width) for c_in, c_out in zip(inputs, channels, strict=True)
        )
        self.pool = nn.MaxPool1d(pool_size, pool_size)
        self.drops = nn.ModuleList(nn.Dropout(d) for d in (d1, d2, d3))
        self.fc1 = nn.Linear(self.flat_features, dense_hidden)
        self.fc2 = nn.Linear(dense_hidden, self.n_targets)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first-layer convolution (its kernels are the motif detectors)."""
        return self.convs[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map one-hot sequences ``(B, 4, L)`` to logits ``(B, n_targets)``."""
        for pair in range(3):
            x = torch.relu(self.convs[2 * pair](x))
            x = self.drops[pair](torch.relu(self.convs[2 * pair + 1](x)))
            if pair < 2:
                x = self.pool(x)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)
