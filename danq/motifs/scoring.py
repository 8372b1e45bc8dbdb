"""TOMTOM's scores and statistics on bare matrices: Pearson columns (ours), Euclidean (memelite).

The DanQ paper matched its filters to JASPAR with TOMTOM 4.11 (``-dist pearson -min-overlap 5``,
matched = E < 0.01). memelite, the maintained Python TOMTOM, scores columns by Euclidean distance
only, and with that score flat, low-information matrices match long low-information database
motifs at tiny p-values. This module therefore implements TOMTOM's method with the Pearson
correlation (:func:`tomtom_pearson`) and keeps memelite's Euclidean TOMTOM as an option
(:func:`tomtom_euclidean`); :func:`compare` picks one by name. Named queries, the database,
trimming and the result tables are :mod:`danq.motifs.tomtom`'s.

TOMTOM's statistics (MEME 4.x "complete scores", the default), per query motif of width ``w``:

1. Every query column is scored against every column of the database, each database motif taken
   in both orientations (its reverse complement too): the Pearson correlation of the two
   4-vectors (0 when a column is constant), :func:`pearson_column_scores`.
2. Each query column's scores are shifted by their median over the database columns, so an
   unaligned column is worth the median (0) and a long overhang is neither rewarded nor punished;
   the shifted scores are rounded onto an integer grid (:data:`BINS` steps over the query's
   score range).
3. An alignment of the query with a target of width ``L`` (``w + L - 1`` offsets) scores the sum
   of the aligned columns' shifted scores; the best offset with at least ``min_overlap`` aligned
   columns is kept (ties: the larger overlap).
4. The null distribution treats each aligned query column's score as an independent draw from
   its scores against all database columns: the distribution of a sum over a run of query columns
   is the convolution of the columns' score histograms. The p-value is that of the *maximum* over
   all ``2 (w + L - 1)`` alignments (both orientations), alignments taken as independent:
   ``P(max >= s) = 1 - prod_a (1 - P(S_a >= s))``.
5. E = p × number of database motifs (or the ``database_size`` given, to compare with a run
   against a larger database). q: Storey's q-values *per query* over the query's comparisons
   (every database motif in both orientations, as MEME lists them), then the better orientation
   of each motif is reported: Benjamini–Hochberg times π0, the share of true nulls, estimated as
   MEME's ``qvalue.c`` does (:func:`storey_pi0`; π0 = 1 with 100 p-values or fewer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from danq.errors import DanqError
from danq.motifs.matrices import reverse_complement

BINS = 100
DISTANCES = ("pearson", "euclidean")
DEFAULT_DIST = "pearson"
DEFAULT_MIN_OVERLAP = 5


# --------------------------------------------------------------------------------------------
# TOMTOM with Pearson column scores


def pearson_column_scores(query: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Pearson correlation of every query column with every target column: (w, N).

    ``query`` is (4, w) and ``targets`` (4, N), probabilities. As in TOMTOM, the mean of a
    column is taken as 1/4 (exact for probabilities) and a constant column scores 0.
    """
    q = np.asarray(query, dtype=np.float64) - 0.25
    t = np.asarray(targets, dtype=np.float64) - 0.25
    numerator = q.T @ t
    denominator = np.sqrt(np.outer((q * q).sum(axis=0), (t * t).sum(axis=0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), 0.0)


@dataclass
class _Database:
    """Database motifs in both orientations, columns concatenated, grouped by width."""

    n_motifs: int
    columns: np.ndarray  # (4, N): motif 0 forward, motif 0 reverse, motif 1 forward, ...
    # width -> (motif indices (n,), column indices (n, 2, width)): orientation 0 '+', 1 '-'
    by_width: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _database(targets: Sequence[np.ndarray]) -> _Database:
    blocks, starts, start = [], [], 0
    for t in targets:
        forward = np.asarray(t, dtype=np.float64)
        for oriented in (forward, reverse_complement(forward)):
            blocks.append(oriented)
            starts.append(start)
            start += oriented.shape[1]
    db = _Database(len(targets), np.concatenate(blocks, axis=1))
    widths = np.array([t.shape[1] for t in targets])
    for width in np.unique(widths):
        motifs = np.flatnonzero(widths == width)
        first = np.array(starts).reshape(-1, 2)[motifs]  # (n, 2)
        db.by_width[int(width)] = (motifs, first[:, :, None] + np.arange(width))
    return db


def _alignment_columns(w: int, length: int) -> list[tuple[int, int, int]]:
    """Every offset of a width-``w`` query against a width-``length`` target.

    Returns ``(offset, first query column, last query column + 1)`` where ``offset`` = target
    column − query column (MEME's "optimal offset"), for offsets −(w−1) … length−1.
    """
    result = []
    for offset in range(-(w - 1), length):
        first = max(0, -offset)
        stop = min(w, length - offset)
        result.append((offset, first, stop))
    return result


class _SumDistributions:
    """Survival functions of the sum of shifted scores of every run of query columns."""

    def __init__(self, z: np.ndarray):
        w, n = z.shape
        lows = z.min(axis=1)
        pmfs = [np.bincount(z[i] - lows[i]) / n for i in range(w)]
        self.table: dict[tuple[int, int], tuple[int, np.ndarray]] = {}
        for first in range(w):
            low, pmf = int(lows[first]), pmfs[first]
            for last in range(first, w):
                if last > first:
                    pmf = np.convolve(pmf, pmfs[last])
                    low += int(lows[last])
                # survival P(S >= low + k), summed from the tail so small values stay exact
                survival = np.minimum(np.cumsum(pmf[::-1])[::-1], 1.0)
                self.table[(first, last + 1)] = (low, survival)

    def survival(self, first: int, stop: int, scores: np.ndarray) -> np.ndarray:
        """``P(S >= score)`` for the sum over query columns ``first … stop-1``."""
        low, sf = self.table[(first, stop)]
        index = scores - low
        inside = np.clip(index, 0, len(sf) - 1)
        return np.where(index < 0, 1.0, np.where(index >= len(sf), 0.0, sf[inside]))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values along the last axis (monotone, capped at 1)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1) * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
    q = np.empty_like(p)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=-1)
    return q


