"""Genome-scale inputs of ``danq predict``: tiles over regions, and BED intervals with coordinates.

``danq predict --genome FA --tile REGION|BED --step N`` scores a region (``chr22``,
``chr22:1,000,000-2,000,000``) or every region of a BED file in steps of ``N`` bp:

* the region is cut into consecutive **bins** of ``step`` bp from its start (the last one is cut at
  the region's end); each bin is scored by the model-length **window centred on it** (window start
  ``(bin_start + bin_end) // 2 - length // 2``, :func:`window_starts`), and the bin is the interval
  the prediction is written over (the bedGraph/bigWig interval; the ``chrom start end`` columns of
  TSV and HDF5): ``step`` bp centred on the window's centre;
* **chromosome ends**: a bin whose window does not fit inside its chromosome is **skipped** (no
  value, a gap in the track; the count is reported), never scored on N padding, which the models
  never saw in training: the first and last ``(length - step) / 2`` bp or so of a chromosome have
  no value;
* regions: ``CHROM`` is the whole chromosome; ``CHROM:START-END`` is 1-based and inclusive, as
  genome browsers and samtools show it (commas allowed), i.e. the 0-based ``[START - 1, END)``; a
  BED file's regions are 0-based half-open. Regions are sorted in genome order and must not overlap
  (a track takes its intervals in order).

Sequence is read batch by batch (one span per batch of neighbouring windows), so memory does not
grow with the region: a whole human chromosome costs what one batch costs.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.formats.sources import SequenceBatch, bed_records, is_bed, read_bed_intervals

_REGION = re.compile(r"^(?P<chrom>[^:\s]+)(?::(?P<start>[\d,]+)-(?P<end>[\d,]+))?$")


@dataclass(frozen=True)
class Region:
    """A 0-based, half-open genome interval on the genome's own chromosome name."""

    chrom: str
    start: int
    end: int


@dataclass
class LocatedBatch(SequenceBatch):
    """A :class:`SequenceBatch` whose rows have genome coordinates (0-based, half-open)."""

    chroms: list[str]
    starts: np.ndarray  # (B,) int64
    ends: np.ndarray  # (B,) int64


def parse_region(text: str, genome: Any) -> Region:
    """``CHROM`` or ``CHROM:START-END`` (1-based inclusive, commas allowed) as a :class:`Region`."""
    match = _REGION.match(text.strip())
    if match is None:
        raise DanqError(f"--tile {text!r}: expected CHROM or CHROM:START-END (e.g. chr22:1,000,001-2,000,000)")
    chrom = genome.resolve(match["chrom"])
    if chrom is None:
        raise DanqError(f"--tile {text!r}: chromosome {match['chrom']!r} is not in {genome.path}")
    size = genome.lengths[chrom]
    if match["start"] is None:
        return Region(chrom, 0, size)
    start = int(match["start"].replace(",", "")) - 1
    end = int(match["end"].replace(",", ""))
    if start < 0 or end <= start:
        raise DanqError(f"--tile {text!r}: START must be at least 1 and END at least START")
    if end > size:
        raise DanqError(f"--tile {text!r}: ends past {chrom} ({size} bp in {genome.path})")
    return Region(chrom, start, end)


def read_regions(spec: str | os.PathLike[str], genome: Any) -> list[Region]:
    """The regions of ``--tile``: one region string, or a BED file (by its suffix, or any existing
    file), sorted in genome order; overlapping regions are an error."""
    if is_bed(spec) or Path(spec).is_file():
        regions = []
        for chrom, start, end, _ in read_bed_intervals(spec):
            name = genome.resolve(chrom)
            if name is None:
                raise DanqError(f"{spec}: chromosome {chrom!r} is not in {genome.path}")
            if end > genome.lengths[name] or end <= start:
                raise DanqError(f"{spec}: region {chrom}:{start}-{end} is empty or ends past "
                                f"{name} ({genome.lengths[name]} bp in {genome.path})")
            regions.append(Region(name, start, end))
        if not regions:
            raise DanqError(f"{spec}: the BED file has no regions")
    else:
        regions = [parse_region(str(spec), genome)]
    order = {name: i for i, name in enumerate(genome.chromosomes)}
    regions.sort(key=lambda r: (order[r.chrom], r.start, r.end))
    for before, after in zip(regions, regions[1:], strict=False):
        if before.chrom == after.chrom and after.start < before.end:
            raise DanqError(f"{spec}: regions {before.chrom}:{before.start}-{before.end} and "
                            f"{after.chrom}:{after.start}-{after.end} overlap; merge them first")
    return regions


