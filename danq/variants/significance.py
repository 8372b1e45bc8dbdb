"""Significance against a background: empirical p-values of a variant score.

Significance (``background=N``): N random SNVs drawn from non-N genome positions (seeded) are scored
the same way; each variant gets, per target, the empirical p-value of its background statistic
(:data:`BACKGROUND_SCORES`: ``|logit_diff|`` by default, or DeepSEA's ``deepsea_effect`` =
``|diff| * |logit_diff|``) against the background's, ``(1 + #{background >= observed}) / (N + 1)``,
plus the smallest p across targets and that minimum Bonferroni-adjusted for the number of targets.
A VCF/TSV of variants (e.g. 1000 Genomes ones, as DeepSEA's server used) can be the background
instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from danq.encoders import N_TOKEN
from danq.errors import DanqError
from danq.variants.batches import ScoredBatch, score_stream
from danq.variants.reading import Variant
from danq.variants.scoring import batch_scores
from danq.variants.windows import DEFAULT_WINDOW

BACKGROUND_SCORES = ("logit_diff", "deepsea_effect")
"""Statistics the background p-values can rank (their absolute value)."""
DEFAULT_BACKGROUND_SCORE = "logit_diff"


def check_background_score(name: str) -> str:
    """``name`` if it is one of :data:`BACKGROUND_SCORES`, else a DanqError."""
    if name not in BACKGROUND_SCORES:
        raise DanqError(f"--background-score {name}: expected one of {', '.join(BACKGROUND_SCORES)}")
    return name


def random_snvs(genome: Any, n: int, *, seed: int = 0, min_chrom_length: int = 1) -> list[Variant]:
    """``n`` random SNVs at non-N positions, chromosomes drawn in proportion to their length.

    The ALT base is drawn uniformly among the three other bases. Reproducible for a given ``seed``.
    """
    names = [c for c in genome.chromosomes if genome.lengths[c] >= min_chrom_length]
    if not names or n <= 0:
        return []
    sizes = np.array([genome.lengths[c] for c in names], dtype=np.float64)
    rng = np.random.default_rng(seed)
    out: list[Variant] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 100 * n + 1000:
            raise DanqError(f"{genome.path}: found too few non-N positions for {n} background SNVs")
        chrom = names[int(rng.choice(len(names), p=sizes / sizes.sum()))]
        position = int(rng.integers(0, genome.lengths[chrom]))
        base = int(genome.fetch_tokens(chrom, position, position + 1)[0])
        if base == N_TOKEN:
            continue
        alt = int((base + rng.integers(1, 4)) % 4)
        out.append(Variant(chrom, position + 1, "ACGT"[base], "ACGT"[alt], f"background_{len(out)}",
                           "+", len(out)))
    return out


def background_scores(predictor: Any, genome: Any, variants: Iterable[Variant], *,
                      target_index: np.ndarray, batch_size: int, where: str = "background",
                      statistic: str = DEFAULT_BACKGROUND_SCORE, window: str = DEFAULT_WINDOW,
                      ) -> np.ndarray:
    """``|statistic|`` ``(N, T)`` of background variants, each column sorted ascending."""
    check_background_score(statistic)
    parts = []
    for item in score_stream(predictor, genome, variants, target_index=target_index,
                             ref_mismatch="skip", batch_size=batch_size, where=where,
                             window=window):
        if isinstance(item, ScoredBatch):
            parts.append(np.abs(batch_scores(item, [statistic])[statistic]))
    if not parts:
        raise DanqError(f"{where}: no background variant could be scored")
    return np.sort(np.concatenate(parts), axis=0)


def empirical_pvalues(observed: np.ndarray, background_sorted: np.ndarray) -> np.ndarray:
    """``(1 + #{background >= |observed|}) / (N + 1)`` per variant and target.

    ``background_sorted`` is ``(N, T)`` with each column sorted ascending (see
    :func:`background_scores`); ``observed`` is the same statistic of the variants. The +1 keeps p-values above zero, as an empirical
    permutation p-value should be.
    """
    obs = np.abs(np.asarray(observed, dtype=np.float32))
    n = background_sorted.shape[0]
    out = np.empty(obs.shape, dtype=np.float64)
    for t in range(obs.shape[1]):
        below = np.searchsorted(background_sorted[:, t], obs[:, t], side="left")
        out[:, t] = (1 + n - below) / (n + 1)
    return out.astype(np.float32)


def summarize_pvalues(pvalues: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per variant: smallest p, that p times the number of targets (capped at 1), its target."""
    if pvalues.shape[1] == 0:
        empty = np.ones(pvalues.shape[0], dtype=np.float32)
        return empty, empty, np.zeros(pvalues.shape[0], dtype=np.int64)
    best = np.argmin(pvalues, axis=1)
    min_p = pvalues[np.arange(pvalues.shape[0]), best]
    return min_p, np.minimum(min_p * pvalues.shape[1], 1.0).astype(np.float32), best
