"""Writing a danq dataset: :class:`DatasetWriter`, its chunk size and compression choices.

The file layout is :mod:`danq.formats.dataset`'s (its reader checks every file this writes). Rows are
appended block by block through :class:`danq.io.hdf5.AppendableH5`, so memory never grows with N and a
full disk is a one-line error; the file appears under its name only when the writer closes cleanly.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from danq.encoders import ACGT
from danq.errors import DanqError
from danq.formats.dataset import FORMAT, FORMAT_VERSION
from danq.io import atomic_path, h5_writes
from danq.io.hdf5 import AppendableH5

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
        self.n_rows = 0
        self._context = atomic_path(self.path, seekable=True)
        tmp = self._context.__enter__()
        self._h5: AppendableH5 | None = None
        try:
            self._h5 = AppendableH5(tmp)
            with h5_writes(self._h5.file):
                self._create(self._h5, source, categories, compression)
        except BaseException as error:
            if self._h5 is not None:
                with contextlib.suppress(DanqError, OSError):
                    self._h5.close()
            self._h5 = None
            self._context.__exit__(type(error), error, error.__traceback__)
            raise

    def _create(self, h5: AppendableH5, source: str, categories: list[str], compression: str) -> None:
        f = h5.file
        n_targets = len(self.target_names)
        f.attrs.update(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            alphabet=ACGT,
            sequence_length=self.sequence_length,
            n_targets=n_targets,
            source=source,
            has_labels=self.has_labels,
        )
        strings = h5py.string_dtype()
        f.create_dataset("target_names", data=_strings(self.target_names), dtype=strings)
        f.create_dataset("target_categories", data=_strings(categories), dtype=strings)
        rows = self.chunk_rows
        compress = compression_options(compression)
        h5.add("sequences", (self.sequence_length,), np.uint8, chunk_rows=rows, **compress)
        if self.has_labels:
            h5.add("labels", (n_targets,), np.uint8, chunk_rows=rows, **compress)
        h5.add("names", (), strings, chunk_rows=rows)
        if self.with_pairs:
            h5.add("strand", (), np.int8, chunk_rows=rows)
            h5.add("pair_index", (), np.int64, chunk_rows=rows)
        if self.with_coordinates:
            h5.add("chrom", (), strings, chunk_rows=rows)
            for column in ("start", "end"):
                h5.add(column, (), np.int64, chunk_rows=rows)

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
        rows: dict[str, Any] = {"sequences": tokens}
        if self.has_labels:
            if labels is None:
                raise DanqError(f"{self.path}: labels missing for a labelled dataset")
            labels = np.asarray(labels, dtype=np.uint8)
            if labels.shape != (b, len(self.target_names)):
                raise DanqError(
                    f"{self.path}: labels of shape {labels.shape}, expected {(b, len(self.target_names))}"
                )
            rows["labels"] = labels
        rows["names"] = _strings(names)
        if self.with_pairs:
            if strand is None or pair_index is None:
                raise DanqError(f"{self.path}: strand and pair_index are required for paired data")
            rows["strand"] = np.asarray(strand, dtype=np.int8)
            rows["pair_index"] = np.asarray(pair_index, dtype=np.int64)
        if self.with_coordinates:
            if coordinates is None:
                raise DanqError(f"{self.path}: coordinates are required for this dataset")
            chroms, starts, ends = coordinates
            rows.update(chrom=_strings(chroms), start=starts, end=ends)
        if self._h5 is None:
            raise DanqError(f"{self.path}: the dataset writer is closed")
        self._h5.append(rows)
        self.n_rows += b

    def close(self, ok: bool = True) -> None:
        """Finish the file; with ``ok=False`` (an error happened) discard it."""
        if self._h5 is None:
            return
        h5, self._h5 = self._h5, None
        try:
            h5.close({"n_samples": self.n_rows})
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
