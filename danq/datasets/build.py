"""`danq build-dataset`: a genome FASTA and one peak file per target -> DeepSEA-style danq datasets.

DeepSEA's preprocessing was never published as code; its paper and the training bundle describe it, and
this module follows that description:

* each chromosome is cut into ``bin_size`` (200) bp bins from position 0 (a last, partial bin is not
  used); a target is 1 for a bin when **more than half** of the bin lies inside the target's peaks
  (101 of 200 bp is 1, 100 of 200 bp is 0);
* a target's peaks are **merged first** (overlapping or touching peaks become one interval), as DeepSEA
  did: so "inside one of its peaks" means inside the union of the target's peaks, and two peaks of the
  same target covering 60 bp each of one bin give 120 bp, a positive;
* the sample is the ``window`` (1000) bp centred on the bin (``start = bin_start + (bin_size - window)
  // 2``); windows that would run past a chromosome end are dropped (``chromosome_edge``);
* a bin is kept when it is positive for at least one target of the required categories (default: TF
  when a target has that category, else any target);
* ``background_ratio`` R adds round(R x kept) random bins per chromosome and split, drawn (seeded) from
  the bins of that chromosome and split that are positive for no required target and pass the same
  filters, optionally matched to the kept windows' GC content (20 GC strata);
* splits: ``valid`` and ``test`` are lists of whole chromosomes (``chr8``) or regions
  (``chr7:30508751-35296850``, 1-based inclusive like samtools, i.e. 0-based ``[30508750, 35296850)``).
  A window belongs to a region only when it lies entirely inside it; a window that straddles a region's
  edge is dropped (``split_boundary``), so no base of one split's windows is seen by another split.
  Everything else is training.
* filters (ours; DeepSEA does not describe any): ``--chroms`` (default the primary 1-22, X, Y;
  contigs and chrM skipped), a window overlapping a ``--blacklist`` interval by one base is dropped
  (``blacklist``), and one with more than ``max_n_fraction`` (default 0.05) N bases (``n_fraction``);
* ``both_strands`` stores each window's reverse complement too, linked by ``strand`` / ``pair_index``
  (written block by block: B forward rows, then their B reverse complements).

Labels are computed per chromosome from the merged peaks with cumulative sums (:func:`covered_bases`),
and only for the sampled bins, so memory is bounded by one chromosome's sampled bins x targets (plus the
chromosome's tokens and the merged peaks).
"""

from __future__ import annotations

import csv
import json
import os
import time
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.encoders import N_TOKEN, reverse_complement_tokens
from danq.errors import DanqError
from danq.io import atomic_directory, atomic_path, open_text, require_file
from danq.sequence.genome import Genome, canonical_chrom

SPLITS = ("train", "valid", "test")
SPLIT_CODE = {name: code for code, name in enumerate(SPLITS)}
STRADDLE = -1  # split code of a window that crosses a split region's edge
DEEPSEA_VALID = "chr7:30508751-35296850"
DEEPSEA_TEST = "chr8,chr9"
PRIMARY = tuple(str(i) for i in range(1, 23)) + ("X", "Y")
DROP_REASONS = ("chromosome_edge", "split_boundary", "blacklist", "n_fraction")
GC_STRATA = 20
BLOCK_ROWS = 4096  # windows gathered and written per block

Warn = Callable[[str], None]


# --------------------------------------------------------------------------------------------------
# Inputs: the targets table and interval files
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One row of TARGETS.tsv: a target's name, category and peak file."""

    name: str
    category: str
    peaks: Path


