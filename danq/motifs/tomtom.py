"""Motif-to-database comparison as the MEME suite's TOMTOM does it, with Pearson column scores.

The DanQ paper matched its filters to JASPAR with TOMTOM 4.11 (``-dist pearson -min-overlap 5``,
matched = E < 0.01). memelite, the maintained Python TOMTOM, scores columns by Euclidean distance
only, and with that score flat, low-information matrices match long low-information database
motifs at tiny p-values. This module therefore implements TOMTOM's method with the Pearson
correlation (:func:`tomtom_pearson`), keeps memelite's Euclidean TOMTOM as an option
(``dist="euclidean"``), and puts both behind one entry point, :func:`match_motifs`, used by
``danq motifs`` and ``danq tomtom`` alike.

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
5. E = p × number of database motifs. q: Benjamini–Hochberg *per query* over the query's
   comparisons (every database motif in both orientations, as MEME lists them), then the better
   orientation of each motif is reported. MEME additionally estimates the share of true nulls
   (π0 ≈ 0.98 in the published runs); we take π0 = 1, so our q-values are at most ~2 % higher.

Low-information flanks are trimmed from each query before it is compared (a column is a flank
while its information content is below ``trim_bits``), and a query whose trimmed matrix holds
less than ``min_bits`` bits in total, or fewer than ``min_width`` columns, is reported as
``uninformative`` and not compared: a flat matrix has no motif to match. :func:`decoy_false_match_rate`
measures what is left of false matches on decoys of the queries' widths (columns shuffled, and
matrices counted from background-only sites).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError

ACGT = "ACGT"
BINS = 100
DISTANCES = ("pearson", "euclidean")
DEFAULT_DIST = "pearson"
DEFAULT_MIN_OVERLAP = 5
#: A flank column is trimmed while its information content is below this (bits): about the
#: information a uniform column shows by chance when counted from 10 sites (~2.16 / n bits).
DEFAULT_TRIM_BITS = 0.25
#: A trimmed query with less information than this (bits) is uninformative: not compared.
DEFAULT_MIN_BITS = 4.0
#: A trimmed query narrower than this is uninformative (TOMTOM would let it align anywhere).
DEFAULT_MIN_WIDTH = 4
DEFAULT_EVALUE = 0.01
DEFAULT_TOP = 5
#: Sites per column of a background decoy when a query's site count is unknown.
DEFAULT_DECOY_SITES = 100

STATUS_INFORMATIVE = "tested"
STATUS_UNINFORMATIVE = "uninformative"
DECOY_KINDS = ("shuffled", "background")

MATCH_COLUMNS = [
    "rank", "target_id", "target_name", "p_value", "e_value", "q_value",
    "offset", "strand", "overlap", "score",
]


# --------------------------------------------------------------------------------------------
# Matrices


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

    q_both = benjamini_hochberg(best_p.ravel()).reshape(best_p.shape)
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
        ``p_value``; ``q_value`` (Benjamini–Hochberg over the query's comparisons in both
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
    """memelite's TOMTOM (Euclidean column scores), with per-query BH q-values over the targets.

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
        "p_value": p, "q_value": benjamini_hochberg(p), "score": score,
        "offset": offset.astype(np.int64), "overlap": overlap.astype(np.int64),
        "strand": np.where(strand > 0.5, "-", "+"),
    }


# --------------------------------------------------------------------------------------------
# Queries against a database: trimming, matching, tables


@dataclass(frozen=True)
class MatchSettings:
    """How queries are compared: distance, overlap, trimming, the E-value that counts as a match."""

    dist: str = DEFAULT_DIST
    min_overlap: int = DEFAULT_MIN_OVERLAP
    trim_bits: float = DEFAULT_TRIM_BITS
    min_bits: float = DEFAULT_MIN_BITS
    min_width: int = DEFAULT_MIN_WIDTH
    evalue_threshold: float = DEFAULT_EVALUE
    top: int = DEFAULT_TOP

    def check(self) -> MatchSettings:
        """Raise DanqError for a setting out of range; return self."""
        if self.dist not in DISTANCES:
            raise DanqError(f"--dist {self.dist}: choose one of {', '.join(DISTANCES)}")
        if self.min_overlap < 1:
            raise DanqError(f"--min-overlap {self.min_overlap}: must be at least 1")
        if not 0 <= self.trim_bits <= 2:
            raise DanqError(f"--trim-bits {self.trim_bits}: must be in [0, 2]")
        if self.min_bits < 0:
            raise DanqError(f"--min-bits {self.min_bits}: must be >= 0")
        if self.min_width < 1:
            raise DanqError(f"--min-width {self.min_width}: must be at least 1")
        if self.evalue_threshold <= 0:
            raise DanqError(f"--evalue {self.evalue_threshold}: must be > 0")
        if self.top < 1:
            raise DanqError(f"--top-matches {self.top}: must be at least 1")
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "dist": self.dist, "min_overlap": self.min_overlap, "trim_bits": self.trim_bits,
            "min_bits": self.min_bits, "min_width": self.min_width,
            "evalue_threshold": self.evalue_threshold, "top_matches": self.top,
        }


