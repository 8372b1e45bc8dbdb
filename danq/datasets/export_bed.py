"""`danq export-bed`: a dataset's sample windows and labels as BED6 (needs the coordinates of a build)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path
from danq.io.hdf5 import open_h5


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
    from danq.formats.dataset import open_dataset

    with open_dataset(dataset) as ds:
        path = ds.path
        with open_h5(path) as f:
            if not all(c in f for c in ("chrom", "start", "end")):
                raise DanqError(
                    f"{path}: the dataset has no coordinates (datasets made by "
                    "`danq build-dataset` have them)"
                )
            _check_coordinate_columns(path, f, len(ds))
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
                    chroms = _chrom_names(path, lo, f["chrom"][lo:hi])
                    starts, ends = f["start"][lo:hi], f["end"][lo:hi]
                    _check_coordinates(path, lo, chroms, starts, ends)
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


def _check_coordinate_columns(path: object, f: object, n_rows: int) -> None:
    """``chrom``, ``start``, ``end`` each hold one value per row; start and end are integers."""
    for column in ("chrom", "start", "end"):
        data = f[column]  # type: ignore[index]
        if getattr(data, "shape", None) != (n_rows,):
            raise DanqError(
                f"{path}: /{column} has shape {getattr(data, 'shape', None)}, the dataset has "
                f"{n_rows} rows"
            )
        if column != "chrom" and data.dtype.kind not in "iu":
            raise DanqError(f"{path}: /{column} holds {data.dtype}, not integers")


def _chrom_names(path: object, first: int, raw: Sequence[object]) -> list[str]:
    """The rows' chromosome names as text (a name that is not UTF-8 is an error naming its row)."""
    names = []
    for i, value in enumerate(raw):
        try:
            names.append(value.decode() if isinstance(value, bytes) else str(value))
        except UnicodeDecodeError:
            raise DanqError(f"{path}: row {first + i}: chromosome name {value!r} is not UTF-8 "
                            "text") from None
    return names


def _check_coordinates(
    path: object, first: int, chroms: Sequence[str], starts: np.ndarray, ends: np.ndarray
) -> None:
    """Refuse a row BED cannot hold: a negative start, an end before its start, or a chromosome
    name that is empty or holds a tab or a line break (it would shift or split the BED columns)."""
    bad = np.flatnonzero((starts < 0) | (ends < starts))
    if len(bad):
        i = int(bad[0])
        problem = (f"negative start {starts[i]}" if starts[i] < 0
                   else f"start {starts[i]} is after end {ends[i]}")
        raise DanqError(f"{path}: row {first + i}: {problem}; not a valid BED interval")
    for i, chrom in enumerate(chroms):
        if not chrom or any(c in chrom for c in "\t\n\r"):
            raise DanqError(
                f"{path}: row {first + i}: chromosome name {chrom!r} is empty or holds a tab or a "
                "line break; not a valid BED chromosome"
            )
