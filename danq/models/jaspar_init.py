"""JASPAR CORE vertebrate motifs as first-layer kernels (DanQ-JASPAR's initialisation).

Rule, following the original DanQ-JASPAR training script: the motifs are taken in the database's
order (by matrix ID; for JASPAR2016 this is the order of the original's motif file); kernel
i < n_motifs gets motif i; the next kernels get the reverse complements of the motifs named in
:data:`REVERSE_COMPLEMENTED` (GATA1, REST, CTCF, GATA1::TAL1, ESRRB, Pou5f1::Sox2 — the six the
original added), and, if still more kernels are asked for, of the other motifs in order. So 525
kernels from JASPAR2016 = its 519 motifs + those 6 reverse complements, as in the paper.

Each motif's counts become probabilities per position (rows in A, C, G, T order). A motif
longer than the kernel is centre-cropped to the kernel width. (PWM − 0.25) is written at a
random offset drawn uniformly from [3, K − w − 3] (K kernel width, w motif width; the original
drew ``randint(3, K - w + 1 - 3)``), or from [0, K − w] when the motif is too wide for that
margin. The kernel's other columns keep their previous (random) values when a ``base`` is
given, else zero. The kernel's bias is drawn from U(−1, 0). (The original wrote each motif
reversed because Theano's convolution flips its kernels; PyTorch's does not, so no reversal.)
"""

from __future__ import annotations

import numpy as np

from danq.encoders import fit_margins, reverse_complement
from danq.errors import DanqError
from danq.formats.jaspar import load_jaspar

REVERSE_COMPLEMENT_SUFFIX = "(rc)"
#: Motif names whose reverse complements the original DanQ-JASPAR added (case-insensitive).
REVERSE_COMPLEMENTED = ("GATA1", "REST", "CTCF", "GATA1::TAL1", "ESRRB", "Pou5f1::Sox2")
#: Columns kept free at each end of a kernel when placing a motif (the original's 3).
OFFSET_MARGIN = 3


def load_jaspar_pwms(release: str = "JASPAR2016") -> list[tuple[str, np.ndarray]]:
    """Return ``(matrix_id, pwm)`` for every CORE vertebrate motif of a release, sorted by ID.

    ``pwm`` is a float64 array of shape (4, motif_length), rows A, C, G, T, columns summing to 1.
    Read through :func:`danq.formats.jaspar.load_jaspar` (pyjaspar's bundled SQLite, nothing downloaded).
    """
    return [(matrix_id, pwm) for matrix_id, _, pwm in _load_named_pwms(release)]


def _load_named_pwms(release: str) -> list[tuple[str, str, np.ndarray]]:
    """``(matrix_id, name, pwm)`` of every CORE vertebrate motif, sorted by ID."""
    pwms = []
    for motif in sorted(load_jaspar(release), key=lambda m: m.matrix_id):
        totals = motif.pfm.sum(axis=0, keepdims=True)
        pwms.append(
            (motif.matrix_id, motif.name, motif.pfm / np.where(totals == 0, 1.0, totals))
        )
    return pwms


def reverse_complement_order(names: list[str]) -> list[int]:
    """Indices of the motifs to add as reverse complements, in the order they are added.

    First the first motif bearing each name of :data:`REVERSE_COMPLEMENTED` (in that order, names
    compared case-insensitively, missing names skipped), then every other motif in order.
    """
    lowered = [name.lower() for name in names]
    chosen = []
    for wanted in REVERSE_COMPLEMENTED:
        if wanted.lower() in lowered:
            chosen.append(lowered.index(wanted.lower()))
    return chosen + [i for i in range(len(names)) if i not in chosen]


def offset_range(kernel_size: int, width: int) -> tuple[int, int]:
    """Inclusive range of start columns for a width-``width`` motif in a kernel.

    [3, K − w − 3] as the original; [0, K − w] when the motif leaves no room for the margins.
    """
    high = kernel_size - width - OFFSET_MARGIN
    if high >= OFFSET_MARGIN:
        return OFFSET_MARGIN, high
    return 0, kernel_size - width


def centre_crop(pwm: np.ndarray, width: int) -> np.ndarray:
    """Keep the central ``width`` columns of ``pwm`` (unchanged when it already fits)."""
    length = pwm.shape[1]
    if length <= width:
        return pwm
    left, right = fit_margins(length, width)  # an odd extra column goes from the right
    return pwm[:, left : length - right]


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
        float32 array (n_kernels, 4, kernel_size): PWM − 0.25 at its offset (see
        :func:`offset_range`), ``base`` (or zero) elsewhere.
    biases
        float32 array (n_kernels,) drawn from U(−1, 0).
    motif_ids
        The matrix ID for each kernel; reverse complements carry the suffix ``"(rc)"``.
    """
    named = _load_named_pwms(release)
    pwms = [(matrix_id, pwm) for matrix_id, _, pwm in named]
    rc_order = reverse_complement_order([name for _, name, _ in named])
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
        if kernel < len(pwms):
            motif_id, pwm = pwms[kernel]
        else:
            motif_id, pwm = pwms[rc_order[kernel - len(pwms)]]
            pwm = reverse_complement(pwm)
            motif_id += REVERSE_COMPLEMENT_SUFFIX
        pwm = centre_crop(pwm, kernel_size)
        low, high = offset_range(kernel_size, pwm.shape[1])
        offset = int(rng.integers(low, high + 1))
        weights[kernel, :, offset : offset + pwm.shape[1]] = pwm - 0.25
        motif_ids.append(motif_id)
    biases = rng.uniform(-1.0, 0.0, size=n_kernels).astype(np.float32)
    return weights, biases, motif_ids
