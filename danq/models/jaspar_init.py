"""JASPAR CORE vertebrate motifs as first-layer kernels (DanQ-JASPAR's initialisation).

Rule used here (the paper says "about half" of 1,024 kernels, 525 in practice, from the 519
JASPAR 2016 CORE vertebrate motifs "and some reverse complements"): the motifs are taken in the
database's order (by matrix ID); kernel i < n_motifs gets motif i; if more kernels are asked for
than there are motifs, the following kernels get the reverse complements of motifs 0, 1, 2, …
So 525 kernels from JASPAR2016 = 519 motifs + reverse complements of the first 6.

Each motif's counts become probabilities per position (rows in A, C, G, T order). A motif
longer than the kernel is centre-cropped to the kernel width. (PWM − 0.25) is written at a
random offset inside the kernel (uniform over every offset where it fits); the kernel's other
columns keep their previous (random) values when a ``base`` is given, else zero. The kernel's
bias is drawn from U(−1, 0).
"""

from __future__ import annotations

import numpy as np

from danq.encoders import reverse_complement
from danq.errors import DanqError
from danq.jaspar import load_jaspar

REVERSE_COMPLEMENT_SUFFIX = "(rc)"


def load_jaspar_pwms(release: str = "JASPAR2016") -> list[tuple[str, np.ndarray]]:
    """Return ``(matrix_id, pwm)`` for every CORE vertebrate motif of a release, sorted by ID.

    ``pwm`` is a float64 array of shape (4, motif_length), rows A, C, G, T, columns summing to 1.
    Read through :func:`danq.jaspar.load_jaspar` (pyjaspar's bundled SQLite, nothing downloaded).
    """
    pwms = []
    for motif in sorted(load_jaspar(release), key=lambda m: m.matrix_id):
        totals = motif.pfm.sum(axis=0, keepdims=True)
        pwms.append((motif.matrix_id, motif.pfm / np.where(totals == 0, 1.0, totals)))
    return pwms


def centre_crop(pwm: np.ndarray, width: int) -> np.ndarray:
    """Keep the central ``width`` columns of ``pwm`` (unchanged when it already fits)."""
    length = pwm.shape[1]
    if length <= width:
        return pwm
    start = (length - width) // 2
    return pwm[:, start : start + width]


def jaspar_kernels(
    release: str,
    kernel_size: int,
    n_kernels: int,
    rng: np.random.Generator,
    base: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Build first-layer kernels from JASPAR motifs (rule in the module docstring).

    Parameters
    ----------
    release
        pyjaspar release, e.g. ``"JASPAR2016"``.
    kernel_size
        Width of each convolution kernel.
    n_kernels
        Number of kernels to fill; at most twice the number of motifs.
    rng
        Source of the offsets and biases.
    base
        Optional (n_kernels, 4, kernel_size) starting weights (e.g. the layer's random init);
        only the columns a motif covers are replaced. Zeros when omitted.

    Returns
    -------
    weights
        float32 array (n_kernels, 4, kernel_size): PWM − 0.25 at its offset, ``base`` (or zero)
        elsewhere.
    biases
        float32 array (n_kernels,) drawn from U(−1, 0).
    motif_ids
        The matrix ID for each kernel; reverse complements carry the suffix ``"(rc)"``.
    """
    pwms = load_jaspar_pwms(release)
    if not 0 <= n_kernels <= 2 * len(pwms):
        raise DanqError(
            f"{release}: cannot fill {n_kernels} kernels from {len(pwms)} motifs "
            f"and their reverse complements"
        )
    shape = (n_kernels, 4, kernel_size)
    if base is None:
        weights = np.zeros(shape, dtype=np.float32)
    elif base.shape != shape:
        raise ValueError(f"base has shape {base.shape}, expected {shape}")
    else:
        weights = np.array(base, dtype=np.float32)
    motif_ids: list[str] = []
    for kernel in range(n_kernels):
        motif_id, pwm = pwms[kernel % len(pwms)]
        if kernel >= len(pwms):
            pwm = reverse_complement(pwm)
            motif_id += REVERSE_COMPLEMENT_SUFFIX
        pwm = centre_crop(pwm, kernel_size)
        offset = int(rng.integers(0, kernel_size - pwm.shape[1] + 1))
        weights[kernel, :, offset : offset + pwm.shape[1]] = pwm - 0.25
        motif_ids.append(motif_id)
    biases = rng.uniform(-1.0, 0.0, size=n_kernels).astype(np.float32)
    return weights, biases, motif_ids
