"""A streaming MATLAB v5 reader: where each variable's data lives, and block reads of raw columns.

MATLAB v5 is parsed here, because ``scipy.io.loadmat`` always loads a whole variable (the test set is
455,024 x 4 x 1000 bytes = 1.8 GB). The 128-byte header gives the byte order; each top-level element is
a ``miMATRIX`` (array flags, dimensions, name, then the real-part data element, whose offset and stored
type we record) or a ``miCOMPRESSED`` zlib stream holding such a ``miMATRIX``.

* Uncompressed: the data is column-major, so for MATLAB shape ``(N, 4, L)`` the samples are the fastest
  axis and each of the ``4 L`` (channel, position) columns is a contiguous run of N values. A block of
  samples ``lo:hi`` is read with one positioned read per column (``4 L`` reads of ``hi - lo`` values)
  (:class:`ColumnFile`). Plain reads are used rather than ``numpy.memmap`` so the pages touched do not
  pile up in the process's resident set.
* Compressed: a zlib stream can only be read front to back, so it is inflated piece by piece
  (:class:`InflateReader`, ``zlib.decompressobj`` with a bounded output size); see
  :class:`danq.datasets.deepsea.mat.V5Source` for how it is then spilled to a token file.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from danq.errors import DanqError

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


class InflateReader:
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
                inflater = InflateReader(handle, pos + 8, nbytes, p)
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
