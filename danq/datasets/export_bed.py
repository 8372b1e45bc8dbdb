"""`danq export-bed`: a dataset's sample windows and labels as BED6 (needs the coordinates of a build)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path


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
