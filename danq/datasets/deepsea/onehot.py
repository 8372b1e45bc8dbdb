"""The bundle's one-hot blocks -> danq tokens; label blocks -> uint8; 64-bit row hashes.

Tokens: the channel holding a column's unique positive maximum (AGCT -> ACGT); an all-zero column, or one
without a unique maximum (e.g. 0.25 everywhere), becomes N. Any numeric dtype is accepted.

The row hashes let the importer check every reverse-complement pair while streaming, without holding the
forward half's sequences.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from danq.errors import DanqError

BUNDLE_ALPHABET = "AGCT"

_AGCT_TO_TOKEN = np.array([0, 2, 1, 3], dtype=np.uint8)  # channel of the bundle -> danq token
# 4-bit code (bit k set = channel k is 1) -> token; anything but exactly one bit gives N (4)
_CODE_TO_TOKEN = np.full(16, 4, dtype=np.uint8)
for _k in range(4):
    _CODE_TO_TOKEN[1 << _k] = _AGCT_TO_TOKEN[_k]
_HASH_WEIGHTS = np.random.default_rng(20150919).integers(
    1, 2**63, size=1 << 14, dtype=np.uint64
) | np.uint64(1)


def onehot_block_to_tokens(block: np.ndarray) -> np.ndarray:
    """Turn a one-hot block ``(L, 4, B)`` in AGCT channel order into ACGT tokens ``(L, B)`` uint8.

    A column's token is the channel holding its unique positive maximum; an all-zero column, or one whose
    maximum is shared (e.g. 0.25 everywhere), is N (4). 0/1 data of one byte takes a fast bit-code path.
    """
    if block.ndim != 3 or block.shape[1] != 4:
        raise ValueError(f"expected a (L, 4, B) block, got shape {block.shape}")
    if block.dtype.itemsize == 1 and block.dtype.kind in "ub" and (block.size == 0 or block.max() <= 1):
        bits = block.view(np.uint8)
        code = bits[:, 0] | (bits[:, 1] << 1) | (bits[:, 2] << 2) | (bits[:, 3] << 3)
        return _CODE_TO_TOKEN[code]
    peak = block.max(axis=1)
    at_peak = block == peak[:, None, :]
    unique = at_peak.sum(axis=1, dtype=np.uint8) == 1
    tokens = _AGCT_TO_TOKEN[at_peak.argmax(axis=1)]
    tokens[~(unique & (peak > 0))] = 4
    return tokens


def row_hashes(tokens: np.ndarray) -> np.ndarray:
    """A 64-bit hash per token row ``(B, L)``: a random linear form over the row's 8-byte words."""
    b, length = tokens.shape
    width = -(-length // 8) * 8
    if width != length or not tokens.flags.c_contiguous:
        padded = np.zeros((b, width), dtype=np.uint8)
        padded[:, :length] = tokens
        tokens = padded
    words = tokens.view("<u8")
    weights = np.resize(_HASH_WEIGHTS, words.shape[1])
    return (words * weights).sum(axis=1, dtype=np.uint64)


def labels_to_uint8(values: np.ndarray, path: Path, name: str) -> np.ndarray:
    """Check that a label block holds only 0 and 1 and return it as uint8."""
    if values.dtype != np.uint8 and values.dtype != np.bool_:
        bad = (values != 0) & (values != 1)
        if bad.any():
            raise DanqError(f"{path}: variable '{name}' holds labels other than 0 and 1")
        return values.astype(np.uint8)
    values = values.view(np.uint8)
    if values.size and values.max() > 1:
        raise DanqError(f"{path}: variable '{name}' holds labels other than 0 and 1")
    return values

