"""First-layer filters as sequence motifs: convolution weights → activations → sites → matrices.

For every first-layer convolution filter of a trained model (DanQ's method):

1. scan a set of sequences; keep each sequence's maximum activation and its position
   (:func:`filter_activations`, in batches, so memory holds (N, F) maxima, never (N, F, L));
2. where that maximum passes the threshold, take the kernel-wide subsequence at that position and
   count it into a position frequency matrix (:func:`site_counts`). The threshold is DanQ's
   ``activation > 0`` by default (the ReLU output is positive), or ``activation > fraction × the
   filter's maximum over the set`` (the stricter rule others used, e.g. 0.5).

:func:`extract_motifs` does both for every filter and returns one :class:`FilterMotif` each
(``danq.extract_motifs``). Writing them as MEME (:mod:`danq.motifs.meme`), comparing them to
JASPAR (:mod:`danq.motifs.tomtom`), drawing logos (:mod:`danq.motifs.logos`) and the whole
``danq motifs`` stage (:mod:`danq.motifs.run`) live beside this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.motifs.matrices import ACGT, information_content, pfm_to_ppm

DEFAULT_BATCH_SIZE = 256


# --------------------------------------------------------------------------------------------
# Scanning: maxima, sites, matrices


def conv_weights(conv: Any, alphabet: str = ACGT) -> tuple[Any, Any]:
    """Return ``(weight (F, 4, k), bias (F,))`` of a first-layer Conv1d, channels reordered to ACGT.

    ``alphabet`` is the letter order of the convolution's input channels (the model's training
    alphabet). The padding and stride of the layer are ignored on purpose: a motif is the window
    where the whole kernel lies on the sequence, scanned at every position.
    """
    import torch
    from torch import nn

    if not isinstance(conv, nn.Conv1d):
        raise DanqError(f"expected a first-layer nn.Conv1d, got {type(conv).__name__}")
    if conv.in_channels != 4 or conv.groups != 1:
        raise DanqError(
            f"first-layer convolution has {conv.in_channels} input channels in "
            f"{conv.groups} group(s); a DNA filter needs 4 in one group"
        )
    if conv.dilation[0] != 1:
        raise DanqError(f"first-layer convolution is dilated ({conv.dilation[0]}); not supported")
    alphabet = alphabet.upper()
    if sorted(alphabet) != sorted(ACGT):
        raise DanqError(f"model alphabet {alphabet!r} is not a permutation of ACGT")
    order = [alphabet.index(letter) for letter in ACGT]
    weight = conv.weight.detach()[:, order, :].float()
    bias = conv.bias.detach().float() if conv.bias is not None else torch.zeros(weight.shape[0])
    return weight, bias


def model_first_conv(model: Any, source: str | os.PathLike[str] = "model") -> Any:
    """The model's first-layer ``nn.Conv1d`` (4 input channels); DanqError naming ``source`` if none."""
    from danq.models import first_conv

    try:
        return first_conv(model)
    except DanqError as exc:
        raise DanqError(f"{source}: {exc}") from None


def _as_one_hot(batch: np.ndarray) -> np.ndarray:
    from danq.encoders import tokens_to_one_hot

    return tokens_to_one_hot(batch) if batch.ndim == 2 else np.asarray(batch, dtype=np.float32)


