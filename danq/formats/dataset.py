"""The danq dataset: one HDF5 file per split, and the chunked, shuffling loader that trains from it.

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
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from danq.encoders import ACGT, tokens_to_one_hot
from danq.errors import DanqError
from danq.io import atomic_path, close_h5, create_h5, h5_writes

FORMAT = "danq-dataset"
FORMAT_VERSION = 1
TARGET_BYTES_PER_CHUNK = 1 << 20  # ~1 MiB of tokens per HDF5 chunk


def default_chunk_rows(sequence_length: int) -> int:
    """Rows per HDF5 chunk: about 1 MiB of tokens, at least 1."""
    return max(1, TARGET_BYTES_PER_CHUNK // max(1, sequence_length))


COMPRESSIONS = ("gzip", "lzf", "none")


def compression_options(name: str) -> dict[str, Any]:
    """h5py dataset keywords for a compression name (see :data:`COMPRESSIONS`)."""
    if name == "gzip":
        return {"compression": "gzip", "compression_opts": 1}
    if name == "lzf":
        return {"compression": "lzf"}
    if name == "none":
        return {}
    raise DanqError(f"unknown compression {name!r}; expected one of {', '.join(COMPRESSIONS)}")


def _strings(values: Sequence[str]) -> np.ndarray:
    return np.asarray([str(v) for v in values], dtype=object)


class DatasetWriter:
    """Write a danq dataset row block by row block; the file appears only when the writer closes cleanly.

    Parameters
    ----------
    path
        Output ``.h5`` path (written under a temporary name, renamed on success).
    sequence_length
        Length ``L`` of every sequence.
    target_names
        Names of the ``T`` targets (empty for an unlabelled prediction set).
    target_categories
        Optional category per target (e.g. DNase / TF / histone).
    source
        Free text recorded in the metadata (where the data came from).
    has_labels
        False for a FASTA without labels.
    with_pairs
        Store ``strand`` and ``pair_index`` per sample (reverse-complement pairs).
    chunk_rows
        Rows per HDF5 chunk; defaults to about 1 MiB of tokens.
    with_coordinates
        Store each sample's genomic window (``chrom``, ``start``, ``end``; 0-based, half-open).
    compression
        ``gzip`` (level 1: as small as higher levels on DNA tokens, and faster), ``lzf`` or ``none``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        sequence_length: int,
        target_names: Sequence[str],
        target_categories: Sequence[str] | None = None,
        *,
        source: str = "",
        has_labels: bool = True,
        with_pairs: bool = False,
        chunk_rows: int | None = None,
        compression: str = "gzip",
        with_coordinates: bool = False,
    ) -> None:
        if sequence_length <= 0:
            raise DanqError(f"{path}: sequence length must be positive")
        self.path = Path(path)
        self.sequence_length = int(sequence_length)
        self.target_names = [str(t) for t in target_names]
        n_targets = len(self.target_names)
        if len(set(self.target_names)) != n_targets:
            raise DanqError(f"{path}: target names are not unique")
        categories = list(target_categories) if target_categories is not None else [""] * n_targets
        if len(categories) != n_targets:
            raise DanqError(f"{path}: {len(categories)} categories for {n_targets} targets")
        self.has_labels = has_labels
        self.with_pairs = with_pairs
        self.with_coordinates = with_coordinates
        self.chunk_rows = int(chunk_rows or default_chunk_rows(self.sequence_length))
        self._context = atomic_path(self.path)
        tmp = self._context.__enter__()
        try:
            self._file = create_h5(tmp)
            with h5_writes(self._file):
                self._create(source, categories, compression)
                self._datasets = {name: self._file[name] for name in self._file}
        except BaseException as error:
            if getattr(self, "_file", None) is not None:
                with contextlib.suppress(DanqError, OSError):
                    close_h5(self._file)
            self._file = None  # type: ignore[assignment]
            self._context.__exit__(type(error), error, error.__traceback__)
            raise
        self.n_rows = 0

    def _create(self, source: str, categories: list[str], compression: str) -> None:
        f = self._file
        n_targets = len(self.target_names)
        has_labels, with_pairs = self.has_labels, self.with_pairs
        f.attrs.update(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            alphabet=ACGT,
            sequence_length=self.sequence_length,
            n_targets=n_targets,
            source=source,
            has_labels=has_labels,
        )
        strings = h5py.string_dtype()
        f.create_dataset("target_names", data=_strings(self.target_names), dtype=strings)
        f.create_dataset("target_categories", data=_strings(categories), dtype=strings)
        rows = self.chunk_rows
        compress = compression_options(compression)
        f.create_dataset(
            "sequences", shape=(0, self.sequence_length), maxshape=(None, self.sequence_length),
            dtype=np.uint8, chunks=(rows, self.sequence_length), **compress,
        )
        if has_labels:
            f.create_dataset(
                "labels", shape=(0, n_targets), maxshape=(None, n_targets), dtype=np.uint8,
                chunks=(rows, max(1, n_targets)), **compress,
            )
        f.create_dataset("names", shape=(0,), maxshape=(None,), dtype=strings, chunks=(rows,))
        if with_pairs:
            f.create_dataset("strand", shape=(0,), maxshape=(None,), dtype=np.int8, chunks=(rows,))
            f.create_dataset(
                "pair_index", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(rows,)
            )
        if self.with_coordinates:
            f.create_dataset("chrom", shape=(0,), maxshape=(None,), dtype=strings, chunks=(rows,))
            for column in ("start", "end"):
                f.create_dataset(
                    column, shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(rows,)
                )
        self.n_rows = 0

    def append(
        self,
        tokens: np.ndarray,
        labels: np.ndarray | None,
        names: Sequence[str],
        strand: np.ndarray | None = None,
        pair_index: np.ndarray | None = None,
        coordinates: tuple[Sequence[str], np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Append a block of ``B`` rows: tokens ``(B, L)`` uint8, labels ``(B, T)`` uint8, names.

        ``coordinates`` is ``(chroms, starts, ends)`` for a writer made ``with_coordinates``.
        """
        tokens = np.asarray(tokens, dtype=np.uint8)
        b = tokens.shape[0]
        if tokens.ndim != 2 or tokens.shape[1] != self.sequence_length:
            raise DanqError(
                f"{self.path}: sequences of length {tokens.shape[-1]} in a dataset of length "
                f"{self.sequence_length}"
            )
        if len(names) != b:
            raise DanqError(f"{self.path}: {len(names)} names for {b} sequences")
        with h5_writes(self._file):
            self._append(tokens, labels, names, strand, pair_index, coordinates)

    def _append(
        self,
        tokens: np.ndarray,
        labels: np.ndarray | None,
        names: Sequence[str],
        strand: np.ndarray | None,
        pair_index: np.ndarray | None,
        coordinates: tuple[Sequence[str], np.ndarray, np.ndarray] | None,
    ) -> None:
        b = tokens.shape[0]
        lo, hi = self.n_rows, self.n_rows + b
        f = self._datasets
        f["sequences"].resize(hi, axis=0)
        f["sequences"][lo:hi] = tokens
        if self.has_labels:
            if labels is None:
                raise DanqError(f"{self.path}: labels missing for a labelled dataset")
            labels = np.asarray(labels, dtype=np.uint8)
            if labels.shape != (b, len(self.target_names)):
                raise DanqError(
                    f"{self.path}: labels of shape {labels.shape}, expected {(b, len(self.target_names))}"
                )
            f["labels"].resize(hi, axis=0)
            f["labels"][lo:hi] = labels
        f["names"].resize(hi, axis=0)
        f["names"][lo:hi] = _strings(names)
        if self.with_pairs:
            if strand is None or pair_index is None:
                raise DanqError(f"{self.path}: strand and pair_index are required for paired data")
            f["strand"].resize(hi, axis=0)
            f["strand"][lo:hi] = np.asarray(strand, dtype=np.int8)
            f["pair_index"].resize(hi, axis=0)
            f["pair_index"][lo:hi] = np.asarray(pair_index, dtype=np.int64)
        if self.with_coordinates:
            if coordinates is None:
                raise DanqError(f"{self.path}: coordinates are required for this dataset")
            chroms, starts, ends = coordinates
            for column, values in (("chrom", _strings(chroms)), ("start", starts), ("end", ends)):
                f[column].resize(hi, axis=0)
                f[column][lo:hi] = values
        self.n_rows = hi

    def close(self, ok: bool = True) -> None:
        """Finish the file; with ``ok=False`` (an error happened) discard it."""
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            self._datasets = {}
            close_h5(file, {"n_samples": self.n_rows})
        except BaseException as error:
            self._context.__exit__(type(error), error, error.__traceback__)
            raise
        if ok:
            self._context.__exit__(None, None, None)
        else:
            err = RuntimeError("discarded")
            self._context.__exit__(type(err), err, None)

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close(ok=exc_type is None)


MAX_TOKEN = 4  # A,C,G,T = 0..3, N = 4
#: datasets up to this many bytes of tokens + labels have every value checked when opened;
#: larger ones are checked block by block as they are read (a full scan would cost minutes)
FULL_CHECK_BYTES = 64 << 20


def _decoded(values: np.ndarray) -> list[str]:
    return [s.decode() if isinstance(s, bytes) else str(s) for s in values]


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
            self._file = h5py.File(self.path, "r")
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
        self.target_names = _decoded(f["target_names"][:])
        self.target_categories = (
            _decoded(f["target_categories"][:]) if "target_categories" in f
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
    """Open a danq dataset read-only (see :class:`DanqDataset`)."""
    return DanqDataset(path)


def _rank_shares(chunks: list[tuple[int, int]], world_size: int) -> list[list[tuple[int, int]]]:
    return [chunks[r::world_size] for r in range(world_size)]


try:  # torch is a dependency, but keep `danq.formats.dataset` importable for tools that only read files
    from torch.utils.data import IterableDataset as _IterableBase
except ImportError:  # pragma: no cover
    _IterableBase = object  # type: ignore[assignment,misc]


class ChunkedBatches(_IterableBase):  # type: ignore[misc,valid-type]
    """Shuffled training batches streamed from a danq dataset, chunk by chunk.

    Each epoch permutes the order of the HDF5 chunks, reads ``buffer_chunks`` chunks at a time, permutes
    the rows inside that buffer and emits batches; leftover rows carry over so every batch but the last is
    full. Every sample is visited exactly once per epoch and memory is bounded by the buffer, whatever N.

    With ``world_size > 1`` (DistributedDataParallel) each rank reads its own share of the chunks and
    all ranks stop after the same number of samples (the smallest share), so no rank waits forever; the
    few samples above that (at most one chunk per rank) change every epoch.

    Yields ``(x float32 (B, 4, L), y float32 (B, T))`` torch tensors.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        drop_last: bool = False,
        buffer_chunks: int = 8,
    ) -> None:
        if batch_size <= 0:
            raise DanqError(f"batch size must be positive, got {batch_size}")
        self.path = str(path)
        with open_dataset(path) as ds:
            self.n_samples = len(ds)
            self.chunk_rows = ds.chunk_rows
            self.sequence_length = ds.sequence_length
            self.n_targets = ds.n_targets
            self.target_names = ds.target_names
            self.target_categories = ds.target_categories
            self.has_labels = ds.has_labels
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.drop_last = drop_last
        self.buffer_chunks = max(1, buffer_chunks)
        self.epoch = 0
        self.skip_batches = 0

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        """Select the epoch's permutation; ``skip_batches`` resumes part-way through it."""
        self.epoch = epoch
        self.skip_batches = skip_batches

    def _chunks(self) -> list[tuple[int, int]]:
        bounds = [
            (lo, min(lo + self.chunk_rows, self.n_samples))
            for lo in range(0, self.n_samples, self.chunk_rows)
        ]
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(len(bounds))
            bounds = [bounds[i] for i in order]
        return bounds

    def samples_per_epoch(self) -> int:
        """Samples this rank sees per epoch (equal on every rank)."""
        shares = _rank_shares(self._chunks(), self.world_size)
        return min(sum(hi - lo for lo, hi in share) for share in shares)

    def __len__(self) -> int:
        n = self.samples_per_epoch()
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        import torch

        quota = self.samples_per_epoch()
        share = _rank_shares(self._chunks(), self.world_size)[self.rank]
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, 1])
        emitted = 0
        skip = self.skip_batches
        pending_tok: list[np.ndarray] = []
        pending_lab: list[np.ndarray] = []

        def emit(tok: np.ndarray, lab: np.ndarray) -> tuple[Any, Any]:
            x = torch.from_numpy(tokens_to_one_hot(tok))
            y = torch.from_numpy(lab.astype(np.float32))
            return x, y

        with open_dataset(self.path) as ds:
            for g in range(0, len(share), self.buffer_chunks):
                group = share[g : g + self.buffer_chunks]
                toks = pending_tok + [ds.tokens(lo, hi) for lo, hi in group]
                labs = pending_lab + [ds.labels(lo, hi) for lo, hi in group]
                tok, lab = np.concatenate(toks), np.concatenate(labs)
                if self.shuffle:
                    perm = rng.permutation(len(tok))
                    tok, lab = tok[perm], lab[perm]
                room = quota - emitted
                tok, lab = tok[:room], lab[:room]
                n_full = len(tok) // self.batch_size * self.batch_size
                for b in range(0, n_full, self.batch_size):
                    emitted += self.batch_size
                    if skip:
                        skip -= 1
                        continue
                    yield emit(tok[b : b + self.batch_size], lab[b : b + self.batch_size])
                pending_tok, pending_lab = [tok[n_full:]], [lab[n_full:]]
                if emitted >= quota:
                    break
            rest = pending_tok[0] if pending_tok else np.zeros((0, self.sequence_length), np.uint8)
            if len(rest) and not self.drop_last and not skip:
                yield emit(rest, pending_lab[0])
