"""A model whose first convolution is set by hand to one motif: ground truth without training."""

from __future__ import annotations

import numpy as np
import torch

import danq
from danq.models.info import ModelInfo


class MotifDetector(torch.nn.Module):
    """First conv set by hand to the motif: target 0 fires on an exact match, target 1 is flat.

    Two filters, the motif and its reverse complement, so either strand is seen (as a trained model
    learns) and reverse-complement averaging keeps the hit.
    """

    def __init__(self, motif: str, length: int) -> None:
        super().__init__()
        self.sequence_length = length
        self.n_targets = 2
        self.conv = torch.nn.Conv1d(4, 2, len(motif))
        both = [danq.encoders.one_hot(m) for m in (motif, danq.encoders.reverse_complement(motif))]
        one_hot = torch.as_tensor(np.stack(both))
        with torch.no_grad():
            self.conv.weight.copy_(2 * one_hot - 1)  # +1 match, -1 mismatch
            self.conv.bias.fill_(-(len(motif) - 1))  # exact match -> 1, one mismatch -> -1
        # a hand-made module carries its ModelInfo itself (danq's own models derive it)
        self.info = ModelInfo(arch="motif-detector", model_args={}, target_names=("motif", "flat"),
                              target_categories=(), sequence_length=length)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hit = torch.relu(self.conv(x)).amax(dim=(1, 2))
        return torch.stack([8 * hit - 4, torch.zeros_like(hit)], dim=1)
