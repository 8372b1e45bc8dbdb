"""One bundle file (``<split>.mat``, MATLAB v7.3/HDF5 or v5) as sequences + labels read by sample block.

* HDF5 (v7.3): ``x[:, :, lo:hi]`` reads only that block; blocks are whole multiples of the file's chunk
  extent along the sample axis so every compressed chunk is decompressed once.
* MATLAB v5 (:mod:`danq.datasets.deepsea.matv5`): uncompressed variables are read in place, a column per
  positioned read. A compressed variable's every sample is spread over the whole zlib stream, so it is
  inflated once, four columns (one position, all samples) at a time; each position becomes one token per
  sample and is appended to a temporary token file (``N x L`` bytes, a quarter of a uint8 one-hot) in the
  output folder, which is then read by sample blocks like an uncompressed variable. Labels likewise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import h5py
import numpy as np
from tqdm import tqdm

from danq.datasets.deepsea.matv5 import ColumnFile, InflateReader, V5Variable, list_v5_variables
from danq.datasets.deepsea.onehot import labels_to_uint8, onehot_block_to_tokens
from danq.errors import DanqError
from danq.io.hdf5 import open_h5

SPILL_READ_BYTES = 32 << 20  # inflated bytes converted at a time when spilling a compressed variable

class SplitSource:
    """Sequences ``(N, 4, L)`` (MATLAB shape) and labels ``(N, T)`` of one bundle file, read by sample block.

    Subclasses set ``path``, ``n``, ``length``, ``n_targets``, ``x_itemsize``, ``kind``, ``sample_chunk``.
    """

    path: Path
    n: int
    length: int
    n_targets: int
    x_itemsize: int
    kind: str
    sample_chunk: int = 1  # the file's chunk extent along the sample axis (reads align to it)

    def prepare(self, workdir: Path, show: bool) -> None:
        """Work needed before block reads (a compressed v5 variable is inflated to a temp file)."""

    def tokens(self, lo: int, hi: int) -> np.ndarray:  # (B, L) uint8
        raise NotImplementedError

    def labels(self, lo: int, hi: int) -> np.ndarray:  # (B, T) uint8
        raise NotImplementedError

    def close(self) -> None:
        """Release open files."""


def _check_shapes(path: Path, xname: str, yname: str, x_shape: Sequence[int],
                  y_shape: Sequence[int], shown_x: str, shown_y: str) -> tuple[int, int, int]:
    """Validate MATLAB shapes ``(N, 4, L)`` and ``(N, T)``; return (N, L, T)."""
    if len(x_shape) != 3 or x_shape[1] != 4:
        raise DanqError(
            f"{path}: variable '{xname}' has shape {shown_x}, expected {_expected_x(path)} "
            "(one-hot with 4 channels)"
        )
    if len(y_shape) != 2:
        raise DanqError(f"{path}: variable '{yname}' has shape {shown_y}, expected 2 axes")
    n, length, n_targets = int(x_shape[0]), int(x_shape[2]), int(y_shape[1])
    if int(y_shape[0]) != n:
        raise DanqError(
            f"{path}: '{yname}' has labels for {y_shape[0]} samples, '{xname}' has {n} sequences"
        )
    if n == 0 or length == 0:
        raise DanqError(f"{path}: variable '{xname}' is empty (shape {shown_x})")
    if n % 2:
        raise DanqError(
            f"{path}: odd number of samples ({n}); expected forward sequences followed by their "
            "reverse complements"
        )
    return n, length, n_targets


def _expected_x(path: Path) -> str:
    return "(L, 4, N) as HDF5 sees it" if h5py.is_hdf5(path) else "(N, 4, L)"


class H5Source(SplitSource):
    """A MATLAB v7.3 (HDF5) file: h5py sees ``x`` as ``(L, 4, N)`` and ``y`` as ``(T, N)``."""

    def __init__(self, path: Path, xname: str, yname: str) -> None:
        self.path, self.xname, self.yname, self.kind = path, xname, yname, "v7.3 (HDF5)"
        try:
            self._file = open_h5(path, rdcc_nbytes=16 << 20)  # holds a straddling chunk
        except OSError as exc:
            raise DanqError(f"{path}: cannot open as HDF5 (truncated or corrupt?): {exc}") from None
        missing = [v for v in (xname, yname) if v not in self._file]
        if missing:
            found = ", ".join(sorted(k for k in self._file if not k.startswith("#"))) or "none"
            self._file.close()
            raise DanqError(f"{path}: no variable '{missing[0]}' (variables: {found})")
        self._x, self._y = self._file[xname], self._file[yname]
        for name, ds in ((xname, self._x), (yname, self._y)):
            if not isinstance(ds, h5py.Dataset) or ds.dtype.kind not in "uifb":
                self._file.close()
                raise DanqError(f"{path}: variable '{name}' is not a numeric array")
        xs, ys = self._x.shape, self._y.shape
        self.n, self.length, self.n_targets = _check_shapes(
            path, xname, yname, xs[::-1], ys[::-1], str(xs), str(ys)
        )
        self.x_itemsize = self._x.dtype.itemsize
        self.sample_chunk = int(self._x.chunks[2]) if self._x.chunks else 1

    def _read(self, what: str, reader: Callable[[], np.ndarray]) -> np.ndarray:
        try:
            return reader()
        except (OSError, RuntimeError) as exc:
            raise DanqError(f"{self.path}: cannot read '{what}' (truncated or corrupt?): {exc}") from None

    def tokens(self, lo: int, hi: int) -> np.ndarray:
        block = self._read(self.xname, lambda: self._x[:, :, lo:hi])
        return np.ascontiguousarray(onehot_block_to_tokens(block).T)

    def labels(self, lo: int, hi: int) -> np.ndarray:
        block = self._read(self.yname, lambda: self._y[:, lo:hi])
        return np.ascontiguousarray(labels_to_uint8(block, self.path, self.yname).T)

    def close(self) -> None:
        self._file.close()


class V5Source(SplitSource):
    """A MATLAB v5 file; uncompressed variables are read in place, compressed ones inflated once."""

    def __init__(self, path: Path, xname: str, yname: str) -> None:
        self.path, self.xname, self.yname = path, xname, yname
        self.endian, variables = list_v5_variables(path)
        for name in (xname, yname):
            if name not in variables:
                found = ", ".join(sorted(variables)) or "none"
                raise DanqError(f"{path}: no variable '{name}' (variables: {found})")
            if variables[name].problem:
                raise DanqError(f"{path}: variable '{name}' {variables[name].problem}")
            if variables[name].inline is not None:
                raise DanqError(f"{path}: variable '{name}' is too small to be a data set")
        self.xvar, self.yvar = variables[xname], variables[yname]
        self.n, self.length, self.n_targets = _check_shapes(
            path, xname, yname, self.xvar.shape, self.yvar.shape, str(self.xvar.shape),
            str(self.yvar.shape),
        )
        assert self.xvar.dtype is not None and self.yvar.dtype is not None
        self.x_itemsize = self.xvar.dtype.itemsize
        compressed = self.xvar.compressed or self.yvar.compressed
        self.kind = "v5 (compressed)" if compressed else "v5"
        self._x: ColumnFile | None = None
        self._y: ColumnFile | None = None
        self._x_is_tokens = False
        if not self.xvar.compressed:
            self._x = ColumnFile(path, self.xvar.data_offset, self.n, 4 * self.length, self.xvar.dtype)
        if not self.yvar.compressed:
            try:
                self._y = ColumnFile(path, self.yvar.data_offset, self.n, self.n_targets,
                                     self.yvar.dtype)
            except DanqError:
                self.close()
                raise

    def prepare(self, workdir: Path, show: bool) -> None:
        if self._x is None:
            spill = workdir / f"{self.xname}.tokens"
            self._spill_sequences(spill, show)
            self._x = ColumnFile(spill, 0, self.n, self.length, np.uint8)
            self._x_is_tokens = True
        if self._y is None:
            spill = workdir / f"{self.yname}.labels"
            self._spill_labels(spill, show)
            self._y = ColumnFile(spill, 0, self.n, self.n_targets, np.uint8)

    def _inflater(self, var: V5Variable, handle: IO[bytes]) -> InflateReader:
        inflater = InflateReader(handle, var.element_offset + 8, var.element_nbytes, self.path)
        inflater.skip(var.data_offset)
        return inflater

    def _spill_sequences(self, spill: Path, show: bool) -> None:
        """Inflate the compressed one-hot once, position by position, into a (L, N) token file."""
        var = self.xvar
        assert var.dtype is not None
        per_position = 4 * self.n * var.dtype.itemsize
        group = max(1, SPILL_READ_BYTES // per_position)
        with open(self.path, "rb") as handle, open(spill, "wb") as out, tqdm(
            total=self.length, desc=f"inflate {self.path.name}", unit=" pos", disable=not show,
            file=sys.stderr, mininterval=1,
        ) as bar:
            inflater = self._inflater(var, handle)
            for lo in range(0, self.length, group):
                g = min(group, self.length - lo)
                raw = inflater.read(g * per_position)
                block = np.frombuffer(raw, dtype=var.dtype).reshape(g, 4, self.n)
                out.write(onehot_block_to_tokens(block).tobytes())
                bar.update(g)
            inflater.finish()

    def _spill_labels(self, spill: Path, show: bool) -> None:
        """Inflate the compressed labels once, target by target, into a (T, N) uint8 file."""
        var = self.yvar
        assert var.dtype is not None
        per_target = self.n * var.dtype.itemsize
        group = max(1, SPILL_READ_BYTES // per_target)
        with open(self.path, "rb") as handle, open(spill, "wb") as out:
            inflater = self._inflater(var, handle)
            for lo in range(0, self.n_targets, group):
                g = min(group, self.n_targets - lo)
                block = np.frombuffer(inflater.read(g * per_target), dtype=var.dtype)
                out.write(labels_to_uint8(block, self.path, self.yname).tobytes())
            inflater.finish()

    def tokens(self, lo: int, hi: int) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("prepare() must run first for a compressed variable")
        block = self._x.read(lo, hi)
        if self._x_is_tokens:
            return np.ascontiguousarray(block.T)
        tokens = onehot_block_to_tokens(block.reshape(self.length, 4, hi - lo))
        return np.ascontiguousarray(tokens.T)

    def labels(self, lo: int, hi: int) -> np.ndarray:
        if self._y is None:
            raise RuntimeError("prepare() must run first for a compressed variable")
        return np.ascontiguousarray(labels_to_uint8(self._y.read(lo, hi), self.path, self.yname).T)

    def close(self) -> None:
        for column_file in (self._x, self._y):
            if column_file is not None:
                column_file.close()


def open_split(path: str | os.PathLike[str], split: str) -> SplitSource:
    """Open ``<split>.mat`` (v7.3/HDF5 or v5, detected from the content) for block reads."""
    p = Path(path)
    if not p.exists():
        raise DanqError(f"{p}: file does not exist")
    if not p.is_file():
        raise DanqError(f"{p}: not a regular file")
    xname, yname = f"{split}xdata", f"{split}data"
    if h5py.is_hdf5(p):
        return H5Source(p, xname, yname)
    return V5Source(p, xname, yname)
