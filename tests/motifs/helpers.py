"""Helpers shared by the motif tests (imported as ``tests.motifs.helpers``)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

RELEASE = "JASPAR2016"  # the DanQ paper's database; the smallest bundled CORE vertebrate set (519)
LENGTH = 120
WIDTH = 24
N_FILTERS = 12
N_SEQUENCES = 300
MOTIF_OFFSET = 2  # where the CTCF log-odds sit inside filter 0's kernel


def random_tokens(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    return rng.integers(0, 4, size=(n, length)).astype(np.uint8)


def to_text(tokens: np.ndarray) -> str:
    return "".join("ACGTN"[t] for t in tokens)


def one_hot(word: str) -> np.ndarray:
    """A (4, len(word)) matrix with probability 1 on each letter."""
    matrix = np.zeros((4, len(word)))
    for j, letter in enumerate(word):
        matrix["ACGT".index(letter), j] = 1.0
    return matrix


def ctcf_model(ppm: np.ndarray) -> nn.Module:
    """A tiny DanQ whose filter 0 is CTCF's log-odds (bias: 60 % of the best score); others random."""
    from danq.models import DanQ

    torch.manual_seed(0)
    model = DanQ(sequence_length=LENGTH, n_targets=2, conv_channels=N_FILTERS, conv_width=WIDTH,
                 lstm_hidden=4, dense_hidden=6)
    log_odds = np.log2((ppm + 0.01) / 0.25)
    with torch.no_grad():
        model.conv.weight[0] = 0.0
        model.conv.weight[0, :, MOTIF_OFFSET : MOTIF_OFFSET + ppm.shape[1]] = torch.tensor(log_odds)
        model.conv.bias[0] = -0.6 * float(log_odds.max(axis=0).sum())
    return model.eval()