def filter_activations(
    conv: Any,
    x: np.ndarray,
    *,
    alphabet: str = ACGT,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "cpu",
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sequence's maximum activation of every filter, and where it is.

    Parameters
    ----------
    conv
        The first-layer ``nn.Conv1d`` (4 input channels in ``alphabet`` order).
    x
        Sequences as tokens ``(N, L)`` uint8 (A,C,G,T = 0..3, N = 4) or one-hot ``(N, 4, L)``
        in ACGT order. Scanned ``batch_size`` at a time.

    Returns
    -------
    max_values : (N, F) float32
        The convolution output (bias included, before the ReLU) at its best position; ``> 0``
        here is the same as ``> 0`` after the ReLU.
    positions : (N, F) int32
        The start of that best window (0 ≤ position ≤ L − k).
    """
    import torch
    import torch.nn.functional as F

    weight, bias = conv_weights(conv, alphabet)
    n_filters, _, width = weight.shape
    x = np.asarray(x)
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[1] != 4):
        raise DanqError(f"sequences must be tokens (N, L) or one-hot (N, 4, L), got {x.shape}")
    if x.shape[0] == 0:
        raise DanqError("no sequences to scan")
    length = x.shape[-1]
    if length < width:
        raise DanqError(
            f"sequences are {length} bp, shorter than the first-layer kernel ({width} bp)"
        )
    device = torch.device(device)
    weight, bias = weight.to(device), bias.to(device)
    n = x.shape[0]
    max_values = np.empty((n, n_filters), dtype=np.float32)
    positions = np.empty((n, n_filters), dtype=np.int32)
    starts = range(0, n, batch_size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="scanning filters", unit="batch", leave=False)
    with torch.no_grad():
        for start in starts:
            stop = min(start + batch_size, n)
            batch = torch.from_numpy(_as_one_hot(x[start:stop])).to(device)
            best, where = F.conv1d(batch, weight, bias).max(dim=2)
            max_values[start:stop] = best.float().cpu().numpy()  # bf16/fp16 under autocast
            positions[start:stop] = where.cpu().numpy()
    return max_values, positions


def site_thresholds(
    max_values: np.ndarray, threshold: float = 0.0, fraction: float | None = None
) -> np.ndarray:
    """Per-filter activation a site must exceed (strictly).

    ``fraction`` None: every filter uses ``threshold`` (DanQ: 0). Otherwise filter f uses
    ``max(threshold, fraction × its maximum activation over all sequences)``.
    """
    if threshold < 0:
        raise DanqError(f"--threshold {threshold}: must be >= 0 (activations pass a ReLU)")
    n_filters = max_values.shape[1]
    if fraction is None:
        return np.full(n_filters, float(threshold))
    if not 0.0 <= fraction < 1.0:
        raise DanqError(f"--threshold-fraction {fraction}: must be in [0, 1)")
    overall_max = max_values.max(axis=0).astype(np.float64)
    return np.maximum(float(threshold), fraction * overall_max)


def site_counts(
    tokens: np.ndarray,
    max_values: np.ndarray,
    positions: np.ndarray,
    kernel_width: int,
    thresholds: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Count the kernel-wide windows at each passing maximum into position frequency matrices.

    Parameters
    ----------
    tokens
        ``(N, L)`` uint8 sequences (A,C,G,T = 0..3, N = 4), the ones :func:`filter_activations`
        scanned. An ``N`` inside a window adds nothing to its column.
    max_values, positions
        ``(N, F)`` output of :func:`filter_activations`.
    thresholds
        A scalar or ``(F,)``; sequence i is a site of filter f when ``max_values[i, f] > thr[f]``.

    Returns
    -------
    pfms : (F, 4, k) float64
        Counts, rows ACGT.
    nsites : (F,) int64
        Number of sequences that passed (one site at most per sequence, as in DanQ).
    """
    tokens = np.asarray(tokens, dtype=np.uint8)
    n_seq, n_filters = max_values.shape
    if tokens.shape[0] != n_seq:
        raise DanqError(f"{tokens.shape[0]} sequences but activations for {n_seq}")
    thr = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (n_filters,))
    columns = np.arange(kernel_width)
    pfms = np.zeros((n_filters, 4, kernel_width), dtype=np.float64)
    nsites = np.zeros(n_filters, dtype=np.int64)
    for f in range(n_filters):
        rows = np.flatnonzero(max_values[:, f] > thr[f])
        nsites[f] = rows.size
        if rows.size == 0:
            continue
        windows = tokens[rows[:, None], positions[rows, f][:, None] + columns].astype(np.int64)
        flat = np.bincount((windows * kernel_width + columns).ravel(), minlength=5 * kernel_width)
        pfms[f] = flat.reshape(5, kernel_width)[:4]
    return pfms, nsites


