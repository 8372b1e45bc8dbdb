"""danq.datasets.deepsea.onehot: the bundle's one-hot columns -> tokens."""

from __future__ import annotations

import numpy as np

from danq.datasets.deepsea.onehot import onehot_block_to_tokens


def test_onehot_conversion_rules():
    # columns in A,G,C,T order: A, G, C, T, all-zero, tie, soft 0.25 everywhere, soft argmax C
    cols = np.array([
        [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 0],
        [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.6, 0.1],
    ])
    block = cols.T[None, :, :]  # (L=1, 4, B=8)
    assert onehot_block_to_tokens(block).tolist() == [[0, 2, 1, 3, 4, 4, 4, 1]]
    as_bytes = cols[:6].T[None].astype(np.uint8)
    assert onehot_block_to_tokens(as_bytes).tolist() == [[0, 2, 1, 3, 4, 4]]

