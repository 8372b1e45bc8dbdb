"""Helpers shared by several test files (imported as ``tests.helpers``)."""

from __future__ import annotations

import torch

from danq.models import DanQ


def tiny_danq(sequence_length: int, n_targets: int, seed: int = 0) -> DanQ:
    """A DanQ small enough for fast tests, in eval mode.

    The large init scale makes outputs differ clearly between sequences and strands.
    """
    torch.manual_seed(seed)
    return DanQ(sequence_length=sequence_length, n_targets=n_targets, conv_channels=6,
                conv_width=5, pool_size=4, lstm_hidden=4, dense_hidden=8, init_scale=0.6).eval()