#: MEME's qvalue.h (4.x, the version with string lists): bootstraps, p-values per bootstrap,
#: lambda grid size and its largest value; π0 is estimated only from more than MIN_PI0_SAMPLES.
PI0_BOOTSTRAPS, PI0_BOOTSTRAP_SAMPLES, PI0_LAMBDAS, PI0_MAX_LAMBDA = 100, 1000, 100, 0.5
MIN_PI0_SAMPLES = 100


def _pi0_at(sorted_p: np.ndarray, lambdas: np.ndarray) -> np.ndarray:
    """W(λ) / ((1 − λ) m) per λ (W: p-values ≥ λ); infinity where no p-value reaches λ."""
    above = len(sorted_p) - np.searchsorted(sorted_p, lambdas, side="left")
    with np.errstate(divide="ignore"):
        pi0 = above / ((1.0 - lambdas) * len(sorted_p))
    return np.where(above == 0, np.inf, pi0)


def storey_pi0(p_values: np.ndarray, seed: int = 0) -> float:
    """Storey's (2002) estimate of the share of true nulls, as MEME's ``estimate_pi_zero``.

    π0(λ) on a grid of λ (``PI0_LAMBDAS`` values up to ``PI0_MAX_LAMBDA``); the plug-in estimate is
    the smallest; the λ whose bootstrap estimates (``PI0_BOOTSTRAPS`` resamples of
    ``PI0_BOOTSTRAP_SAMPLES`` p-values) lie closest to it in mean squared error gives π0, clipped
    to [0, 1]. 1 when there are ``MIN_PI0_SAMPLES`` p-values or fewer (MEME's rule). The bootstrap
    uses numpy's generator seeded ``seed``, not MEME's, so π0 can differ from MEME's slightly.
    """
    p = np.sort(np.asarray(p_values, dtype=np.float64).ravel())
    if len(p) <= MIN_PI0_SAMPLES:
        return 1.0
    lambdas = np.arange(1, PI0_LAMBDAS + 1) / PI0_LAMBDAS * PI0_MAX_LAMBDA
    pi0 = _pi0_at(p, lambdas)
    plug_in = pi0.min()
    rng = np.random.default_rng(seed)
    boots = np.sort(rng.choice(p, size=(PI0_BOOTSTRAPS, PI0_BOOTSTRAP_SAMPLES)), axis=1)
    with np.errstate(invalid="ignore"):
        mse = sum((_pi0_at(row, lambdas) - plug_in) ** 2 for row in boots)
    return float(np.clip(pi0[int(np.argmin(mse))], 0.0, 1.0))


def storey_qvalues(p_values: np.ndarray, seed: int = 0) -> np.ndarray:
    """Storey's q-values along the last axis: π0 (per row, :func:`storey_pi0`) × Benjamini–Hochberg."""
    p = np.asarray(p_values, dtype=np.float64)
    rows = p.reshape(-1, p.shape[-1])
    pi0 = np.array([storey_pi0(row, seed) for row in rows]).reshape(p.shape[:-1] + (1,))
    return np.minimum(pi0 * benjamini_hochberg(p), 1.0)


