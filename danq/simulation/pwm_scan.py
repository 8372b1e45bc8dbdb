"""The PWM-scan baseline: each motif's best log-odds window on either strand, per target.

A realistic motif scanner next to the planted-instance baselines: it reads the test sequences,
scores every window against the motif's JASPAR frequencies (plus :data:`PSEUDO_FREQUENCY`) over the
simulation's background composition, and gives each target the k-th best of its motifs' scores.

It is a reference, **not a ceiling**: one window's fixed log-odds is not the best possible use of a
sequence (a model can weigh several weak sites, learn the background's chance sites, or, on
grammar targets, read order and spacing, which the scan ignores), so a model may beat it. The
ceiling of the synthetic benchmark is the oracle (the true rule on the planted instances).
``danq baselines --pwm`` reuses the scan on real datasets (:mod:`danq.simulation.pwm_baseline`).
"""

from __future__ import annotations

import numpy as np

from danq.encoders import COMPLEMENT_TOKEN
from danq.simulation.truth import SplitTruth

PSEUDO_FREQUENCY = 0.01


def log_odds_matrix(pfm: np.ndarray, background: np.ndarray,
                    pseudo: float = PSEUDO_FREQUENCY) -> np.ndarray:
    """(w, 5) log2-odds of each base (ACGT, then N) per motif column against ``background``.

    Frequencies are the PFM's column frequencies plus ``pseudo`` per base, renormalised; N scores
    the column's worst base (an unknown base is never evidence for the motif).
    """
    counts = np.asarray(pfm, dtype=np.float64)
    freq = counts / counts.sum(axis=0, keepdims=True) + pseudo
    freq /= freq.sum(axis=0, keepdims=True)
    lo = np.log2(freq.T / np.asarray(background)[None, :])
    return np.concatenate([lo, lo.min(axis=1, keepdims=True)], axis=1)


def best_log_odds(tokens: np.ndarray, lo: np.ndarray, block: int = 2048) -> np.ndarray:
    """Per sequence, the best window score of ``lo`` (w, 5) over both strands: (n,) float.

    The reverse strand is scanned with the reverse-complemented matrix on the forward tokens.
    """
    tokens = np.asarray(tokens, dtype=np.uint8)
    n, length = tokens.shape
    w = lo.shape[0]
    if length < w:
        return np.full(n, -np.inf)
    lo_rc = lo[::-1][:, COMPLEMENT_TOKEN]  # columns indexed by token: A,C,G,T,N -> T,G,C,A,N
    n_windows = length - w + 1
    best = np.empty(n)
    for lo_row in range(0, n, block):
        chunk = tokens[lo_row : lo_row + block]
        forward = np.zeros((len(chunk), n_windows))
        reverse = np.zeros((len(chunk), n_windows))
        for j in range(w):
            window = chunk[:, j : j + n_windows]
            forward += lo[j][window]
            reverse += lo_rc[j][window]
        best[lo_row : lo_row + block] = np.maximum(forward, reverse).max(axis=1)
    return best


def pwm_scan_scores(tokens: np.ndarray, truth: SplitTruth) -> np.ndarray:
    """PWM-scan presence score per target: the k-th largest best log-odds of its motifs
    (k = 1 single, 2 grammar, ``min_count`` combination)."""
    used = sorted({m for t in truth.targets for m in t["motifs"]})
    best = {m: best_log_odds(tokens, log_odds_matrix(truth.pfms[m], truth.background))
            for m in used}
    scores = np.zeros((len(tokens), len(truth.targets)))
    for t, target in enumerate(truth.targets):
        k = {"single": 1, "grammar": 2}.get(target["category"], int(target.get("min_count", 1)))
        stacked = np.sort(np.stack([best[m] for m in target["motifs"]], axis=1), axis=1)
        scores[:, t] = stacked[:, -k]
    return scores