def window_starts(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    """Start of the ``length``-bp window centred on each bin ``[start, end)``."""
    return (starts + ends) // 2 - length // 2


def tile_bins(region: Region, size: int, length: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """``(bin_starts, bin_ends)`` of the bins of ``region`` whose centred ``length``-bp window fits
    inside a chromosome of ``size`` bp (see the module doc)."""
    k = np.arange(max(0, -(-(region.end - region.start) // step)), dtype=np.int64)
    starts = region.start + k * step
    ends = np.minimum(starts + step, region.end)
    window = window_starts(starts, ends, length)
    keep = (window >= 0) & (window + length <= size)
    return starts[keep], ends[keep]


def _window_tokens(genome: Any, chrom: str, windows: np.ndarray, length: int) -> np.ndarray:
    """Tokens ``(B, length)`` of the windows starting at ``windows`` (sorted) on ``chrom``."""
    lo, hi = int(windows[0]), int(windows[-1]) + length
    if hi - lo <= 4 * length * len(windows):  # neighbours: one read, then strided rows
        span = genome.fetch_tokens(chrom, lo, hi)
        rows = np.lib.stride_tricks.sliding_window_view(span, length)
        return np.ascontiguousarray(rows[windows - lo])
    return np.stack([genome.fetch_tokens(chrom, int(w), int(w) + length) for w in windows])


def _pieces(genome: Any, regions: list[Region], length: int, step: int, batch_size: int,
            counts: dict[str, int]) -> Iterator[LocatedBatch]:
    """Tiles over ``regions`` in pieces of at most ``batch_size`` bins (fewer near chromosome ends
    and at region ends)."""
    for region in regions:
        size = genome.lengths[region.chrom]
        n_bins = -(-(region.end - region.start) // step)
        for k0 in range(0, n_bins, batch_size):
            part = Region(region.chrom, region.start + k0 * step,
                          min(region.end, region.start + (k0 + batch_size) * step))
            starts, ends = tile_bins(part, size, length, step)
            counts["n_skipped"] += min(batch_size, n_bins - k0) - len(starts)
            if len(starts) == 0:
                continue
            counts["n_sequences"] += len(starts)
            yield LocatedBatch(
                names=[f"{region.chrom}:{s}-{e}" for s, e in zip(starts.tolist(), ends.tolist(), strict=True)],
                tokens=_window_tokens(genome, region.chrom, window_starts(starts, ends, length), length),
                chroms=[region.chrom] * len(starts), starts=starts, ends=ends,
            )


def _joined(parts: list[LocatedBatch]) -> LocatedBatch:
    if len(parts) == 1:
        return parts[0]
    return LocatedBatch(
        names=[n for p in parts for n in p.names], tokens=np.concatenate([p.tokens for p in parts]),
        chroms=[c for p in parts for c in p.chroms], starts=np.concatenate([p.starts for p in parts]),
        ends=np.concatenate([p.ends for p in parts]),
    )


def tile_batches(genome: Any, regions: list[Region], length: int, step: int, batch_size: int,
                 counts: dict[str, int]) -> Iterator[LocatedBatch]:
    """Batches of ``batch_size`` tiles (the last may be smaller) over ``regions``, in order, named
    ``chrom:start-end`` by their bins; many small regions still make full batches.

    ``counts`` gets ``n_sequences`` (bins scored) and ``n_skipped`` (bins whose window runs past a
    chromosome end).
    """
    if step < 1:
        raise DanqError(f"--step {step}: must be at least 1")
    counts.setdefault("n_sequences", 0)
    counts.setdefault("n_skipped", 0)
    pending: list[LocatedBatch] = []
    held = 0
    for piece in _pieces(genome, regions, length, step, batch_size, counts):
        pending.append(piece)
        held += len(piece.names)
        if held >= batch_size:
            whole = _joined(pending)
            yield _slice(whole, 0, batch_size)
            pending = [_slice(whole, batch_size, held)] if held > batch_size else []
            held -= batch_size
    if pending:
        yield _joined(pending)


def _slice(batch: LocatedBatch, lo: int, hi: int) -> LocatedBatch:
    return LocatedBatch(names=batch.names[lo:hi], tokens=batch.tokens[lo:hi],
                        chroms=batch.chroms[lo:hi], starts=batch.starts[lo:hi],
                        ends=batch.ends[lo:hi])


def bed_batches(path: str | os.PathLike[str], genome: Any, length: int, batch_size: int,
                counts: dict[str, int]) -> Iterator[LocatedBatch]:
    """Batches of the windows centred on each BED interval (:func:`danq.formats.sources.bed_records`:
    N-padded past chromosome ends), with each interval's coordinates as given in the BED file."""
    counts.setdefault("n_sequences", 0)
    counts.setdefault("n_adjusted", 0)
    located = zip(read_bed_intervals(path), bed_records(path, genome, length), strict=True)
    while True:
        rows = list(itertools.islice(located, batch_size))
        if not rows:
            return
        counts["n_sequences"] += len(rows)
        yield LocatedBatch(
            names=[name for _, (name, _) in rows],
            tokens=np.stack([tokens for _, (_, tokens) in rows]),
            chroms=[chrom for (chrom, _, _, _), _ in rows],
            starts=np.array([start for (_, start, _, _), _ in rows], dtype=np.int64),
            ends=np.array([end for (_, _, end, _), _ in rows], dtype=np.int64),
        )