def _pearson_one_query(query: np.ndarray, db: _Database, min_overlap: int) -> dict[str, np.ndarray]:
    w = query.shape[1]
    scores = pearson_column_scores(query, db.columns)
    shifted = scores - np.median(scores, axis=1, keepdims=True)
    spread = float(shifted.max() - shifted.min())
    scale = BINS / spread if spread > 0 else 1.0
    z = np.rint(shifted * scale).astype(np.int64)
    sums = _SumDistributions(z)

    n = db.n_motifs
    best_p = np.ones((n, 2))
    best_score = np.zeros((n, 2), dtype=np.int64)
    best_offset = np.zeros((n, 2), dtype=np.int64)
    best_overlap = np.zeros((n, 2), dtype=np.int64)
    for length, (motifs, columns) in db.by_width.items():
        block = z[:, columns]  # (w, n, 2, L)
        alignments = _alignment_columns(w, length)
        required = min(min_overlap, w, length)
        score = np.full(block.shape[1:3], np.iinfo(np.int64).min)
        offset = np.zeros_like(score)
        overlap = np.zeros_like(score)
        for off, first, stop in alignments:
            if stop - first < required:
                continue
            rows = np.arange(first, stop)
            s = block[rows, :, :, rows + off].sum(axis=0)  # (n, 2)
            better = (s > score) | ((s == score) & (stop - first > overlap))
            score = np.where(better, s, score)
            offset = np.where(better, off, offset)
            overlap = np.where(better, stop - first, overlap)
        # P(max over all 2 (w + L - 1) alignments >= score), alignments independent
        log_all_below = np.zeros(score.shape)
        for _, first, stop in alignments:
            tail = sums.survival(first, stop, score)
            with np.errstate(divide="ignore"):
                log_all_below += 2.0 * np.log1p(-np.minimum(tail, 1.0))
        p = -np.expm1(log_all_below)
        best_p[motifs], best_score[motifs] = p, score
        best_offset[motifs], best_overlap[motifs] = offset, overlap

    q_both = storey_qvalues(best_p.ravel()).reshape(best_p.shape)
    strand = (best_p[:, 1] < best_p[:, 0]).astype(np.int64)  # ties: forward
    pick = np.arange(n)
    return {
        "p_value": np.clip(best_p[pick, strand], 0.0, 1.0),
        "q_value": q_both[pick, strand],
        "score": best_score[pick, strand] / scale,
        "offset": best_offset[pick, strand],
        "overlap": best_overlap[pick, strand],
        "strand": np.where(strand == 1, "-", "+"),
    }


def tomtom_pearson(
    queries: Sequence[np.ndarray], targets: Sequence[np.ndarray],
    min_overlap: int = DEFAULT_MIN_OVERLAP,
) -> dict[str, np.ndarray]:
    """TOMTOM (complete scores, Pearson columns) of every query against every target.

    Parameters
    ----------
    queries, targets
        (4, k) probability matrices, rows ACGT.
    min_overlap
        Aligned columns an offset needs (lowered to the shorter motif's width, as TOMTOM does).

    Returns
    -------
    dict of (n_queries, n_targets) arrays
        ``p_value``; ``q_value`` (Storey's, over the query's comparisons in both
        orientations); ``score`` (sum of median-shifted column correlations of the best offset);
        ``offset`` (target column − query column, on the reverse complement of the target when
        ``strand`` is ``-``); ``overlap``; ``strand``.
    """
    if min_overlap < 1:
        raise DanqError(f"--min-overlap {min_overlap}: must be at least 1")
    if not targets:
        raise DanqError("no database motifs to compare against")
    db = _database(targets)
    rows = [_pearson_one_query(np.asarray(q, dtype=np.float64), db, min_overlap) for q in queries]
    keys = ("p_value", "q_value", "score", "offset", "overlap", "strand")
    if not rows:
        return {k: np.empty((0, len(targets))) for k in keys}
    return {k: np.stack([r[k] for r in rows]) for k in keys}


def tomtom_euclidean(
    queries: Sequence[np.ndarray], targets: Sequence[np.ndarray], threads: int | None = None,
) -> dict[str, np.ndarray]:
    """memelite's TOMTOM (Euclidean column scores), with per-query Storey q-values over the targets.

    memelite reports one p-value per target (the better strand, corrected for two), so the
    q-values run over the query's targets rather than over both orientations.
    """
    from danq.runtime import configure_numba_cache

    configure_numba_cache()
    import memelite

    qs = [np.ascontiguousarray(q, dtype=np.float64) for q in queries]
    ts = [np.ascontiguousarray(t, dtype=np.float64) for t in targets]
    if not qs:
        keys = ("p_value", "q_value", "score", "offset", "overlap", "strand")
        return {k: np.empty((0, len(ts))) for k in keys}
    p, score, offset, overlap, strand = memelite.tomtom(qs, ts, n_jobs=-1 if not threads else threads)
    p = np.clip(p, 0.0, 1.0)
    return {
        "p_value": p, "q_value": storey_qvalues(p), "score": score,
        "offset": offset.astype(np.int64), "overlap": overlap.astype(np.int64),
        "strand": np.where(strand > 0.5, "-", "+"),
    }


def compare(
    queries: Sequence[np.ndarray], targets: Sequence[np.ndarray], dist: str = DEFAULT_DIST,
    min_overlap: int = DEFAULT_MIN_OVERLAP, threads: int | None = None,
) -> dict[str, np.ndarray]:
    """Every query against every target with the ``dist`` column score (one of :data:`DISTANCES`).

    Returns the arrays of :func:`tomtom_pearson`; ``min_overlap`` applies to Pearson only and
    ``threads`` to memelite's Euclidean TOMTOM only.
    """
    if dist == "pearson":
        return tomtom_pearson(queries, targets, min_overlap)
    if dist == "euclidean":
        return tomtom_euclidean(queries, targets, threads)
    raise DanqError(f"--dist {dist}: choose one of {', '.join(DISTANCES)}")
