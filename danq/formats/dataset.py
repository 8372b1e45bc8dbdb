"""The danq dataset: one HDF5 file per split, its reader and its validation.

File layout (``format = "danq-dataset"``, ``format_version = 1``)::

    /sequences          (N, L) uint8   tokens, A,C,G,T = 0..3, N = 4; chunked by rows, gzip
    /labels             (N, T) uint8   0/1 per target (absent for prediction sets)
    /names              (N,)   str     record names
    /target_names       (T,)   str
    /target_categories  (T,)   str     '' where unknown
    /strand             (N,)   int8    optional: +1 forward, -1 reverse complement
    /pair_index         (N,)   int64   optional: row of the reverse-complement partner, -1 if none
    /chrom, /start, /end (N,)  str, int64, int64   optional: genomic window of each sample (0-based,
                                       half-open), written by ``danq build-dataset``
    attrs: format, format_version, alphabet ("ACGT"), sequence_length, n_targets, source, has_labels

Tokens take one byte per base (a quarter of a float one-hot's size is not needed: gzip packs them to about
two bits); one-hot floats are made per batch, so memory never grows with N.

The writer is :mod:`danq.formats.dataset_writer`; ``danq train`` streams shuffled batches with
:mod:`danq.training.batches`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from danq.encoders import ACGT, tokens_to_one_hot
from danq.errors import DanqError
from danq.io.hdf5 import open_h5, read_strings

FORMAT = "danq-dataset"
FORMAT_VERSION = 1
MAX_TOKEN = 4  # A,C,G,T = 0..3, N = 4
#: datasets up to this many bytes of tokens + labels have every value checked when opened;
#: larger ones are checked block by block as they are read (a full scan would cost minutes)
FULL_CHECK_BYTES = 64 << 20


def _check_values(
    block: np.ndarray, maximum: int, path: Path, dataset: str, what: str, first_row: int
) -> None:
    """Raise DanqError naming the first row of ``block`` holding a value above ``maximum``."""
    if block.size == 0 or (int(block.max()) <= maximum and int(block.min()) >= 0):
        return
    bad = np.argwhere((block > maximum) | (block < 0))[0]
    value = block[tuple(bad)]
    allowed = "0 or 1" if maximum == 1 else f"0..{maximum} (A,C,G,T,N)"
    raise DanqError(
        f"{path}: /{dataset} row {first_row + int(bad[0])} holds the {what} {int(value)}; "
        f"expected {allowed}"
    )


def validate_dataset(f: h5py.File, path: Path) -> bool:
    """Check that an open HDF5 file is a well-formed danq dataset, before any stage reads it.

    Structure (attributes, datasets, dtypes and shapes that agree with each other) is always
    checked; token and label values are checked here for datasets up to
    :data:`FULL_CHECK_BYTES` and otherwise block by block as :class:`DanqDataset` reads them.
    Returns whether the values were checked here (so reads need not check them again).

    Raises
    ------
    DanqError
        Naming the file and the first problem found.
    """
    if f.attrs.get("format") != FORMAT or "sequences" not in f:
        raise DanqError(f"{path}: not a danq dataset (make one with `danq encode`)")
    length = f.attrs.get("sequence_length")
    if length is None:
        raise DanqError(f"{path}: the 'sequence_length' attribute is missing")
    if not np.issubdtype(np.asarray(length).dtype, np.integer) or int(length) < 1:
        raise DanqError(f"{path}: 'sequence_length' attribute {length!r} is not a positive integer")
    for name in ("target_names", "names"):
        if name not in f or not isinstance(f[name], h5py.Dataset):
            raise DanqError(f"{path}: the /{name} dataset is missing")
    seqs = f["sequences"]
    if not isinstance(seqs, h5py.Dataset) or seqs.ndim != 2:
        shape = getattr(seqs, "shape", None)
        raise DanqError(f"{path}: /sequences has shape {shape}, expected (samples, {int(length)})")
    if seqs.dtype != np.uint8:
        raise DanqError(
            f"{path}: /sequences are {seqs.dtype}, expected uint8 tokens (A,C,G,T,N = 0..4)"
        )
    n = seqs.shape[0]
    if seqs.shape[1] != int(length):
        raise DanqError(
            f"{path}: /sequences rows are {seqs.shape[1]} long but 'sequence_length' is {int(length)}"
        )
    n_targets = f["target_names"].shape[0] if f["target_names"].ndim == 1 else -1
    if n_targets < 0:
        raise DanqError(f"{path}: /target_names must be a list of names")
    expected = {"names": (n,), "strand": (n,), "pair_index": (n,),
                "target_categories": (n_targets,)}
    for name, shape in expected.items():
        if name in f and f[name].shape != shape:
            raise DanqError(
                f"{path}: /{name} has shape {f[name].shape}, expected {shape} "
                f"({n} sequences, {n_targets} targets)"
            )
    labels = f.get("labels")
    if labels is not None:
        if labels.ndim != 2 or labels.shape[1] != n_targets:
            raise DanqError(
                f"{path}: /labels has shape {labels.shape}, expected ({n}, {n_targets}) "
                f"({n_targets} target names)"
            )
        if labels.shape[0] != n:
            raise DanqError(f"{path}: /labels has {labels.shape[0]} rows for {n} sequences")
        if labels.dtype.kind not in "uib":
            raise DanqError(f"{path}: /labels are {labels.dtype}, expected 0/1 integers")
    size = seqs.size + (labels.size if labels is not None else 0)
    if size > FULL_CHECK_BYTES:
        return False
    _check_values(seqs[:], MAX_TOKEN, path, "sequences", "token", 0)
    if labels is not None:
        _check_values(labels[:], 1, path, "labels", "label", 0)
    return True


class DanqDataset:
    """Read-only view of a danq dataset file.

    ``len(ds)`` samples; ``ds[i]`` gives ``(one_hot (4, L) float32, labels (T,) uint8)`` and ``ds[a:b]``
    gives ``((B, 4, L), (B, T))``. Only the requested rows are read.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DanqError(f"{self.path}: dataset file does not exist")
        try:
            self._file = open_h5(self.path)
        except OSError as exc:
            raise DanqError(f"{self.path}: not a readable HDF5 file ({exc})") from None
        f = self._file
        try:
            # values checked whole on open need no second check on every read (each epoch)
            self._check_reads = not validate_dataset(f, self.path)
        except BaseException:
            f.close()
            raise
        self.sequence_length = int(f.attrs["sequence_length"])
        self.alphabet = str(f.attrs.get("alphabet", ACGT))
        self.source = str(f.attrs.get("source", ""))
        self.target_names = read_strings(f["target_names"])
        self.target_categories = (
            read_strings(f["target_categories"]) if "target_categories" in f
            else [""] * len(self.target_names)
        )
        self.has_labels = "labels" in f
        self._sequences = f["sequences"]
        self._labels = f["labels"] if self.has_labels else None
        self.chunk_rows = int(self._sequences.chunks[0]) if self._sequences.chunks else 1024
        self.strand = f["strand"][:] if "strand" in f else None
        self.pair_index = f["pair_index"][:] if "pair_index" in f else None

    @property
    def n_targets(self) -> int:
        return len(self.target_names)

    def __len__(self) -> int:
        return int(self._sequences.shape[0])

    def tokens(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Tokens of rows ``start:stop`` as ``(B, L)`` uint8 (checked to be 0..4 as they are read)."""
        block = self._sequences[start:stop]
        if self._check_reads:
            _check_values(block, MAX_TOKEN, self.path, "sequences", "token", start)
        return block

    def labels(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Labels of rows ``start:stop`` as ``(B, T)`` uint8 (``(B, 0)`` for an unlabelled set),
        checked to be 0 or 1 as they are read."""
        if self._labels is None:
            n = len(range(*slice(start, stop).indices(len(self))))
            return np.zeros((n, 0), dtype=np.uint8)
        block = self._labels[start:stop]
        if self._check_reads:
            _check_values(block, 1, self.path, "labels", "label", start)
        return block

    def names(self, start: int | slice = 0, stop: int | None = None) -> list[str]:
        """Record names of rows ``start:stop`` (a slice is accepted too)."""
        sl = start if isinstance(start, slice) else slice(start, stop)
        return [s.decode() if isinstance(s, bytes) else s for s in self._file["names"][sl]]

    def __getitem__(self, index: int | slice) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise IndexError("only contiguous slices are supported")
            start, stop, _ = index.indices(len(self))
            return tokens_to_one_hot(self.tokens(start, stop)), self.labels(start, stop)
        i = int(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        return tokens_to_one_hot(self.tokens(i, i + 1)[0]), self.labels(i, i + 1)[0]

    def batches(
        self, batch_size: int, start: int = 0, stop: int | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(tokens (B, L), labels (B, T))`` in file order, reading whole chunks at a time."""
        stop = len(self) if stop is None else min(stop, len(self))
        step = max(batch_size, self.chunk_rows)
        for lo in range(start, stop, step):
            hi = min(lo + step, stop)
            tok, lab = self.tokens(lo, hi), self.labels(lo, hi)
            for b in range(0, hi - lo, batch_size):
                yield tok[b : b + batch_size], lab[b : b + batch_size]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DanqDataset:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"DanqDataset({str(self.path)!r}, n={len(self)}, length={self.sequence_length}, "
            f"targets={self.n_targets})"
        )


def open_dataset(path: str | os.PathLike[str]) -> DanqDataset:
    """Open a danq dataset read-only.

    The file is checked first (:func:`validate_dataset`): a malformed one is a one-line error, not a
    failure half-way through a stage. Rows are read only when asked for.

    Parameters
    ----------
    path
        A dataset written by ``danq encode``, ``danq build-dataset`` or ``danq import-deepsea``.

    Returns
    -------
    DanqDataset
        ``len(ds)`` samples; ``ds[i]`` is ``(one-hot (4, L) float32, labels (T,) uint8)``,
        ``ds.tokens(a, b)`` the ``(B, L)`` uint8 tokens, ``ds.names(a, b)`` the record names. Use it as a
        context manager (or call ``close()``).

    Raises
    ------
    DanqError
        A missing or unreadable file, or one that is not a well-formed danq dataset.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> import danq
    >>> from danq.formats.dataset_writer import DatasetWriter
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "tiny.h5"
    >>> with DatasetWriter(path, 4, ["CTCF|K562"], ["TF"]) as writer:
    ...     writer.append(np.array([[0, 1, 2, 3], [3, 3, 4, 0]], np.uint8), [[1], [0]], ["a", "b"])
    >>> with danq.open_dataset(path) as ds:
    ...     print(len(ds), ds.sequence_length, ds.target_names, ds.names(0, 2))
    ...     x, y = ds[1]
    2 4 ['CTCF|K562'] ['a', 'b']
    >>> x
    array([[0., 0., 0., 1.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [1., 1., 0., 0.]], dtype=float32)
    >>> y
    array([0], dtype=uint8)
    >>> folder.cleanup()
    """
    return DanqDataset(path)