def read_targets(path: str | os.PathLike[str]) -> list[Target]:
    """Parse TARGETS.tsv: a header with ``name``, ``category`` and ``peaks`` columns, one row per target.

    Peak paths are relative to the table's folder (absolute paths are kept). Lines starting with ``#``
    and blank lines are skipped. Names must be unique and non-empty.
    """
    table = require_file(path, "targets table")
    try:
        text = table.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise DanqError(f"{table}: cannot read the targets table ({error})") from None
    lines = [
        (number, line) for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        raise DanqError(f"{table}: the targets table is empty")
    header = [h.strip().lower() for h in lines[0][1].split("\t")]
    missing = [c for c in ("name", "category", "peaks") if c not in header]
    if missing:
        raise DanqError(
            f"{table}: line {lines[0][0]}: the header lacks column(s) {', '.join(missing)} "
            "(expected tab-separated name, category, peaks)"
        )
    col = {c: header.index(c) for c in ("name", "category", "peaks")}
    targets: list[Target] = []
    seen: set[str] = set()
    for number, line in lines[1:]:
        fields = next(csv.reader([line], delimiter="\t"))
        if len(fields) != len(header):
            raise DanqError(
                f"{table}: line {number}: {len(fields)} fields, the header has {len(header)}"
            )
        name, category, peaks = (fields[col[c]].strip() for c in ("name", "category", "peaks"))
        if not name:
            raise DanqError(f"{table}: line {number}: empty target name")
        if name in seen:
            raise DanqError(f"{table}: line {number}: target {name!r} is listed twice")
        if not peaks:
            raise DanqError(f"{table}: line {number}: no peak file for target {name!r}")
        seen.add(name)
        peak_path = Path(peaks)
        if not peak_path.is_absolute():
            peak_path = table.parent / peak_path
        targets.append(Target(name, category, peak_path))
    if not targets:
        raise DanqError(f"{table}: the targets table has a header but no targets")
    return targets


def _is_int(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _header_lines(path: Path) -> int:
    """How many leading lines are not intervals: blank, ``#``, ``track``, ``browser`` lines and at
    most one column-name line (the first other line whose start and end are not integers)."""
    count = 0
    saw_column_names = False
    with open_text(path) as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", "track", "browser")):
                count += 1
                continue
            fields = line.rstrip("\n").split("\t")
            if not saw_column_names and len(fields) >= 3 and not (
                _is_int(fields[1]) and _is_int(fields[2])
            ):
                saw_column_names = True
                count += 1
                continue
            break
    return count


def _first_bad_line(path: Path, skip: int) -> str:
    """The first problem in an interval file, as ``line N: ...`` (the slow path, run on errors only)."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if number <= skip or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3:
                return f"line {number}: {len(fields)} tab-separated field(s), a BED line needs 3"
            if not (_is_int(fields[1]) and _is_int(fields[2])):
                return f"line {number}: start and end must be integers, got {fields[1]!r}, {fields[2]!r}"
            start, end = int(fields[1]), int(fields[2])
            if start < 0:
                return f"line {number}: negative start {start}"
            if end < start:
                return f"line {number}: end {end} is before start {start}"
    return "cannot parse the file as BED"


def read_intervals(path: str | os.PathLike[str], what: str = "peak file") -> Any:
    """Read the first three columns of a BED / narrowPeak / broadPeak file (plain or gzip).

    Returns a pandas DataFrame with columns ``chrom`` (as written), ``start``, ``end`` (int64). Leading
    ``#``, ``track`` and ``browser`` lines and one column-name line are skipped; any other bad row, a
    negative start or an end before its start is a :class:`DanqError` naming the line.
    """
    import pandas as pd

    file = require_file(path, what)
    try:
        skip = _header_lines(file)
        with open_text(file) as handle:
            frame = pd.read_csv(
                handle, sep="\t", header=None, skiprows=skip, usecols=[0, 1, 2],
                names=None, dtype={0: str, 1: np.int64, 2: np.int64}, comment=None,
                engine="c", low_memory=False,
            )
    except pd.errors.EmptyDataError:
        raise DanqError(f"{file}: the {what} has no intervals") from None
    except (ValueError, pd.errors.ParserError, IndexError):
        raise DanqError(f"{file}: {_first_bad_line(file, skip)}") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise DanqError(f"{file}: cannot read the {what} ({error})") from None
    frame.columns = ["chrom", "start", "end"]
    if len(frame) == 0:
        raise DanqError(f"{file}: the {what} has no intervals")
    if (frame["start"] < 0).any() or (frame["end"] < frame["start"]).any():
        raise DanqError(f"{file}: {_first_bad_line(file, skip)}")
    return frame


# --------------------------------------------------------------------------------------------------
# Interval arithmetic: merged intervals per chromosome, coverage by cumulative sums
# --------------------------------------------------------------------------------------------------

Intervals = tuple[np.ndarray, np.ndarray]  # sorted, disjoint (starts, ends), int32 or int64


@dataclass
class IntervalCounts:
    """How many rows of an interval file went where (for the summary)."""

    rows: int = 0
    merged: int = 0
    unknown_chromosome: int = 0
    skipped_chromosome: int = 0
    clipped: int = 0
    unknown_names: set[str] = field(default_factory=set)


def merged_by_chromosome(
    frame: Any, genome: Genome, chromosomes: Sequence[str]
) -> tuple[dict[str, Intervals], IntervalCounts]:
    """Merge a file's intervals per chromosome (bioframe), keyed by the genome's chromosome names.

    Names are matched to the genome with or without ``chr``; intervals on chromosomes the genome lacks
    are counted in ``unknown_chromosome``, those on genome chromosomes outside ``chromosomes`` in
    ``skipped_chromosome``; ends past a chromosome's end are clipped (counted in ``clipped``).
    """
    import bioframe
    import pandas as pd

    counts = IntervalCounts(rows=len(frame))
    wanted = set(chromosomes)
    codes, raw_names = pd.factorize(frame["chrom"])
    resolved = [genome.resolve(str(raw)) for raw in raw_names]
    counts.unknown_names = {str(raw) for raw, name in zip(raw_names, resolved, strict=True)
                            if name is None}
    per_code = np.bincount(codes, minlength=len(raw_names))
    counts.unknown_chromosome = int(sum(n for n, r in zip(per_code, resolved, strict=True)
                                        if r is None))
    use = np.array([r is not None and r in wanted for r in resolved], dtype=bool)
    keep = use[codes]
    counts.skipped_chromosome = int(len(frame) - keep.sum() - counts.unknown_chromosome)
    lengths = np.array([genome.lengths.get(r, 0) if r else 0 for r in resolved],
                       dtype=np.int64)[codes[keep]]
    starts = frame["start"].to_numpy(dtype=np.int64)[keep]
    ends = frame["end"].to_numpy(dtype=np.int64)[keep]
    counts.clipped = int((ends > lengths).sum())
    ends = np.minimum(ends, lengths)
    nonempty = ends > starts
    # bioframe merges per value of the chrom column: a categorical groups faster than strings
    chrom = pd.Categorical.from_codes(codes[keep][nonempty], categories=[str(i) for i in range(len(raw_names))])
    frame = pd.DataFrame({"chrom": chrom, "start": starts[nonempty], "end": ends[nonempty]})
    with warnings.catch_warnings():  # bioframe 0.8 uses pandas APIs that pandas 3 deprecates
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        merged = bioframe.merge(frame, min_dist=0) if len(frame) else frame
    out: dict[str, Intervals] = {}
    # int32 halves the memory of ~37 M merged peaks at DeepSEA scale; int64 for huge chromosomes
    dtype = np.int32 if max(genome.lengths.values()) < 2**31 else np.int64
    m_codes = np.asarray(merged["chrom"].astype(str).astype(np.int64))
    m_starts = merged["start"].to_numpy(dtype=np.int64)
    m_ends = merged["end"].to_numpy(dtype=np.int64)
    order = np.lexsort((m_starts, m_codes))
    m_codes, m_starts, m_ends = m_codes[order], m_starts[order], m_ends[order]
    bounds = np.flatnonzero(np.diff(m_codes)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(m_codes)], strict=True):
        if hi > lo:
            name = resolved[int(m_codes[lo])]
            assert name is not None
            out[name] = (m_starts[lo:hi].astype(dtype), m_ends[lo:hi].astype(dtype))
    counts.merged = len(merged)
    return out, counts


def covered_bases(intervals: Intervals, x: np.ndarray) -> np.ndarray:
    """Number of bases of ``[0, x)`` covered by sorted, disjoint ``intervals``, for each ``x``.

    ``C(x) = (total length of the intervals starting before x) - (the part of the last of them that
    lies at or after x)``; the overlap of ``[a, b)`` with the intervals is then ``C(b) - C(a)``.
    """
    starts, ends = intervals
    x = np.asarray(x, dtype=np.int64)
    if len(starts) == 0:
        return np.zeros(x.shape, dtype=np.int64)
    prefix = np.concatenate([[0], np.cumsum(ends - starts, dtype=np.int64)])
    j = np.searchsorted(starts, x, side="left")  # intervals with start < x
    last_end = np.where(j > 0, ends[np.maximum(j - 1, 0)].astype(np.int64), 0)
    return prefix[j] - np.maximum(last_end - x, 0)


def overlap(intervals: Intervals, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Bases of each ``[starts[i], ends[i])`` covered by the sorted, disjoint ``intervals``."""
    return covered_bases(intervals, ends) - covered_bases(intervals, starts)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2's hash-based unique is several times slower on int64)."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def positive_bins(intervals: Intervals, bin_size: int, n_bins: int) -> np.ndarray:
    """Sorted indices of the bins ``[k * bin_size, (k + 1) * bin_size)``, ``k < n_bins``, of which
    more than half is covered by the merged ``intervals`` (DeepSEA's rule).

    Only bins touching an interval can qualify, so only those are scored: the work is proportional to
    the peaks' total length, not to the chromosome's.
    """
    starts, ends = intervals
    if len(starts) == 0 or n_bins == 0:
        return np.zeros(0, dtype=np.int64)
    first = starts.astype(np.int64) // bin_size
    last = np.minimum((ends.astype(np.int64) - 1) // bin_size, n_bins - 1)
    count = np.maximum(last - first + 1, 0)
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    candidates = np.repeat(first, count) + offsets  # non-decreasing: intervals are sorted, disjoint
    candidates = candidates[np.concatenate([[True], candidates[1:] != candidates[:-1]])]
    covered = overlap(intervals, candidates * bin_size, (candidates + 1) * bin_size)
    return candidates[2 * covered > bin_size]


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


# --------------------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Locus:
    """A whole chromosome (``start is None``) or a 0-based half-open region of one."""

    chrom: str  # canonical name (no chr)
    start: int | None = None
    end: int | None = None
    text: str = ""


def parse_loci(text: str, option: str) -> list[Locus]:
    """Parse ``chr8,chr9`` / ``chr7:30508751-35296850`` (1-based inclusive; ``_`` may group digits,
    commas may not, since they separate the loci)."""
    loci: list[Locus] = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        if ":" not in item:
            loci.append(Locus(canonical_chrom(item), text=item))
            continue
        chrom, _, span = item.rpartition(":")
        lo, sep, hi = span.replace("_", "").partition("-")
        if not sep or not lo.isdigit() or not hi.isdigit() or int(lo) < 1 or int(hi) < int(lo):
            raise DanqError(f"{option}: {item!r} is not a chromosome or a region like chr7:1001-2000")
        loci.append(Locus(canonical_chrom(chrom), int(lo) - 1, int(hi), item))
    return loci


def _split_loci(valid: str, test: str) -> list[tuple[int, Locus]]:
    """The ``--valid`` and ``--test`` loci with their split codes; overlapping loci are an error."""
    loci = [(SPLIT_CODE["valid"], locus) for locus in parse_loci(valid, "--valid")]
    loci += [(SPLIT_CODE["test"], locus) for locus in parse_loci(test, "--test")]
    for i, (code_a, a) in enumerate(loci):
        for code_b, b in loci[i + 1 :]:
            if a.chrom != b.chrom:
                continue
            a_lo, a_hi = (a.start or 0, a.end if a.end is not None else 1 << 62)
            b_lo, b_hi = (b.start or 0, b.end if b.end is not None else 1 << 62)
            if a_lo < b_hi and b_lo < a_hi:
                where = "both --valid and --test" if code_a != code_b else "twice"
                raise DanqError(f"{a.text} and {b.text} overlap: a locus is in {where}")
    return loci


def window_splits(
    chrom: str, starts: np.ndarray, ends: np.ndarray, loci: Sequence[tuple[int, Locus]]
) -> np.ndarray:
    """Split code (0 train, 1 valid, 2 test, -1 straddles a region edge) of each window."""
    canonical = canonical_chrom(chrom)
    codes = np.zeros(len(starts), dtype=np.int8)
    for code, locus in loci:
        if locus.chrom != canonical:
            continue
        if locus.start is None:
            codes[:] = code
            continue
        inside = (starts >= locus.start) & (ends <= locus.end)
        touches = (starts < locus.end) & (ends > locus.start)
        codes[inside] = code
        codes[touches & ~inside] = STRADDLE
    return codes


# --------------------------------------------------------------------------------------------------
# Options and the build
# --------------------------------------------------------------------------------------------------


@dataclass
class BuildOptions:
    """Everything `danq build-dataset` can be told; the defaults are DeepSEA's recipe."""

    bin_size: int = 200
    window: int = 1000
    require_category: str | None = None
    background_ratio: float = 0.0
    match_gc: bool = False
    seed: int = 0
    valid: str = DEEPSEA_VALID
    test: str = DEEPSEA_TEST
    chroms: str | None = None
    blacklist: str | None = None
    max_n_fraction: float = 0.05
    both_strands: bool = False
    compression: str = "gzip"

    def check(self) -> None:
        if self.bin_size <= 0 or self.window <= 0:
            raise DanqError("--bin-size and --window must be positive")
        if self.window < self.bin_size:
            raise DanqError(f"--window {self.window} is shorter than --bin-size {self.bin_size}")
        if self.background_ratio < 0:
            raise DanqError("--background-ratio must not be negative")
        if not 0 <= self.max_n_fraction <= 1:
            raise DanqError("--max-n-fraction must be between 0 and 1")


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


def required_targets(targets: Sequence[Target], require: str | None) -> tuple[list[int], list[str]]:
    """Indices of the targets whose positives keep a bin, and the categories they came from."""
    categories = {t.category.lower() for t in targets}
    if require is None:
        wanted = ["tf"] if "tf" in categories else []
    elif require.strip().lower() in ("any", "all", ""):
        wanted = []
    else:
        wanted = [c.strip().lower() for c in require.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in categories]
        if unknown:
            raise DanqError(
                f"--require-category: no target has category {unknown[0]!r} (categories: "
                f"{', '.join(sorted({t.category for t in targets}))})"
            )
    if not wanted:
        return list(range(len(targets))), ["any"]
    index = [i for i, t in enumerate(targets) if t.category.lower() in wanted]
    return index, sorted({targets[i].category for i in index})


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


class Builder:
    """One build: holds the merged peaks, walks the chromosomes, writes the splits."""

    def __init__(
        self, genome: Genome, targets: Sequence[Target], options: BuildOptions, warn: Warn
    ) -> None:
        options.check()
        self.genome, self.targets, self.options, self.warn = genome, list(targets), options, warn
        self.chromosomes = select_chromosomes(genome, options.chroms)
        self.required, self.required_categories = required_targets(
            targets, options.require_category
        )
        self.loci = _split_loci(options.valid, options.test)
        self.peaks: list[dict[str, Intervals]] = []
        self.peak_counts: dict[str, dict[str, int]] = {}
        unknown_rows, unknown_files, unknown_names = 0, 0, set()
        self.timings = dict.fromkeys(
            ("read_peaks", "positives", "read_genome", "samples", "labels", "write"), 0.0
        )
        clock = time.perf_counter()
        for target in self.targets:
            frame = read_intervals(target.peaks, f"peak file of {target.name}")
            merged, counts = merged_by_chromosome(frame, genome, self.chromosomes)
            self.peaks.append(merged)
            self.peak_counts[target.name] = {
                "peaks": counts.rows, "merged": counts.merged,
                "unknown_chromosome": counts.unknown_chromosome,
                "skipped_chromosome": counts.skipped_chromosome, "clipped": counts.clipped,
            }
            if counts.unknown_chromosome:
                unknown_rows += counts.unknown_chromosome
                unknown_files += 1
                unknown_names |= counts.unknown_names
            if counts.merged == 0:
                warn(f"{target.peaks}: no peaks on the chromosomes used; {target.name} is all 0")
        if unknown_rows:
            shown = ", ".join(sorted(unknown_names)[:5]) + (", ..." if len(unknown_names) > 5 else "")
            warn(
                f"{unknown_rows} peaks in {unknown_files} file(s) are on chromosomes the genome "
                f"lacks ({shown}); they are ignored"
            )
        self.unknown_peak_rows = unknown_rows
        self.timings["read_peaks"] = time.perf_counter() - clock
        self.blacklist: dict[str, Intervals] = {}
        if options.blacklist:
            frame = read_intervals(options.blacklist, "blacklist")
            self.blacklist, _ = merged_by_chromosome(frame, genome, self.chromosomes)
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        self.background_shortfall = 0
        self.offset = (options.bin_size - options.window) // 2

    # ----------------------------------------------------------------------------------------------
    def window_filters(
        self, chrom: str, bins: np.ndarray, n_intervals: Intervals
    ) -> tuple[np.ndarray, np.ndarray]:
        """Split code and first failed filter (index into DROP_REASONS, -1 if none) of each bin."""
        opts = self.options
        starts = bins * opts.bin_size + self.offset
        ends = starts + opts.window
        splits = window_splits(chrom, starts, ends, self.loci)
        reason = np.full(len(bins), -1, dtype=np.int8)
        failed = [
            (starts < 0) | (ends > self.genome.lengths[chrom]),
            splits == STRADDLE,
            overlap(self.blacklist[chrom], starts, ends) > 0
            if chrom in self.blacklist else np.zeros(len(bins), dtype=bool),
            overlap(n_intervals, starts, ends) > opts.max_n_fraction * opts.window,
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
        opts = self.options
        n_bins = self.genome.lengths[chrom] // opts.bin_size
        positive = kept  # every bin positive for a required target: never background
        n_intervals = n_runs(tokens)
        splits, reason = self.window_filters(chrom, kept, n_intervals)
        for code, name in enumerate(DROP_REASONS):
            self.dropped[name] += int((reason == code).sum())
        ok = reason < 0
        kept, splits = kept[ok], splits[ok]
        bins, codes, background = [kept], [splits], [np.zeros(len(kept), dtype=bool)]
        if opts.background_ratio > 0 and len(kept):
            every = np.arange(n_bins, dtype=np.int64)
            all_splits, all_reason = self.window_filters(chrom, every, n_intervals)
            eligible = all_reason < 0
            eligible[positive] = False
            gc = None
            if opts.match_gc:
                per_bin = bin_gc(tokens, opts.bin_size, n_bins)
                half = max(0, (opts.window // opts.bin_size - 1) // 2)
                cumulative = np.concatenate([[0], np.cumsum(per_bin, dtype=np.int64)])
                lo = np.clip(every - half, 0, n_bins)
                hi = np.clip(every + half + 1, 0, n_bins)
                gc = (cumulative[hi] - cumulative[lo]) / ((2 * half + 1) * opts.bin_size)
            for code in range(len(SPLITS)):
                in_split = kept[splits == code]
                need = int(round(opts.background_ratio * len(in_split)))
                candidates = np.flatnonzero(eligible & (all_splits == code))
                drawn, short = _draw_background(
                    rng, need, candidates,
                    gc[candidates] if gc is not None else None,
                    gc[in_split] if gc is not None else None,
                    opts.background_ratio,
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

    def labels(self, chrom: str, bins: np.ndarray, positives: list[np.ndarray]) -> np.ndarray:
        """``(len(bins), T)`` uint8 labels of sorted ``bins`` from each target's positive bins."""
        out = np.zeros((len(bins), len(self.targets)), dtype=np.uint8)
        for t, pos in enumerate(positives):
            if len(pos) == 0 or len(bins) == 0:
                continue
            where = np.searchsorted(bins, pos)
            hit = where < len(bins)
            hit[hit] = bins[where[hit]] == pos[hit]
            out[where[hit], t] = 1
        return out

    # ----------------------------------------------------------------------------------------------
    def run(self, outdir: Path, progress: bool = False) -> dict[str, Any]:
        """Write ``outdir/{train,valid,test}.h5`` and ``summary.json``; return the summary."""
        from danq.formats.dataset import DatasetWriter

        opts = self.options
        started = time.perf_counter()
        names = [t.name for t in self.targets]
        categories = [t.category for t in self.targets]
        per_split = {
            s: {"windows": 0, "kept": 0, "background": 0,
                "positives": np.zeros(len(self.targets), dtype=np.int64)}
            for s in SPLITS
        }
        source = f"danq build-dataset: genome {self.genome.path}"
        with atomic_directory(outdir) as tmp:
            writers = {
                s: DatasetWriter(
                    tmp / f"{s}.h5", opts.window, names, categories, source=source,
                    with_pairs=opts.both_strands, with_coordinates=True,
                    compression=opts.compression,
                )
                for s in SPLITS
            }
            ok = False
            try:
                for index, chrom in enumerate(_progress(self.chromosomes, progress)):
                    self._chromosome(index, chrom, writers, per_split)
                ok = True
            finally:
                for writer in writers.values():
                    writer.close(ok=ok)
            for s in SPLITS:
                if per_split[s]["windows"] == 0:
                    self.warn(f"the {s} split is empty")
            if self.background_shortfall:
                self.warn(
                    f"{self.background_shortfall} background bins could not be drawn (too few "
                    "eligible bins on their chromosome and split)"
                )
            summary = self._summary(per_split, time.perf_counter() - started)
            with open(tmp / "summary.json", "w") as handle:
                json.dump(summary, handle, indent=2)
                handle.write("\n")
        return summary

    def _chromosome(
        self, index: int, chrom: str, writers: dict[str, Any], per_split: dict[str, Any]
    ) -> None:
        opts = self.options
        clock = time.perf_counter()
        n_bins = self.genome.lengths[chrom] // opts.bin_size
        positives = [
            positive_bins(p[chrom], opts.bin_size, n_bins) if chrom in p else np.zeros(0, np.int64)
            for p in self.peaks
        ]
        required = [positives[i] for i in self.required]
        kept = sorted_unique(np.concatenate(required)) if required else np.zeros(0, np.int64)
        if len(kept) == 0:
            return
        self.timings["positives"] += time.perf_counter() - clock
        clock = time.perf_counter()
        tokens = read_chromosome(self.genome, chrom)
        self.timings["read_genome"] += time.perf_counter() - clock
        clock = time.perf_counter()
        rng = np.random.default_rng([opts.seed, index])
        samples = self.chromosome_samples(chrom, tokens, kept, rng)
        self.timings["samples"] += time.perf_counter() - clock
        clock = time.perf_counter()
        labels = self.labels(chrom, samples.bins, positives)
        self.timings["labels"] += time.perf_counter() - clock
        clock = time.perf_counter()
        windows = np.lib.stride_tricks.sliding_window_view(tokens, opts.window)
        for code, split in enumerate(SPLITS):
            rows = np.flatnonzero(samples.splits == code)
            stats = per_split[split]
            stats["windows"] += len(rows)
            stats["background"] += int(samples.background[rows].sum())
            stats["kept"] += int(len(rows) - samples.background[rows].sum())
            stats["positives"] += labels[rows].sum(axis=0, dtype=np.int64)
            for lo in range(0, len(rows), BLOCK_ROWS):
                block = rows[lo : lo + BLOCK_ROWS]
                starts = samples.bins[block] * opts.bin_size + self.offset
                self._write_block(
                    writers[split], chrom, np.ascontiguousarray(windows[starts]), labels[block],
                    starts,
                )
        self.timings["write"] += time.perf_counter() - clock

    def _write_block(
        self, writer: Any, chrom: str, tokens: np.ndarray, labels: np.ndarray, starts: np.ndarray
    ) -> None:
        """Append a block of windows; with both strands, then their reverse complements.

        Pairs are linked by ``strand`` (+1 / -1) and ``pair_index`` as in the imported DeepSEA
        bundle, but block by block (B forward rows, then their B reverse complements) rather than
        the bundle's all-forward-then-all-reverse halves: that layout needs a second pass over the
        written file, which cost a third of the build time.
        """
        ends = starts + self.options.window
        spans = [f"{chrom}:{s}-{e}" for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        coordinates = ([chrom] * len(starts), starts, ends)
        if not self.options.both_strands:
            writer.append(tokens, labels, [f"{s}:+" for s in spans], coordinates=coordinates)
            return
        n, first = len(starts), writer.n_rows
        forward_rows = first + np.arange(n, dtype=np.int64)
        writer.append(
            tokens, labels, [f"{s}:+" for s in spans], coordinates=coordinates,
            strand=np.ones(n, dtype=np.int8), pair_index=forward_rows + n,
        )
        writer.append(
            reverse_complement_tokens(tokens), labels, [f"{s}:-" for s in spans],
            coordinates=coordinates, strand=np.full(n, -1, dtype=np.int8), pair_index=forward_rows,
        )

    def _summary(self, per_split: dict[str, Any], seconds: float) -> dict[str, Any]:
        opts = self.options
        strands = 2 if opts.both_strands else 1
        splits = {}
        for s in SPLITS:
            stats = per_split[s]
            splits[s] = {
                "windows": stats["windows"], "samples": stats["windows"] * strands,
                "kept": stats["kept"], "background": stats["background"],
                "positives": dict(zip([t.name for t in self.targets],
                                      stats["positives"].tolist(), strict=True)),
            }
        return {
            "format": "danq-build-dataset-summary",
            "genome": str(self.genome.path),
            "chromosomes": self.chromosomes,
            "targets": [{"name": t.name, "category": t.category, "peaks": str(t.peaks)}
                        for t in self.targets],
            "options": {
                "bin_size": opts.bin_size, "window": opts.window,
                "require_category": self.required_categories,
                "background_ratio": opts.background_ratio, "match_gc": opts.match_gc,
                "seed": opts.seed, "valid": opts.valid, "test": opts.test,
                "blacklist": opts.blacklist, "max_n_fraction": opts.max_n_fraction,
                "both_strands": opts.both_strands,
            },
            "splits": splits,
            "dropped_windows": dict(self.dropped),
            "background_shortfall": self.background_shortfall,
            "peaks": self.peak_counts,
            "peaks_on_unknown_chromosomes": self.unknown_peak_rows,
            "seconds": round(seconds + self.timings["read_peaks"], 1),
            "seconds_by_step": {k: round(v, 2) for k, v in self.timings.items()},
        }


def _progress(items: Sequence[str], show: bool) -> Iterator[str]:
    if not show:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc="chromosomes", unit="chrom")


def check_output_folder(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder that holds an input or other files: it is replaced as a whole."""
    resolved = out.resolve()
    for path in inputs:
        if resolved in path.resolve().parents:
            raise DanqError(f"{out}: the output folder holds the input {path}; choose another -o")
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        raise DanqError(
            f"{out}: exists and is not an earlier build (no summary.json); the output folder is "
            "replaced as a whole, so choose a new or empty one"
        )


def build_dataset(
    genome: str | os.PathLike[str],
    targets: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    options: BuildOptions | None = None,
    *,
    warn: Warn | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Build ``outdir/{train,valid,test}.h5`` + ``summary.json`` from a genome and TARGETS.tsv.

    The output folder appears only when everything succeeded (:func:`danq.io.atomic_directory`).
    Returns the summary written to ``summary.json``.
    """
    options = options or BuildOptions()
    warn = warn or (lambda message: None)
    target_list = read_targets(targets)
    out = Path(outdir)
    inputs = [Path(genome), Path(targets), *(t.peaks for t in target_list)]
    if options.blacklist:
        inputs.append(Path(options.blacklist))
    check_output_folder(out, inputs)
    with Genome(genome) as handle:
        return Builder(handle, target_list, options, warn).run(out, progress=progress)


def read_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a build's ``summary.json`` (a :class:`DanqError` when it is not one)."""
    file = require_file(path, "dataset summary")
    try:
        summary = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DanqError(f"{file}: not a readable JSON file ({error})") from None
    if not isinstance(summary, dict) or summary.get("format") != "danq-build-dataset-summary":
        raise DanqError(f"{file}: not a `danq build-dataset` summary.json")
    return summary


def summary_markdown(summary: dict[str, Any]) -> list[str]:
    """Markdown lines describing a build (for ``danq report``): windows per split, drops, targets."""
    lines = ["## Dataset (danq build-dataset)", "",
             "| split | windows | kept | background | samples | targets without positives |",
             "|---|---:|---:|---:|---:|---:|"]
    for split, stats in summary["splits"].items():
        empty = sum(1 for v in stats["positives"].values() if v == 0)
        lines.append(f"| {split} | {stats['windows']} | {stats['kept']} | {stats['background']} | "
                     f"{stats['samples']} | {empty} |")
    dropped = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary["dropped_windows"].items())
    options = summary["options"]
    lines += ["", f"Targets: {len(summary['targets'])}; kept bins need a positive for "
              f"{', '.join(options['require_category'])}; valid {options['valid'] or 'none'}, "
              f"test {options['test'] or 'none'}. Dropped windows: {dropped}.", ""]
    return lines


# --------------------------------------------------------------------------------------------------
# Export: samples as BED
# --------------------------------------------------------------------------------------------------


def export_bed(
    dataset: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    targets: Sequence[str] = (),
    positives_only: bool = False,
    both_strands: bool = False,
) -> int:
    """Write a dataset's sample windows and labels as BED6; return the number of lines written.

    Columns: chrom, start, end (the window), name (the sample's positive targets joined by ``,``,
    ``.`` for none), score (the number of positive targets, capped at 1000) and strand (``+``/``-``
    for datasets with both strands, else ``.``). On paired datasets only forward rows are written
    unless ``both_strands``. ``targets`` restricts the names and scores to those targets.
    """
    import h5py

    from danq.formats.dataset import open_dataset

    with open_dataset(dataset) as ds:
        path = ds.path
        with h5py.File(path, "r") as f:
            if not all(c in f for c in ("chrom", "start", "end")):
                raise DanqError(
                    f"{path}: the dataset has no coordinates (datasets made by "
                    "`danq build-dataset` have them)"
                )
            index = list(range(ds.n_targets))
            if targets:
                missing = [t for t in targets if t not in ds.target_names]
                if missing:
                    raise DanqError(f"{path}: no target named {missing[0]!r}")
                index = [ds.target_names.index(t) for t in targets]
            names = np.asarray(ds.target_names, dtype=object)[index]
            strand = ds.strand
            written = 0
            with atomic_path(output) as tmp, open(tmp, "w") as out:
                for lo in range(0, len(ds), ds.chunk_rows * 8):
                    hi = min(lo + ds.chunk_rows * 8, len(ds))
                    labels = ds.labels(lo, hi)[:, index] if ds.has_labels else np.zeros(
                        (hi - lo, 0), np.uint8
                    )
                    chroms = [c.decode() if isinstance(c, bytes) else c for c in f["chrom"][lo:hi]]
                    starts, ends = f["start"][lo:hi], f["end"][lo:hi]
                    signs = strand[lo:hi] if strand is not None else np.zeros(hi - lo, np.int8)
                    for i in range(hi - lo):
                        if signs[i] == -1 and not both_strands:
                            continue
                        hits = np.flatnonzero(labels[i])
                        if positives_only and len(hits) == 0:
                            continue
                        label = ",".join(names[hits]) if len(hits) else "."
                        sign = {1: "+", -1: "-"}.get(int(signs[i]), ".")
                        out.write(
                            f"{chroms[i]}\t{starts[i]}\t{ends[i]}\t{label}\t"
                            f"{min(len(hits), 1000)}\t{sign}\n"
                        )
                        written += 1
    return written
