"""`danq build-dataset`'s inputs: the targets table, peak files, merged peaks and the bins they make positive.

* TARGETS.tsv names each target, its category and its peak file (:func:`read_targets`);
  :func:`required_targets` picks the targets whose positives keep a bin;
* peak and blacklist files are BED / narrowPeak / broadPeak, plain or gzip (:func:`read_intervals`);
* a target's peaks are **merged first** (bioframe; overlapping or touching peaks become one interval),
  per genome chromosome (:func:`merged_by_chromosome`, :func:`read_peaks`);
* coverage by cumulative sums (:func:`covered_bases`, :func:`overlap`) gives DeepSEA's rule: a bin is
  positive when **more than half** of it lies inside the merged peaks (:func:`positive_bins`).
"""

from __future__ import annotations

import csv
import os
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import open_text, require_file
from danq.sequence.genome import Genome

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


def _is_int(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _is_column_names(fields: list[str]) -> bool:
    """Whether a BED-like line names its columns: start and end hold no digit at all (``start``,
    ``chromStart``). A line with digits there (``100.5``, ``1,000``, ``1e3``) is an interval, so a
    malformed first interval is an error naming its line rather than a header silently dropped."""
    return not any(ch.isdigit() for ch in fields[1] + fields[2])


def _header_lines(path: Path) -> int:
    """How many leading lines are not intervals: blank, ``#``, ``track``, ``browser`` lines and at
    most one column-name line (the first other line whose start and end hold no digit)."""
    count = 0
    saw_column_names = False
    with open_text(path) as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", "track", "browser")):
                count += 1
                continue
            fields = line.rstrip("\n").split("\t")
            if not saw_column_names and len(fields) >= 3 and _is_column_names(fields):
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
    past_end: int = 0  # of the clipped: starting at or past the chromosome's end (nothing left)
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
    counts.past_end = int((starts >= lengths).sum())
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



@dataclass
class TargetPeaks:
    """Every target's merged peaks per chromosome, and what happened to each file's rows."""

    merged: list[dict[str, Intervals]]
    counts: dict[str, dict[str, int]]  # target name -> IntervalCounts without the unknown names
    unknown_rows: int  # peaks on chromosomes the genome lacks, all files together


def read_peaks(
    targets: Sequence[Target], genome: Genome, chromosomes: Sequence[str],
    warn: Callable[[str], None],
) -> TargetPeaks:
    """Read and merge every target's peak file; warn about empty targets, unknown chromosomes and
    peaks clipped at a chromosome's end. When no peak of any file is on a genome chromosome (another
    assembly or naming), the build could only make empty splits: a :class:`DanqError`."""
    peaks: list[dict[str, Intervals]] = []
    peak_counts: dict[str, dict[str, int]] = {}
    unknown_rows, unknown_files, unknown_names = 0, 0, set()
    clipped = ClippedPeaks()
    total_rows = 0
    empty: list[Target] = []
    for target in targets:
        frame = read_intervals(target.peaks, f"peak file of {target.name}")
        merged, counts = merged_by_chromosome(frame, genome, chromosomes)
        peaks.append(merged)
        total_rows += counts.rows
        clipped.add(target.peaks, counts)
        peak_counts[target.name] = {
            "peaks": counts.rows, "merged": counts.merged,
            "unknown_chromosome": counts.unknown_chromosome,
            "skipped_chromosome": counts.skipped_chromosome, "clipped": counts.clipped,
        }
        if counts.unknown_chromosome:
            unknown_rows += counts.unknown_chromosome
            unknown_files += 1
            unknown_names |= counts.unknown_names
        if counts.merged == 0:
            empty.append(target)
    if total_rows and unknown_rows == total_rows:
        raise DanqError(
            f"{_shown([str(t.peaks) for t in targets], 3)}: no peak is on a chromosome of "
            f"{genome.path} (the peaks are on {_shown(sorted(unknown_names))}; the genome has "
            f"{_shown(genome.chromosomes)}); check the assembly and the chromosome names"
        )
    for target in empty:
        warn(f"{target.peaks}: no peaks on the chromosomes used; {target.name} is all 0")
    clipped.warn(warn)
    if unknown_rows:
        shown = ", ".join(sorted(unknown_names)[:5]) + (", ..." if len(unknown_names) > 5 else "")
        warn(
            f"{unknown_rows} peaks in {unknown_files} file(s) are on chromosomes the genome "
            f"lacks ({shown}); they are ignored"
        )
    return TargetPeaks(peaks, peak_counts, unknown_rows)


def _shown(names: Sequence[str], limit: int = 5) -> str:
    """``a, b, c`` with at most ``limit`` names, then ``and N more``."""
    names = list(names)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


@dataclass
class ClippedPeaks:
    """Peaks running past their chromosome's end, over every peak file (one warning for all)."""

    rows: int = 0
    past_end: int = 0
    files: list[str] = field(default_factory=list)

    def add(self, path: Path, counts: IntervalCounts) -> None:
        if counts.clipped:
            self.rows += counts.clipped
            self.past_end += counts.past_end
            self.files.append(str(path))

    def warn(self, warn: Callable[[str], None]) -> None:
        if not self.rows:
            return
        lost = (f"; {self.past_end} of them start at or past it and are ignored"
                if self.past_end else "")
        warn(
            f"{self.rows} peaks in {len(self.files)} file(s) ({_shown(self.files, 3)}) run past "
            f"their chromosome's end and are clipped to it{lost} (another assembly?)"
        )


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
