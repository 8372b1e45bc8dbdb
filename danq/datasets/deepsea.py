"""`danq import-deepsea`: the DeepSEA training bundle (``train.mat``, ``valid.mat``, ``test.mat``) -> danq datasets.

The bundle holds one-hot sequences in **A, G, C, T** channel order and 0/1 labels, as MATLAB files:

* ``train.mat`` is MATLAB v7.3, i.e. HDF5: h5py sees ``trainxdata`` as ``(L, 4, N)`` and ``traindata`` as
  ``(T, N)`` (MATLAB's column-major ``(N, 4, L)`` and ``(N, T)`` read with the axes reversed);
* ``valid.mat`` and ``test.mat`` are MATLAB v5: ``validxdata`` ``(N, 4, L)``, ``validdata`` ``(N, T)``.

Each split is converted into ``OUTDIR/<split>.h5`` (see :mod:`danq.formats.dataset`) in A, C, G, T token order, with
``strand`` (+1 for the first half, -1 for the second) and ``pair_index`` (``i <-> i + N/2``), because each
file holds the forward windows first and their reverse complements second, in the same order.

Everything streams along the sample axis, so memory stays bounded (well under 2 GiB) whatever N is:

* HDF5 (v7.3): ``x[:, :, lo:hi]`` reads only that block; blocks are whole multiples of the file's chunk
  extent along the sample axis so every compressed chunk is decompressed once.
* MATLAB v5 is parsed here, because ``scipy.io.loadmat`` always loads a whole variable (the test set is
  455,024 x 4 x 1000 bytes = 1.8 GB). The 128-byte header gives the byte order; each top-level element is
  a ``miMATRIX`` (array flags, dimensions, name, then the real-part data element, whose offset and stored
  type we record) or a ``miCOMPRESSED`` zlib stream holding such a ``miMATRIX``.

  - Uncompressed: the data is column-major, so for MATLAB shape ``(N, 4, L)`` the samples are the fastest
    axis and each of the ``4 L`` (channel, position) columns is a contiguous run of N values. A block of
    samples ``lo:hi`` is read with one positioned read per column (``4 L`` reads of ``hi - lo`` values).
    Plain reads are used rather than ``numpy.memmap`` so the pages touched do not pile up in the
    process's resident set.
  - Compressed: a zlib stream can only be read front to back and every sample is spread over the whole
    stream, so it is inflated once, piece by piece (``zlib.decompressobj`` with a bounded output size),
    four columns (one position, all samples) at a time; each position becomes one token per sample and
    is appended to a temporary token file (``N x L`` bytes, a quarter of a uint8 one-hot) in the output
    folder, which is then read by sample blocks like an uncompressed variable. Labels likewise.

Tokens: the channel holding a column's unique positive maximum (AGCT -> ACGT); an all-zero column, or one
without a unique maximum (e.g. 0.25 everywhere), becomes N. Any numeric dtype is accepted.

Pairs: a few evenly spaced pairs are checked exactly before anything is written (an error if the second
half is not the reverse complement of the first: a wrong layout), and every pair is then checked with a
64-bit hash while streaming (mismatches are counted and reported as a warning).

Targets: names come from ``--names`` (one per line, e.g. ``8988T|DNase|None``; repeated names get a
``#2``, ``#3`` suffix because danq needs unique names) or are ``t000``, ``t001``, ... Categories: with 919
targets, DeepSEA's index ranges (0-124 DNase, 125-814 TF, 815-918 histone); with another count and a names
file of ``cell|factor|treatment`` lines, from the factor (``DNase``; histone marks ``H2A*``, ``H2B*``,
``H3*``, ``H4*``; else ``TF``); otherwise '' (with a warning).

Samples are named ``<split>:<window>:+`` and ``<split>:<window>:-`` (window = index in the first half).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import struct
import sys
import tempfile
import time
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import h5py
import numpy as np
from tqdm import tqdm

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.formats.dataset import DatasetWriter, default_chunk_rows
from danq.io import atomic_directory
from danq.runtime import resolve_progress

SPLITS = ("train", "valid", "test")
DEEPSEA_N_TARGETS = 919
DEEPSEA_CATEGORY_BOUNDS = (("DNase", 0, 125), ("TF", 125, 815), ("histone", 815, 919))
BUNDLE_ALPHABET = "AGCT"
BLOCK_BYTES = 64 << 20  # raw one-hot bytes read per block (the conversion needs a few times this)
SPILL_READ_BYTES = 32 << 20  # inflated bytes converted at a time when spilling a compressed variable
PAIRS_CHECKED_EXACTLY = 8

# ---------------------------------------------------------------------------------------------------
# one-hot (AGCT) -> tokens (ACGT), reverse complement, row hashes

_AGCT_TO_TOKEN = np.array([0, 2, 1, 3], dtype=np.uint8)  # channel of the bundle -> danq token
# 4-bit code (bit k set = channel k is 1) -> token; anything but exactly one bit gives N (4)
_CODE_TO_TOKEN = np.full(16, 4, dtype=np.uint8)
for _k in range(4):
    _CODE_TO_TOKEN[1 << _k] = _AGCT_TO_TOKEN[_k]
_HASH_WEIGHTS = np.random.default_rng(20150919).integers(
    1, 2**63, size=1 << 14, dtype=np.uint64
) | np.uint64(1)


def onehot_block_to_tokens(block: np.ndarray) -> np.ndarray:
    """Turn a one-hot block ``(L, 4, B)`` in AGCT channel order into ACGT tokens ``(L, B)`` uint8.

    A column's token is the channel holding its unique positive maximum; an all-zero column, or one whose
    maximum is shared (e.g. 0.25 everywhere), is N (4). 0/1 data of one byte takes a fast bit-code path.
    """
    if block.ndim != 3 or block.shape[1] != 4:
        raise ValueError(f"expected a (L, 4, B) block, got shape {block.shape}")
    if block.dtype.itemsize == 1 and block.dtype.kind in "ub" and (block.size == 0 or block.max() <= 1):
        bits = block.view(np.uint8)
        code = bits[:, 0] | (bits[:, 1] << 1) | (bits[:, 2] << 2) | (bits[:, 3] << 3)
        return _CODE_TO_TOKEN[code]
    peak = block.max(axis=1)
    at_peak = block == peak[:, None, :]
    unique = at_peak.sum(axis=1, dtype=np.uint8) == 1
    tokens = _AGCT_TO_TOKEN[at_peak.argmax(axis=1)]
    tokens[~(unique & (peak > 0))] = 4
    return tokens


def row_hashes(tokens: np.ndarray) -> np.ndarray:
    """A 64-bit hash per token row ``(B, L)``: a random linear form over the row's 8-byte words."""
    b, length = tokens.shape
    width = -(-length // 8) * 8
    if width != length or not tokens.flags.c_contiguous:
        padded = np.zeros((b, width), dtype=np.uint8)
        padded[:, :length] = tokens
        tokens = padded
    words = tokens.view("<u8")
    weights = np.resize(_HASH_WEIGHTS, words.shape[1])
    return (words * weights).sum(axis=1, dtype=np.uint64)


def labels_to_uint8(values: np.ndarray, path: Path, name: str) -> np.ndarray:
    """Check that a label block holds only 0 and 1 and return it as uint8."""
    if values.dtype != np.uint8 and values.dtype != np.bool_:
        bad = (values != 0) & (values != 1)
        if bad.any():
            raise DanqError(f"{path}: variable '{name}' holds labels other than 0 and 1")
        return values.astype(np.uint8)
    values = values.view(np.uint8)
    if values.size and values.max() > 1:
        raise DanqError(f"{path}: variable '{name}' holds labels other than 0 and 1")
    return values


# ---------------------------------------------------------------------------------------------------
# MATLAB v5 reader (streaming)

MI_MATRIX = 14
MI_COMPRESSED = 15
MI_DTYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
MX_NUMERIC_CLASSES = {
    6: "double", 7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16",
    12: "int32", 13: "uint32", 14: "int64", 15: "uint64",
}
MX_SPARSE = 5
FLAG_COMPLEX = 0x0800
FLAG_LOGICAL = 0x0200


@dataclass(frozen=True)
class V5Variable:
    """Where one numeric variable of a MATLAB v5 file lives.

    ``shape`` is MATLAB's (column-major) shape; ``dtype`` the type the data is stored in (MATLAB may store
    a double array in a smaller type when its values fit; the values are the same). For an uncompressed
    variable ``data_offset`` is a file offset; for a compressed one it is an offset inside the inflated
    stream of the ``miCOMPRESSED`` element that starts at ``element_offset`` (``element_nbytes`` long).
    """

    name: str
    shape: tuple[int, ...]
    mclass: str
    dtype: np.dtype | None
    compressed: bool
    element_offset: int
    element_nbytes: int
    data_offset: int
    data_nbytes: int
    inline: bytes | None = None  # data of a tiny variable stored inside its tag
    problem: str = ""  # why the variable cannot be read as a numeric array ('' if it can)


class _BoundedFileReader:
    """``read(n)`` exactly n bytes from a file region, or raise DanqError (corrupt element)."""

    def __init__(self, handle: IO[bytes], start: int, end: int, path: Path) -> None:
        self.handle, self.pos, self.end, self.path = handle, start, end, path

    def read(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise DanqError(f"{self.path}: corrupt MAT file (element at byte {self.pos} overruns)")
        self.handle.seek(self.pos)
        data = self.handle.read(n)
        if len(data) != n:
            raise DanqError(f"{self.path}: truncated MAT file (read past the end at byte {self.pos})")
        self.pos += n
        return data


class _InflateReader:
    """Read the inflated bytes of a zlib stream stored in a file region, piece by piece.

    ``read(n)`` returns exactly n bytes; memory holds at most one compressed input piece and the output.
    """

    INPUT_PIECE = 1 << 20

    def __init__(self, handle: IO[bytes], start: int, nbytes: int, path: Path) -> None:
        self.handle, self.next_in, self.left_in, self.path = handle, start, nbytes, path
        self.inflater = zlib.decompressobj()

    def _feed(self) -> bytes:
        if self.left_in <= 0:
            return b""
        self.handle.seek(self.next_in)
        piece = self.handle.read(min(self.INPUT_PIECE, self.left_in))
        if not piece:
            raise DanqError(f"{self.path}: truncated MAT file (compressed variable ends early)")
        self.next_in += len(piece)
        self.left_in -= len(piece)
        return piece

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        have = 0
        try:
            while have < n:
                tail = self.inflater.unconsumed_tail
                source = tail if tail else self._feed()
                if not source and self.inflater.eof:
                    raise DanqError(
                        f"{self.path}: corrupt MAT file (compressed variable shorter than its header says)"
                    )
                out = self.inflater.decompress(source, n - have)
                if not out and not source:
                    raise DanqError(f"{self.path}: truncated MAT file (compressed variable ends early)")
                parts.append(out)
                have += len(out)
        except zlib.error as exc:
            raise DanqError(f"{self.path}: corrupt compressed variable in MAT file ({exc})") from None
        return b"".join(parts)

    def finish(self) -> None:
        """Inflate what is left (padding) to the end of the stream, so zlib verifies its checksum."""
        try:
            while not self.inflater.eof:
                tail = self.inflater.unconsumed_tail
                source = tail if tail else self._feed()
                if not source:
                    raise DanqError(f"{self.path}: truncated MAT file (compressed variable ends early)")
                self.inflater.decompress(source, 1 << 20)
        except zlib.error as exc:
            raise DanqError(f"{self.path}: corrupt compressed variable in MAT file ({exc})") from None

    def skip(self, n: int, piece: int = 8 << 20) -> None:
        while n > 0:
            n -= len(self.read(min(piece, n)))


def _read_tag(read: Callable[[int], bytes], endian: str) -> tuple[int, int, bytes | None]:
    """A data element tag: (type, byte count, inline data of a small element or None)."""
    raw = read(8)
    mtype, nbytes = struct.unpack(endian + "II", raw)
    if mtype >> 16:  # small data element: count in the upper 16 bits, data in the tag's last 4 bytes
        count = mtype >> 16
        return mtype & 0xFFFF, count, raw[4 : 4 + count]
    return mtype, nbytes, None


def _read_subelement(read: Callable[[int], bytes], endian: str) -> tuple[int, bytes, int]:
    """A whole sub-element: (type, payload, bytes consumed including padding to 8)."""
    mtype, nbytes, inline = _read_tag(read, endian)
    if inline is not None:
        return mtype, inline, 8
    payload = read(nbytes)
    pad = (-nbytes) % 8
    if pad:
        read(pad)
    return mtype, payload, 8 + nbytes + pad


def _parse_matrix(
    read: Callable[[int], bytes], endian: str, path: Path, element_offset: int,
    element_nbytes: int, compressed: bool, base: int,
) -> V5Variable:
    """Parse a miMATRIX body (after its tag) up to the real-part data tag; ``base`` = its first byte."""
    consumed = 0
    mtype, flags_raw, used = _read_subelement(read, endian)
    consumed += used
    if mtype != 6 or len(flags_raw) < 8:  # miUINT32
        raise DanqError(f"{path}: corrupt MAT file (bad array flags at byte {element_offset})")
    flags = struct.unpack(endian + "I", flags_raw[:4])[0]
    mclass_code = flags & 0xFF
    mtype, dims_raw, used = _read_subelement(read, endian)
    consumed += used
    if mtype != 5 or len(dims_raw) < 8:  # miINT32
        raise DanqError(f"{path}: corrupt MAT file (bad dimensions at byte {element_offset})")
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=endian + "i4"))
    _, name_raw, used = _read_subelement(read, endian)
    consumed += used
    name = name_raw.decode("latin-1")
    common = dict(
        name=name, shape=shape, compressed=compressed, element_offset=element_offset,
        element_nbytes=element_nbytes,
    )
    if mclass_code not in MX_NUMERIC_CLASSES:
        kind = "sparse" if mclass_code == MX_SPARSE else f"class {mclass_code}"
        return V5Variable(mclass=kind, dtype=None, data_offset=-1, data_nbytes=0,
                          problem=f"is a {kind} array, not a full numeric array", **common)
    mclass = "logical" if flags & FLAG_LOGICAL else MX_NUMERIC_CLASSES[mclass_code]
    data_type, data_nbytes, inline = _read_tag(read, endian)
    consumed += 8
    if data_type not in MI_DTYPES:
        raise DanqError(f"{path}: corrupt MAT file (variable '{name}' has data type {data_type})")
    dtype = np.dtype(endian + MI_DTYPES[data_type])
    if data_nbytes != math.prod(shape) * dtype.itemsize:
        raise DanqError(
            f"{path}: corrupt MAT file (variable '{name}' of shape {shape} has {data_nbytes} data bytes)"
        )
    problem = "is complex" if flags & FLAG_COMPLEX else ""
    data_offset = base + consumed if inline is None else -1
    return V5Variable(mclass=mclass, dtype=dtype, data_offset=data_offset, data_nbytes=data_nbytes,
                      inline=inline, problem=problem, **common)