@dataclass
class FilterMotif:
    """One filter's motif: ``pfm`` (4, k) counts in ACGT order from ``nsites`` sequences."""

    index: int
    pfm: np.ndarray
    nsites: int
    max_activation: float = float("nan")
    site_threshold: float = 0.0

    @property
    def name(self) -> str:
        return filter_name(self.index)

    @property
    def ppm(self) -> np.ndarray:
        return pfm_to_ppm(self.pfm)

    @property
    def information_content(self) -> float:
        """Total information content in bits (0 for a filter without sites)."""
        return float(information_content(self.ppm).sum()) if self.nsites else 0.0


def filter_name(index: int) -> str:
    """The motif name of filter ``index``: ``filter_007`` (sorts in filter order up to 999)."""
    return f"filter_{index:03d}"


# --------------------------------------------------------------------------------------------
# Every filter at once


def extract_motifs(
    conv: Any,
    tokens: np.ndarray,
    *,
    alphabet: str = ACGT,
    threshold: float = 0.0,
    threshold_fraction: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "cpu",
    progress: bool = False,
) -> list[FilterMotif]:
    """Every first-layer filter's motif: scan ``tokens`` and count the windows that pass.

    Steps 1–2 of the module docstring for every filter: each sequence's best window per filter
    is a site when its activation passes the threshold, and the sites' letters are counted.

    Parameters
    ----------
    conv
        The first-layer ``nn.Conv1d`` (4 input channels in ``alphabet`` order), or a model: its
        first such convolution is taken (:func:`danq.models.first_conv`).
    tokens
        ``(N, L)`` uint8 sequences (A,C,G,T = 0..3, N = 4), ``L`` at least the kernel width. An
        ``N`` inside a site adds nothing to its column.
    alphabet
        The letter order of the convolution's input channels (the model's training alphabet,
        ``model.info.alphabet``); the motifs are in ACGT order whatever it is.
    threshold
        A sequence is a site when its maximum activation is strictly above this (DanQ: 0).
    threshold_fraction
        Stricter rule: above ``max(threshold, fraction × the filter's maximum over tokens)``.
    batch_size, device, progress
        Sequences scanned at a time, the torch device, and a progress bar.

    Returns
    -------
    list of FilterMotif
        One per filter, in filter order: ``pfm`` (4, k) counts (rows ACGT), ``nsites`` (at most
        one site per sequence), the filter's maximum activation over ``tokens`` and the site
        threshold it used; ``ppm`` and ``information_content`` derive from the counts.

    Examples
    --------
    The filters of a tiny random DanQ on a few random sequences:

    >>> import numpy as np
    >>> import torch
    >>> from danq.models import DanQ
    >>> from danq.motifs.filters import extract_motifs
    >>> _ = torch.manual_seed(0)
    >>> model = DanQ(sequence_length=60, n_targets=2, conv_channels=4, conv_width=8,
    ...              pool_size=4, lstm_hidden=4, dense_hidden=8).eval()
    >>> tokens = np.random.default_rng(0).integers(0, 4, size=(20, 60)).astype(np.uint8)
    >>> motifs = extract_motifs(model, tokens)
    >>> [m.name for m in motifs]
    ['filter_000', 'filter_001', 'filter_002', 'filter_003']
    >>> motifs[0].pfm.shape  # counts: rows A, C, G, T; one column per kernel position
    (4, 8)
    >>> all(m.pfm.sum(axis=0).tolist() == [m.nsites] * 8 for m in motifs)  # one window per site
    True
    """
    from torch import nn

    if isinstance(conv, nn.Module) and not isinstance(conv, nn.Conv1d):
        conv = model_first_conv(conv)
    max_values, positions = filter_activations(
        conv, tokens, alphabet=alphabet, batch_size=batch_size, device=device, progress=progress
    )
    thresholds = site_thresholds(max_values, threshold, threshold_fraction)
    width = int(conv.weight.shape[-1])
    pfms, nsites = site_counts(tokens, max_values, positions, width, thresholds)
    overall = max_values.max(axis=0)
    return [
        FilterMotif(f, pfms[f], int(nsites[f]), float(overall[f]), float(thresholds[f]))
        for f in range(len(nsites))
    ]
