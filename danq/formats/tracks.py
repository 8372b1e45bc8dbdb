"""Genome-browser tracks: one bigWig or bedGraph file per target, written interval by interval.

``danq predict --tile`` streams its predictions here batch by batch, so memory does not grow with
the region: each batch's intervals go straight to every target's file. Both formats take the
intervals **in order** (chromosomes in the order of the header, starts increasing, no overlap):

* bigWig (pyBigWig): the header lists every chromosome of the genome with its size (from the
  genome's ``.fai``); values are float32; zoom levels are written when the file is closed;
* bedGraph: a ``track type=bedGraph`` line, then ``chrom start end value`` (``%.4g``) per interval.

Files are named by target (:func:`track_file_names`: the name with every character outside
``A-Z a-z 0-9 . _ -`` replaced by ``_``, made unique), so ``8988T|DNase|None`` becomes
``8988T_DNase_None.bw``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from danq.errors import DanqError
from danq.io.names import file_stems

TRACK_FORMATS = ("bigwig", "bedgraph")
TRACK_SUFFIXES = {"bigwig": ".bw", "bedgraph": ".bedGraph"}
_SUFFIX_FORMATS = {".bw": "bigwig", ".bigwig": "bigwig", ".bedgraph": "bedgraph", ".bg": "bedgraph"}


def track_format_of(path: str | os.PathLike[str]) -> str | None:
    """``"bigwig"`` or ``"bedgraph"`` when ``path`` is named like one (``.bw``, ``.bigWig``,
    ``.bedGraph``, ``.bg``, any case), else None."""
    return _SUFFIX_FORMATS.get(Path(path).suffix.lower())


def track_file_names(target_names: Sequence[str], fmt: str) -> list[str]:
    """One safe, unique file name per target (:func:`danq.io.names.file_stems`) with the
    format's suffix."""
    return [stem + TRACK_SUFFIXES[fmt] for stem in file_stems(target_names)]


def _allow_open_files(needed: int) -> None:
    """Raise the soft limit of open files to ``needed`` (up to the hard limit) so that one track
    per target can stay open (Beluga has 2,002 targets; many systems allow 1,024 files)."""
    try:
        import resource
    except ImportError:  # not on POSIX: nothing to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise DanqError(f"{needed - 64} tracks need {needed} open files but this system allows "
                        f"{hard} (ulimit -Hn): select fewer targets with --targets")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def _runs(chroms: Sequence[str], starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """``[lo, hi)`` row ranges of abutting intervals of one width on one chromosome."""
    width = ends - starts
    cut = np.flatnonzero((np.asarray(chroms[1:]) != np.asarray(chroms[:-1]))
                         | (width[1:] != width[:-1]) | (starts[1:] != ends[:-1])) + 1
    bounds = [0, *cut.tolist(), len(starts)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


class TrackWriter:
    """Write one track per target (bigWig or bedGraph) from batches of intervals in order.

    Parameters
    ----------
    paths
        One output path per target (already temporary: the caller publishes them).
    fmt
        ``"bigwig"`` or ``"bedgraph"``.
    chrom_sizes
        ``(name, size)`` of every chromosome, in genome order: the bigWig header. Intervals must
        come chromosome by chromosome in this order.
    names
        Track names (bedGraph ``name=``).
    """

    def __init__(self, paths: Sequence[str | os.PathLike[str]], fmt: str,
                 chrom_sizes: Sequence[tuple[str, int]], names: Sequence[str]) -> None:
        if fmt not in TRACK_FORMATS:
            raise DanqError(f"--format {fmt}: expected one of {', '.join(TRACK_FORMATS)}")
        self.fmt = fmt
        self.order = {name: i for i, name in enumerate(n for n, _ in chrom_sizes)}
        self.sizes = dict(chrom_sizes)
        self._files: list[Any] = []
        self._last: tuple[int, int] = (-1, 0)  # (chromosome index, end) of the last interval
        self.n_intervals = 0
        _allow_open_files(len(paths) + 64)
        try:
            for path, name in zip(paths, names, strict=True):
                self._files.append(self._open(Path(path), name, list(chrom_sizes)))
        except BaseException:
            self.close()
            raise

    def _open(self, path: Path, name: str, chrom_sizes: list[tuple[str, int]]) -> Any:
        if self.fmt == "bedgraph":
            handle: IO[str] = open(path, "w", encoding="utf-8", newline="\n")
            safe = name.replace('"', "'").replace("\n", " ")
            handle.write(f'track type=bedGraph name="{safe}"\n')
            return handle
        import pyBigWig

        bw = pyBigWig.open(str(path), "w")
        if bw is None:
            raise DanqError(f"{path}: cannot create a bigWig file there")
        bw.addHeader(chrom_sizes, maxZooms=10)
        return bw

    def _check_order(self, chroms: Sequence[str], starts: np.ndarray, ends: np.ndarray) -> None:
        """Intervals must be in header order, inside their chromosome, and not overlap."""
        last_chrom, last_end = self._last
        for chrom, start, end in zip(chroms, starts.tolist(), ends.tolist(), strict=True):
            index = self.order.get(chrom)
            if index is None:
                raise DanqError(f"track: chromosome {chrom!r} is not in the genome's index")
            if not 0 <= start < end <= self.sizes[chrom]:
                raise DanqError(f"track: interval {chrom}:{start}-{end} is outside {chrom}")
            if index < last_chrom or (index == last_chrom and start < last_end):
                raise DanqError(f"track: interval {chrom}:{start}-{end} is out of order or "
                                "overlaps the one before (regions must be sorted and disjoint)")
            last_chrom, last_end = index, end
        self._last = (last_chrom, last_end)

    def append(self, chroms: Sequence[str], starts: np.ndarray, ends: np.ndarray,
               values: np.ndarray) -> None:
        """Add ``B`` intervals; ``values`` is ``(B, n_tracks)``, one column per file."""
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        values = np.asarray(values, dtype=np.float32)
        if len(chroms) == 0:
            return
        if values.shape != (len(chroms), len(self._files)):
            raise ValueError(f"values {values.shape} for {len(chroms)} intervals x "
                             f"{len(self._files)} tracks")
        self._check_order(chroms, starts, ends)
        chrom_list = list(chroms)
        if self.fmt == "bigwig":
            for lo, hi in _runs(chrom_list, starts, ends):  # fixed-step entries: 4 bytes a value
                width = int(ends[lo] - starts[lo])
                block = values[lo:hi].astype(np.float64)
                for column, bw in enumerate(self._files):
                    bw.addEntries(chrom_list[lo], int(starts[lo]), values=block[:, column],
                                  span=width, step=width, validate=False)
        else:
            from danq.formats.predictions import format_probabilities

            prefix = [f"{c}\t{s}\t{e}\t" for c, s, e in
                      zip(chrom_list, starts.tolist(), ends.tolist(), strict=True)]
            text = format_probabilities(values).T.tolist()
            for column, handle in enumerate(self._files):
                handle.write("".join(f"{p}{v}\n" for p, v in zip(prefix, text[column], strict=True)))
        self.n_intervals += len(chroms)

    def close(self) -> None:
        """Close every file (bigWig: writes its zoom levels and index)."""
        files, self._files = self._files, []
        error: BaseException | None = None
        for handle in files:
            try:
                handle.close()
            except BaseException as exc:  # close the others, then raise the first failure
                error = error or exc
        if error is not None:
            raise error