def read_v5_header(handle: IO[bytes], path: Path) -> str:
    """Check the 128-byte MATLAB v5 header and return the byte order (``'<'`` or ``'>'``)."""
    handle.seek(0)
    header = handle.read(128)
    if len(header) < 128 or header[126:128] not in (b"IM", b"MI"):
        raise DanqError(f"{path}: not a MATLAB file (neither v7.3/HDF5 nor v5)")
    endian = "<" if header[126:128] == b"IM" else ">"
    version = struct.unpack(endian + "H", header[124:126])[0]
    if version != 0x0100:
        raise DanqError(f"{path}: unsupported MAT file version 0x{version:04x}")
    return endian


def list_v5_variables(path: str | os.PathLike[str]) -> tuple[str, dict[str, V5Variable]]:
    """Scan a MATLAB v5 file's top-level elements; return (byte order, variables by name).

    Only element headers are read (for a compressed element, the first few hundred inflated bytes).

    Raises
    ------
    DanqError
        Not a v5 file, a corrupt element, or a file shorter than its elements say (truncated).
    """
    p = Path(path)
    size = p.stat().st_size
    variables: dict[str, V5Variable] = {}
    with open(p, "rb") as handle:
        endian = read_v5_header(handle, p)
        pos = 128
        while pos + 8 <= size:
            handle.seek(pos)
            mtype, nbytes = struct.unpack(endian + "II", handle.read(8))
            end = pos + 8 + nbytes
            if end > size:
                raise DanqError(
                    f"{p}: truncated MAT file (an element at byte {pos} needs {end} bytes, "
                    f"the file has {size})"
                )
            if mtype == MI_MATRIX:
                reader = _BoundedFileReader(handle, pos + 8, end, p)
                var = _parse_matrix(reader.read, endian, p, pos, nbytes, False, pos + 8)
            elif mtype == MI_COMPRESSED:
                inflater = _InflateReader(handle, pos + 8, nbytes, p)
                inner_type, inner_nbytes, _ = _read_tag(inflater.read, endian)
                if inner_type != MI_MATRIX:
                    pos = end
                    continue
                var = _parse_matrix(inflater.read, endian, p, pos, nbytes, True, 8)
            else:
                pos = end
                continue
            variables[var.name] = var
            pos = end
    return endian, variables


