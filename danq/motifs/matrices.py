"""Motif matrices: counts to probabilities, information content, reverse complement, trimming.

Every matrix in :mod:`danq.motifs` is (4, k) with rows in ACGT order: a position frequency
matrix (PFM, counts) or a position probability matrix (PPM, each column summing to 1). These
are the operations on one matrix that the filters, the MEME files, TOMTOM, the decoys and the
logos share, so each is written once.
"""

from __future__ import annotations

import numpy as np

from danq.errors import DanqError

ACGT = "ACGT"


def pfm_to_ppm(pfm: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """Counts (…, 4, k) to probabilities per column; a column without counts becomes uniform."""
    counts = np.asarray(pfm, dtype=np.float64) + pseudocount
    totals = counts.sum(axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ppm = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.25)
    return ppm


def as_ppm(matrix: np.ndarray, what: str) -> np.ndarray:
    """A (4, k) float64 probability matrix (columns normalised); DanqError naming ``what`` if not."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != 4 or m.shape[1] < 1:
        raise DanqError(f"{what}: expected a (4, k) matrix, got shape {m.shape}")
    if not np.isfinite(m).all() or (m < 0).any():
        raise DanqError(f"{what}: matrix has negative or non-finite entries")
    totals = m.sum(axis=0, keepdims=True)
    if (totals <= 0).any():
        raise DanqError(f"{what}: a column sums to 0")
    return m / totals


def information_content(ppm: np.ndarray) -> np.ndarray:
    """Bits per column, ``2 + Σ p log2 p`` against a uniform background: shape (…, k)."""
    p = np.asarray(ppm, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return 2.0 + plogp.sum(axis=-2)


def reverse_complement(ppm: np.ndarray) -> np.ndarray:
    """The (4, k) matrix of the other strand (rows ACGT: complement = reversed rows)."""
    return np.ascontiguousarray(np.asarray(ppm)[::-1, ::-1])


def trim_bounds(ppm: np.ndarray, trim_bits: float) -> tuple[int, int]:
    """``(start, stop)`` of the matrix without its low-information flanks.

    Columns are dropped from each end while their information content is below ``trim_bits``;
    inner low-information columns stay (they are part of the motif's spacing). An all-flat
    matrix gives ``(0, 0)``.
    """
    informative = np.flatnonzero(information_content(ppm) >= trim_bits)
    if informative.size == 0:
        return 0, 0
    return int(informative[0]), int(informative[-1]) + 1
