"""Genome bins -> sample windows: chromosomes used, N runs, blacklist, splits, background draw with GC matching.

Each chromosome is cut into ``bin_size`` bins from position 0 (a last, partial bin is not used); a bin's
sample is the ``window`` centred on it (``start = bin_start + (bin_size - window) // 2``). A window is
dropped, first reason first (``DROP_REASONS``), when it runs past a chromosome end, straddles a split
region's edge, overlaps a blacklist interval by one base, or holds more than ``max_n_fraction`` N. The
background is drawn (seeded) from the bins of the same chromosome and split that pass the same filters
and are positive for no required target, optionally matched to the kept windows' GC (``GC_STRATA``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from danq.datasets.peaks import Intervals, merged_by_chromosome, overlap, read_intervals
from danq.datasets.splits import SPLITS, STRADDLE, Locus, window_splits
from danq.encoders import N_TOKEN
from danq.errors import DanqError
from danq.sequence.genome import Genome, canonical_chrom

PRIMARY = tuple(str(i) for i in range(1, 23)) + ("X", "Y")
DROP_REASONS = ("chromosome_edge", "split_boundary", "blacklist", "n_fraction")
GC_STRATA = 20


def select_chromosomes(genome: Genome, chroms: str | None) -> list[str]:
    """The genome's chromosomes to use: ``chroms`` (comma list, matched with or without ``chr``) or,
    by default, the primary ones 1-22, X, Y (contigs, unplaced scaffolds and chrM are skipped)."""
    if chroms:
        names = []
        for item in (c.strip() for c in chroms.split(",") if c.strip()):
            name = genome.resolve(item)
            if name is None:
                raise DanqError(f"--chroms: chromosome {item!r} is not in {genome.path}")
            names.append(name)
        return list(dict.fromkeys(names))
    names = [n for n in genome.chromosomes if canonical_chrom(n) in PRIMARY]
    if not names:
        raise DanqError(
            f"{genome.path}: no primary chromosome (1-22, X, Y, with or without chr); "
            "name the ones to use with --chroms"
        )
    return names



def n_runs(tokens: np.ndarray, piece: int = 1 << 24) -> Intervals:
    """Runs of ``N`` tokens in a chromosome as sorted, disjoint intervals (read in pieces)."""
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    previous = np.int8(0)
    for lo in range(0, len(tokens), piece):
        mask = (tokens[lo : lo + piece] == N_TOKEN).view(np.int8)
        step = np.diff(mask, prepend=previous)
        starts.append(np.flatnonzero(step == 1) + lo)
        ends.append(np.flatnonzero(step == -1) + lo)
        previous = mask[-1]
    if previous:
        ends.append(np.array([len(tokens)]))
    if not starts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(starts).astype(np.int64), np.concatenate(ends).astype(np.int64)


def read_chromosome(genome: Genome, chrom: str, piece: int = 1 << 24) -> np.ndarray:
    """A whole chromosome's tokens, read a piece at a time.

    :meth:`Genome.chromosome_tokens` reads it in one go, which briefly holds the text, its bytes and
    the tokens (about 1 GB for human chr1); pieces keep the extra memory to a few times ``piece``.
    """
    length = genome.lengths[chrom]
    out = np.empty(length, dtype=np.uint8)
    for lo in range(0, length, piece):
        hi = min(lo + piece, length)
        out[lo:hi] = genome.fetch_tokens(chrom, lo, hi)
    return out


def bin_gc(tokens: np.ndarray, bin_size: int, n_bins: int, piece_bins: int = 1 << 16) -> np.ndarray:
    """G + C count of every bin (int32), computed a piece of bins at a time."""
    out = np.empty(n_bins, dtype=np.int32)
    for lo in range(0, n_bins, piece_bins):
        hi = min(lo + piece_bins, n_bins)
        block = tokens[lo * bin_size : hi * bin_size].reshape(hi - lo, bin_size)
        out[lo:hi] = ((block == 1) | (block == 2)).sum(axis=1)
    return out



@dataclass
class ChromosomeSamples:
    """The windows one chromosome contributes: bin index, split code, and whether it is background."""

    bins: np.ndarray
    splits: np.ndarray
    background: np.ndarray


def _draw_background(
    rng: np.random.Generator,
    need: int,
    candidates: np.ndarray,
    candidate_gc: np.ndarray | None,
    kept_gc: np.ndarray | None,
    ratio: float,
) -> tuple[np.ndarray, int]:
    """Draw background bins (without replacement); GC-matched per stratum when GC is given.

    Returns the drawn bins and the shortfall (how many could not be drawn).
    """
    if need == 0 or len(candidates) == 0:
        return np.zeros(0, dtype=np.int64), need
    if candidate_gc is None or kept_gc is None:
        take = min(need, len(candidates))
        return np.sort(rng.choice(candidates, size=take, replace=False)), need - take
    strata = np.linspace(0, 1, GC_STRATA + 1)[1:-1]
    kept_stratum = np.digitize(kept_gc, strata)
    cand_stratum = np.digitize(candidate_gc, strata)
    chosen: list[np.ndarray] = []
    used = np.zeros(len(candidates), dtype=bool)
    for stratum, count in zip(*np.unique(kept_stratum, return_counts=True), strict=True):
        pool = np.flatnonzero(cand_stratum == stratum)
        take = min(int(round(ratio * count)), len(pool))
        if take:
            pick = rng.choice(pool, size=take, replace=False)
            used[pick] = True
            chosen.append(pick)
    drawn = int(sum(len(c) for c in chosen))
    rest = np.flatnonzero(~used)
    if drawn < need and len(rest):  # strata without enough candidates: fill from any GC
        fill = rng.choice(rest, size=min(need - drawn, len(rest)), replace=False)
        chosen.append(fill)
    picked = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    picked = picked[:need]
    return np.sort(candidates[picked]), need - len(picked)


class WindowSampler:
    """Which bins of a chromosome become windows: the filters, each window's split, the background draw.

    Counts the windows each filter drops (``dropped``, by DROP_REASONS) and the background bins that
    could not be drawn (``background_shortfall``) over every chromosome it is given, and which of
    them hold only N (``all_n``).
    """

    def __init__(
        self,
        genome: Genome,
        chromosomes: Sequence[str],
        loci: Sequence[tuple[int, Locus]],
        *,
        bin_size: int,
        window: int,
        max_n_fraction: float,
        blacklist: str | None = None,
        background_ratio: float = 0.0,
        match_gc: bool = False,
    ) -> None:
        self.genome, self.loci = genome, list(loci)
        self.bin_size, self.window, self.max_n_fraction = bin_size, window, max_n_fraction
        self.background_ratio, self.match_gc = background_ratio, match_gc
        self.blacklist: dict[str, Intervals] = {}
        if blacklist:
            frame = read_intervals(blacklist, "blacklist")
            self.blacklist, _ = merged_by_chromosome(frame, genome, chromosomes)
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        self.background_shortfall = 0
        self.all_n: list[str] = []
        self.offset = (bin_size - window) // 2

    def window_filters(
        self, chrom: str, bins: np.ndarray, n_intervals: Intervals
    ) -> tuple[np.ndarray, np.ndarray]:
        """Split code and first failed filter (index into DROP_REASONS, -1 if none) of each bin."""
        starts = bins * self.bin_size + self.offset
        ends = starts + self.window
        splits = window_splits(chrom, starts, ends, self.loci)
        reason = np.full(len(bins), -1, dtype=np.int8)
        failed = [
            (starts < 0) | (ends > self.genome.lengths[chrom]),
            splits == STRADDLE,
            overlap(self.blacklist[chrom], starts, ends) > 0
            if chrom in self.blacklist else np.zeros(len(bins), dtype=bool),
            overlap(n_intervals, starts, ends) > self.max_n_fraction * self.window,
        ]
        for code in range(len(failed) - 1, -1, -1):  # the first reason in DROP_REASONS wins
            reason[failed[code]] = code
        return splits, reason

    def chromosome_samples(
        self, chrom: str, tokens: np.ndarray, kept: np.ndarray, rng: np.random.Generator
    ) -> ChromosomeSamples:
        """Filter the kept bins of a chromosome and draw its background bins.

        ``kept`` are the bins positive for a required target (sorted); ``tokens`` the chromosome's.
        """
        n_bins = self.genome.lengths[chrom] // self.bin_size
        positive = kept  # every bin positive for a required target: never background
        n_intervals = n_runs(tokens)
        if len(n_intervals[0]) == 1 and n_intervals[0][0] == 0 and n_intervals[1][0] == len(tokens):
            self.all_n.append(chrom)
        splits, reason = self.window_filters(chrom, kept, n_intervals)
        for code, name in enumerate(DROP_REASONS):
            self.dropped[name] += int((reason == code).sum())
        ok = reason < 0
        kept, splits = kept[ok], splits[ok]
        bins, codes, background = [kept], [splits], [np.zeros(len(kept), dtype=bool)]
        if self.background_ratio > 0 and len(kept):
            every = np.arange(n_bins, dtype=np.int64)
            all_splits, all_reason = self.window_filters(chrom, every, n_intervals)
            eligible = all_reason < 0
            eligible[positive] = False
            gc = None
            if self.match_gc:
                per_bin = bin_gc(tokens, self.bin_size, n_bins)
                half = max(0, (self.window // self.bin_size - 1) // 2)
                cumulative = np.concatenate([[0], np.cumsum(per_bin, dtype=np.int64)])
                lo = np.clip(every - half, 0, n_bins)
                hi = np.clip(every + half + 1, 0, n_bins)
                gc = (cumulative[hi] - cumulative[lo]) / ((2 * half + 1) * self.bin_size)
            for code in range(len(SPLITS)):
                in_split = kept[splits == code]
                need = int(round(self.background_ratio * len(in_split)))
                candidates = np.flatnonzero(eligible & (all_splits == code))
                drawn, short = _draw_background(
                    rng, need, candidates,
                    gc[candidates] if gc is not None else None,
                    gc[in_split] if gc is not None else None,
                    self.background_ratio,
                )
                self.background_shortfall += short
                bins.append(drawn)
                codes.append(np.full(len(drawn), code, dtype=np.int8))
                background.append(np.ones(len(drawn), dtype=bool))
        all_bins = np.concatenate(bins)
        order = np.argsort(all_bins, kind="stable")
        return ChromosomeSamples(
            all_bins[order], np.concatenate(codes)[order], np.concatenate(background)[order]
        )