class ColumnFile:
    """Row blocks of a column-major ``(n_rows, n_cols)`` array stored raw in a file.

    ``read(lo, hi)`` returns ``(n_cols, hi - lo)``: one positioned read per column, so memory is the block
    itself and nothing else, and the file's pages are not kept mapped.
    """

    def __init__(
        self, path: str | os.PathLike[str], offset: int, n_rows: int, n_cols: int, dtype: Any
    ) -> None:
        self.path = Path(path)
        self.offset, self.n_rows, self.n_cols = offset, n_rows, n_cols
        self.dtype = np.dtype(dtype)
        needed = offset + n_rows * n_cols * self.dtype.itemsize
        size = self.path.stat().st_size
        if size < needed:
            raise DanqError(
                f"{self.path}: truncated file (the data needs {needed} bytes, the file has {size})"
            )
        self._handle: IO[bytes] | None = open(self.path, "rb", buffering=0)

    def _read_at(self, buffer: np.ndarray, position: int) -> int:
        assert self._handle is not None
        if hasattr(os, "preadv"):  # one system call, no shared file position
            return os.preadv(self._handle.fileno(), [buffer], position)
        self._handle.seek(position)
        return self._handle.readinto(buffer) or 0  # type: ignore[attr-defined]

    def read(self, lo: int, hi: int) -> np.ndarray:
        b = hi - lo
        out = np.empty((self.n_cols, b), dtype=self.dtype)
        size = self.dtype.itemsize
        for j in range(self.n_cols):
            if self._read_at(out[j], self.offset + (j * self.n_rows + lo) * size) != b * size:
                raise DanqError(f"{self.path}: truncated file (short read in column {j})")
        return out

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