@dataclass
class Database:
    """Named database motifs (e.g. JASPAR): ids, names and (4, L) probability matrices."""

    ids: list[str]
    names: list[str]
    ppms: list[np.ndarray]

    @classmethod
    def from_jaspar(cls, release: str) -> Database:
        from danq.formats.jaspar import load_jaspar

        motifs = load_jaspar(release)
        return cls([m.matrix_id for m in motifs], [m.name for m in motifs],
                   [as_ppm(m.pfm, m.matrix_id) for m in motifs])

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class MatchResult:
    """What :func:`match_motifs` found: per-query rows and the best matches of each query."""

    queries: Any  # pandas.DataFrame, one row per query
    matches: Any  # pandas.DataFrame, the best ``top`` matches of every informative query
    n_database: int
    settings: MatchSettings


def trim_queries(
    queries: Mapping[str, np.ndarray], settings: MatchSettings
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Trim every query's flanks; return its row (bounds, bits, status) and the informative ones."""
    rows, informative = [], {}
    for name, matrix in queries.items():
        ppm = as_ppm(matrix, f"motif {name}")
        start, stop = trim_bounds(ppm, settings.trim_bits)
        bits = float(information_content(ppm[:, start:stop]).sum()) if stop > start else 0.0
        ok = bits >= settings.min_bits and stop - start >= settings.min_width
        rows.append({
            "width": ppm.shape[1], "trim_start": start, "trim_stop": stop,
            "trimmed_width": stop - start,
            "information_content": round(float(information_content(ppm).sum()), 4),
            "trimmed_information_content": round(bits, 4),
            "status": STATUS_INFORMATIVE if ok else STATUS_UNINFORMATIVE,
        })
        if ok:
            informative[name] = ppm[:, start:stop]
    return rows, informative


def _compare(trimmed: Mapping[str, np.ndarray], database: Database, settings: MatchSettings,
             threads: int | None) -> dict[str, np.ndarray]:
    matrices = list(trimmed.values())
    if settings.dist == "pearson":
        return tomtom_pearson(matrices, database.ppms, settings.min_overlap)
    return tomtom_euclidean(matrices, database.ppms, threads)


def match_motifs(
    queries: Mapping[str, np.ndarray],
    database: Database,
    settings: MatchSettings | None = None,
    *,
    name_column: str = "query",
    threads: int | None = None,
) -> MatchResult:
    """Trim, filter and compare every query to the database; tabulate the best matches.

    Parameters
    ----------
    queries
        ``{name: (4, k) matrix}`` (counts or probabilities, rows ACGT).
    database
        The motifs to compare against (:meth:`Database.from_jaspar`).
    settings
        Distance, overlap, trimming and match criterion (defaults: the DanQ paper's TOMTOM run
        plus trimming).
    name_column
        The name of the query column in both tables (``filter`` for ``danq motifs``).

    Returns
    -------
    MatchResult
        ``queries``: one row per query with its trimming, information content, status, best
        match, p/E/q and ``matched`` (best E below the threshold). ``matches``: the best
        ``top`` database motifs per informative query (rank 1 = lowest p), ``offset`` in the
        untrimmed query's columns (target column − query column).
    """
    import pandas as pd

    settings = (settings or MatchSettings()).check()
    if not len(database):
        raise DanqError("no database motifs to compare against")
    rows, trimmed = trim_queries(queries, settings)
    result = _compare(trimmed, database, settings, threads) if trimmed else None
    match_rows = []
    best: dict[str, dict[str, Any]] = {}
    starts = {name: row["trim_start"] for name, row in zip(queries, rows, strict=True)}
    for i, name in enumerate(trimmed):
        p = result["p_value"][i]
        order = np.lexsort((-result["score"][i], p))[: settings.top]
        for rank, j in enumerate(order, start=1):
            row = {
                name_column: name, "rank": rank, "target_id": database.ids[j],
                "target_name": database.names[j], "p_value": float(p[j]),
                "e_value": float(p[j] * len(database)), "q_value": float(result["q_value"][i, j]),
                "offset": int(result["offset"][i, j]) - starts[name],
                "strand": str(result["strand"][i, j]), "overlap": int(result["overlap"][i, j]),
                "score": float(result["score"][i, j]),
            }
            match_rows.append(row)
            if rank == 1:
                best[name] = row
    table = []
    for name, row in zip(queries, rows, strict=True):
        hit = best.get(name)
        entry = {name_column: name, **row}
        for key in ("target_id", "target_name"):
            entry[f"best_{key}"] = hit[key] if hit else None
        for key in ("p_value", "e_value", "q_value", "offset", "strand", "overlap"):
            entry[key] = hit[key] if hit else None
        entry["matched"] = bool(hit is not None and hit["e_value"] < settings.evalue_threshold)
        table.append(entry)
    return MatchResult(
        pd.DataFrame(table),
        pd.DataFrame(match_rows, columns=[name_column, *MATCH_COLUMNS]),
        len(database), settings,
    )


# --------------------------------------------------------------------------------------------
# Decoys: how often does a motif-free matrix "match"?


def shuffled_decoy(ppm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The matrix with its columns in random order: same columns and information, no motif."""
    return np.asarray(ppm)[:, rng.permutation(ppm.shape[1])]


def background_decoy(width: int, nsites: int, rng: np.random.Generator) -> np.ndarray:
    """A matrix counted from ``nsites`` uniform-background sites: what a filter without a motif
    would give from the same number of sites (near flat when ``nsites`` is large)."""
    counts = rng.multinomial(max(1, int(nsites)), [0.25] * 4, size=width).T
    return counts / counts.sum(axis=0, keepdims=True)


def make_decoys(
    queries: Mapping[str, np.ndarray], nsites: Mapping[str, int], seed: int = 0,
) -> dict[str, dict[str, np.ndarray]]:
    """One shuffled-column and one background-only decoy per query, of the query's width."""
    rng = np.random.default_rng(seed)
    decoys: dict[str, dict[str, np.ndarray]] = {kind: {} for kind in DECOY_KINDS}
    for name, matrix in queries.items():
        ppm = as_ppm(matrix, f"motif {name}")
        sites = int(nsites.get(name) or DEFAULT_DECOY_SITES)
        decoys["shuffled"][f"{name}~shuffled"] = shuffled_decoy(ppm, rng)
        decoys["background"][f"{name}~background"] = background_decoy(ppm.shape[1], sites, rng)
    return decoys


def decoy_false_match_rate(
    queries: Mapping[str, np.ndarray],
    nsites: Mapping[str, int],
    database: Database,
    settings: MatchSettings | None = None,
    *,
    seed: int = 0,
    threads: int | None = None,
) -> dict[str, Any]:
    """Run decoys of the queries through :func:`match_motifs`; count how many "match".

    Returns, per decoy kind and overall: ``n`` decoys, ``n_informative`` (passed trimming and
    the information filter), ``n_matched`` (best E below the threshold) and ``rate`` =
    n_matched / n, the false-match rate of the criterion on motif-free matrices.
    """
    settings = (settings or MatchSettings()).check()
    summary: dict[str, Any] = {"seed": seed}
    total = {"n": 0, "n_informative": 0, "n_matched": 0}
    for kind, decoys in make_decoys(queries, nsites, seed).items():
        table = match_motifs(decoys, database, settings, threads=threads).queries
        counts = {
            "n": len(table),
            "n_informative": int((table["status"] == STATUS_INFORMATIVE).sum()) if len(table) else 0,
            "n_matched": int(table["matched"].sum()) if len(table) else 0,
        }
        counts["rate"] = counts["n_matched"] / counts["n"] if counts["n"] else None
        summary[kind] = counts
        for key in total:
            total[key] += counts[key]
    total["rate"] = total["n_matched"] / total["n"] if total["n"] else None
    summary["all"] = total
    return summary


# --------------------------------------------------------------------------------------------
# MEME files


@dataclass
class MemeMotif:
    """One motif of a MEME file: name, (4, w) probabilities (rows ACGT) and nsites (0 if absent)."""

    name: str
    ppm: np.ndarray
    nsites: int = 0


def _header_value(line: str, key: str) -> str | None:
    parts = line.replace("=", "= ").split()
    for i, part in enumerate(parts[:-1]):
        if part == f"{key}=":
            return parts[i + 1]
    return None


def read_meme(path: str | os.PathLike[str]) -> list[MemeMotif]:
    """The motifs of a MEME (version 4/5 text) file, DNA alphabet only.

    Raises DanqError with the file name and line for a file that is not MEME text, a non-DNA
    alphabet, a matrix whose rows do not have 4 numbers, or a width that disagrees with ``w=``.
    """
    from danq.io import require_file

    p = require_file(path, "MEME file")
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DanqError(f"{p}: not a MEME text file (not UTF-8 text)") from None
    if not any(line.startswith("MEME version") for line in lines[:50]):
        raise DanqError(f"{p}: not a MEME motif file (no 'MEME version' line)")
    motifs: list[MemeMotif] = []
    name: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("ALPHABET"):
            alphabet = line.split("=", 1)[-1].strip().split()[0] if "=" in line else ""
            if alphabet.upper() not in ("ACGT", "DNA"):
                raise DanqError(f"{p}:{i + 1}: alphabet {alphabet!r} is not DNA (ACGT)")
        elif line.startswith("MOTIF"):
            fields = line.split()
            if len(fields) < 2:
                raise DanqError(f"{p}:{i + 1}: MOTIF line without a name")
            name = fields[1]
        elif line.startswith("letter-probability matrix"):
            if name is None:
                raise DanqError(f"{p}:{i + 1}: matrix before any MOTIF line")
            width_text, sites_text = _header_value(line, "w"), _header_value(line, "nsites")
            rows: list[list[float]] = []
            j = i + 1
            while j < len(lines):
                text = lines[j].strip()
                if not text:
                    if rows:
                        break
                    j += 1
                    continue
                try:
                    values = [float(v) for v in text.split()]
                except ValueError:
                    break
                if len(values) != 4:
                    raise DanqError(f"{p}:{j + 1}: motif {name}: expected 4 numbers, got {len(values)}")
                rows.append(values)
                j += 1
                if width_text is not None and len(rows) == int(float(width_text)):
                    break
            if not rows or (width_text is not None and len(rows) != int(float(width_text))):
                raise DanqError(f"{p}:{i + 1}: motif {name}: w= {width_text} but {len(rows)} rows")
            ppm = as_ppm(np.array(rows).T, f"{p}: motif {name}")
            nsites = int(float(sites_text)) if sites_text else 0
            motifs.append(MemeMotif(name, ppm, nsites))
            name = None
            i = j
            continue
        i += 1
    if not motifs:
        raise DanqError(f"{p}: no letter-probability matrix in the file")
    names = [m.name for m in motifs]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise DanqError(f"{p}: motif name {sorted(duplicated)[0]!r} appears twice")
    return motifs


# --------------------------------------------------------------------------------------------
# `danq tomtom`


def run_tomtom(
    meme_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    release: str | None = None,
    settings: MatchSettings | None = None,
    decoys: bool = True,
    seed: int = 0,
    threads: int | None = None,
) -> dict[str, Any]:
    """``danq tomtom``: compare a MEME file's motifs to JASPAR CORE vertebrates.

    Writes (atomically) ``tomtom.tsv`` (the best matches per query, the columns of ``danq
    motifs``' tomtom.tsv with ``query`` for ``filter``), ``queries.tsv`` (one row per motif:
    trimming, information, status, best match, ``matched``) and ``summary.json`` (counts, the
    settings, and the decoy false-match rate). Returns the summary.
    """
    import json

    from danq.formats.jaspar import DEFAULT_RELEASE, normalise_release
    from danq.io import atomic_directory

    settings = (settings or MatchSettings()).check()
    release = normalise_release(release or DEFAULT_RELEASE)
    out = Path(outdir).resolve()
    if out in Path(meme_path).resolve().parents:
        raise DanqError(f"{meme_path}: lies inside the output directory {outdir}, which is "
                        "replaced; choose another -o")
    motifs = read_meme(meme_path)
    database = Database.from_jaspar(release)
    queries = {m.name: m.ppm for m in motifs}
    result = match_motifs(queries, database, settings, threads=threads)
    table = result.queries
    summary: dict[str, Any] = {
        "motifs": str(meme_path), "n_motifs": len(motifs),
        "n_informative": int((table["status"] == STATUS_INFORMATIVE).sum()),
        "n_uninformative": int((table["status"] == STATUS_UNINFORMATIVE).sum()),
        "n_matched": int(table["matched"].sum()),
        "n_distinct_targets_matched": int(table.loc[table["matched"], "best_target_id"].nunique()),
        "release": release, "collection": "CORE", "tax_group": "vertebrates",
        "n_database_motifs": len(database), **settings.as_dict(),
    }
    if decoys:
        nsites = {m.name: m.nsites for m in motifs}
        summary["decoys"] = decoy_false_match_rate(
            queries, nsites, database, settings, seed=seed, threads=threads)
    with atomic_directory(outdir) as tmp:
        result.matches.to_csv(Path(tmp) / "tomtom.tsv", sep="\t", index=False, float_format="%.6g")
        table.to_csv(Path(tmp) / "queries.tsv", sep="\t", index=False, float_format="%.6g")
        (Path(tmp) / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