# ---------------------------------------------------------------------------------------------------
# sources: one split's sequences + labels, whatever the file format


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
            self._file = h5py.File(path, "r", rdcc_nbytes=16 << 20)  # holds a straddling chunk
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

    def _inflater(self, var: V5Variable, handle: IO[bytes]) -> _InflateReader:
        inflater = _InflateReader(handle, var.element_offset + 8, var.element_nbytes, self.path)
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


# ---------------------------------------------------------------------------------------------------
# targets

_HISTONE = re.compile(r"^H(2A|2B|3|4)", re.IGNORECASE)


def read_target_names(path: str | os.PathLike[str]) -> list[str]:
    """Target names, one per non-blank line (e.g. DeepSEA's ``predictor.names``)."""
    p = Path(path)
    if not p.is_file():
        raise DanqError(f"{p}: names file does not exist")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DanqError(f"{p}: names file is not UTF-8 text") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise DanqError(f"{p}: names file is empty")
    return names


def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique by suffixing repeats with ``#2``, ``#3``, ... (the first keeps its name)."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        candidate = name if count == 1 else f"{name}#{count}"
        while count > 1 and candidate in taken:
            count += 1
            candidate = f"{name}#{count}"
        taken.add(candidate)
        out.append(candidate)
    return out


def category_from_name(name: str) -> str:
    """Category of a ``cell|factor|treatment`` name: DNase, histone (H2A/H2B/H3/H4 marks) or TF."""
    fields = name.split("|")
    if len(fields) < 2:
        return ""
    factor = fields[1].strip()
    if factor.lower() == "dnase":
        return "DNase"
    return "histone" if _HISTONE.match(factor) else "TF"


def deepsea_targets(
    n_targets: int, names_file: str | os.PathLike[str] | None, warn: Callable[[str], None]
) -> tuple[list[str], list[str]]:
    """Target names and categories for ``n_targets`` targets (see the module docstring)."""
    if names_file is not None:
        raw = read_target_names(names_file)
        if len(raw) != n_targets:
            raise DanqError(f"{names_file}: {len(raw)} names, the bundle has {n_targets} targets")
        names = unique_names(raw)
    else:
        raw = []
        width = max(3, len(str(n_targets - 1)))
        names = [f"t{i:0{width}d}" for i in range(n_targets)]
    if n_targets == DEEPSEA_N_TARGETS:
        categories = [""] * n_targets
        for category, lo, hi in DEEPSEA_CATEGORY_BOUNDS:
            categories[lo:hi] = [category] * (hi - lo)
        return names, categories
    derived = [category_from_name(n) for n in raw]
    if raw and all(derived):
        return names, derived
    warn(
        f"{n_targets} targets, not DeepSEA's {DEEPSEA_N_TARGETS}: target categories left empty "
        "(give --names with cell|factor|treatment lines to derive them)"
    )
    return names, [""] * n_targets


# ---------------------------------------------------------------------------------------------------
# the import


def check_pairs_sample(source: SplitSource, count: int = PAIRS_CHECKED_EXACTLY) -> None:
    """Check exactly that a few evenly spaced second-half samples are the reverse complements of theirs.

    Raises
    ------
    DanqError
        ``wrong layout`` when a pair does not match.
    """
    half = source.n // 2
    for i in np.unique(np.linspace(0, half - 1, num=min(count, half)).astype(np.int64)):
        i = int(i)
        forward = source.tokens(i, i + 1)
        reverse = source.tokens(half + i, half + i + 1)
        if not np.array_equal(reverse_complement_tokens(forward), reverse):
            raise DanqError(
                f"{source.path}: wrong layout: sample {half + i} is not the reverse complement of "
                f"sample {i} (expected N/2 forward sequences, then their reverse complements in the "
                "same order)"
            )


def default_block(source: SplitSource, writer_rows: int) -> int:
    """Samples per read block: about ``BLOCK_BYTES`` of one-hot, in whole chunks of the source file
    along the sample axis (so each compressed chunk is inflated once), else in whole output chunks."""
    per_sample = 4 * source.length * source.x_itemsize
    unit = source.sample_chunk if source.sample_chunk > 1 else writer_rows
    if unit * per_sample > 4 * BLOCK_BYTES:  # huge source chunks: accept partial-chunk reads
        unit = writer_rows
    block = max(unit, BLOCK_BYTES // per_sample // unit * unit)
    return min(block, source.n)


def sample_names(split: str, idx: np.ndarray, half: int) -> list[str]:
    """``<split>:<window>:+`` for the forward half, ``<split>:<window>:-`` for the reverse half."""
    return [f"{split}:{i}:+" if i < half else f"{split}:{i - half}:-" for i in idx.tolist()]


def import_split(
    source: SplitSource,
    split: str,
    output: Path,
    target_names: list[str],
    categories: list[str],
    *,
    chunk_samples: int | None = None,
    show: bool = False,
    warn: Callable[[str], None] = warnings.warn,
) -> dict[str, Any]:
    """Stream one opened bundle file into a danq dataset at ``output``; return a summary dict."""
    start = time.perf_counter()
    n, half = source.n, source.n // 2
    rows = default_chunk_rows(source.length)
    block = chunk_samples or default_block(source, rows)
    with tempfile.TemporaryDirectory(prefix=f".{split}.", dir=output.parent) as work:
        source.prepare(Path(work), show)
        check_pairs_sample(source)
        forward_hash = np.zeros(half, dtype=np.uint64)
        mismatches, first_bad = 0, -1
        with DatasetWriter(
            output, source.length, target_names, categories,
            source=f"DeepSEA bundle {source.path.name} (MATLAB {source.kind})", with_pairs=True,
            chunk_rows=rows,
        ) as writer, tqdm(
            total=n, desc=f"import {split}", unit=" seq", unit_scale=True, disable=not show,
            file=sys.stderr, mininterval=1,
        ) as bar:
            for lo in range(0, n, block):
                hi = min(lo + block, n)
                tokens, labels = source.tokens(lo, hi), source.labels(lo, hi)
                idx = np.arange(lo, hi)
                k = max(0, min(hi, half) - lo)  # rows of this block in the forward half
                if k:
                    forward_hash[lo : lo + k] = row_hashes(reverse_complement_tokens(tokens[:k]))
                if k < hi - lo:
                    bad = np.flatnonzero(row_hashes(tokens[k:]) != forward_hash[idx[k:] - half])
                    if bad.size and first_bad < 0:
                        first_bad = int(idx[k + bad[0]])
                    mismatches += int(bad.size)
                strand = np.where(idx < half, 1, -1).astype(np.int8)
                pair = np.where(idx < half, idx + half, idx - half)
                writer.append(tokens, labels, sample_names(split, idx, half), strand, pair)
                bar.update(hi - lo)
    if mismatches:
        warn(
            f"{source.path}: {mismatches} of {half} second-half samples are not the reverse complement "
            f"of their first-half partner (first: sample {first_bad}); pair_index still links i and "
            "i + N/2"
        )
    seconds = time.perf_counter() - start
    return {
        "split": split, "input": str(source.path), "output": str(output), "format": source.kind,
        "n_samples": n, "sequence_length": source.length, "n_targets": source.n_targets,
        "pair_mismatches": mismatches, "seconds": seconds,
    }


def _carry_over(old: Path, new: Path, skip: set[str]) -> None:
    """Hard-link (or copy) the files of an existing output folder that this run does not rewrite
    (e.g. valid.h5 and test.h5 when only ``--split train`` is converted) into its replacement."""
    if not old.is_dir():
        return
    for entry in old.iterdir():
        if entry.name in skip or entry.name.startswith(".") or not entry.is_file():
            continue
        try:
            os.link(entry, new / entry.name)
        except OSError:
            shutil.copy2(entry, new / entry.name)


def import_deepsea(
    deepsea_dir: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    names: str | os.PathLike[str] | None = None,
    chunk_samples: int | None = None,
    splits: Sequence[str] = SPLITS,
    progress: bool | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Convert ``DEEPSEA_DIR/{train,valid,test}.mat`` into ``OUTDIR/{train,valid,test}.h5``.

    All requested files are opened and checked (shapes, matching target counts and sequence lengths)
    before anything is written; each output appears atomically. Returns one summary dict per split.

    Parameters
    ----------
    deepsea_dir
        Folder holding the bundle's ``.mat`` files (``deepsea_train/``).
    outdir
        Output folder (created if needed).
    names
        Optional target names file, one per line; must list as many names as the bundle has targets.
    chunk_samples
        Samples read and converted per block (default: about 64 MiB of one-hot, aligned to chunks).
    splits
        Which of train, valid, test to convert.
    progress
        Progress bars on stderr (default: when stderr is a terminal).
    warn
        Called with warning messages (default :func:`warnings.warn`).
    """
    warn = warn or (lambda message: warnings.warn(message, stacklevel=3))
    folder = Path(deepsea_dir)
    if not folder.is_dir():
        raise DanqError(f"{folder}: DeepSEA bundle folder does not exist")
    unknown = [s for s in splits if s not in SPLITS]
    if unknown or not splits:
        raise DanqError(f"unknown split {unknown[0] if unknown else '(none)'}; choose from {SPLITS}")
    if chunk_samples is not None and chunk_samples <= 0:
        raise DanqError(f"--chunk-samples must be positive, got {chunk_samples}")
    show = resolve_progress(progress)
    sources: list[SplitSource] = []
    try:
        for split in splits:
            sources.append(open_split(folder / f"{split}.mat", split))
        first = sources[0]
        for other in sources[1:]:
            if other.n_targets != first.n_targets:
                raise DanqError(
                    f"{other.path}: {other.n_targets} targets, {first.path.name} has {first.n_targets}"
                )
            if other.length != first.length:
                raise DanqError(
                    f"{other.path}: sequences of {other.length} bp, {first.path.name} has {first.length}"
                )
        target_names, categories = deepsea_targets(first.n_targets, names, warn)
        out = Path(outdir)
        written = [f"{split}.h5" for split in splits]
        # the folder is replaced as a whole, so a failure in a later split never leaves a new
        # train.h5 next to an older import's valid.h5
        with atomic_directory(out) as tmp:
            _carry_over(out, tmp, skip=set(written))
            summaries = [
                import_split(
                    source, split, tmp / f"{split}.h5", target_names, categories,
                    chunk_samples=chunk_samples, show=show, warn=warn,
                )
                for split, source in zip(splits, sources, strict=True)
            ]
        for summary, name in zip(summaries, written, strict=True):
            summary["output"] = str(out / name)
        return summaries
    finally:
        for source in sources:
            source.close()
