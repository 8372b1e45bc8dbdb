"""Streaming FASTA reading: plain or gzip (detected by content), ``-`` for stdin, strict errors.

The file is read in blocks of a few MB that end on a record boundary; each block is parsed with numpy
(header spans, line ends and the base lookup table are all array operations), so there is no Python step
per line or per base, and a 3 GB genome never becomes one Python list. Multi-line records, CRLF and CR-only
line ends, a UTF-8 byte-order mark and blank lines are accepted. A record's name is the header's first word (as Biopython's ``record.id``).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from danq.encoders import INVALID, TOKEN_TABLE
from danq.errors import DanqError
from danq.io import GZIP_MAGIC

UTF8_BOM = b"\xef\xbb\xbf"
BLOCK_BYTES = 4 << 20
_NL, _CR, _GT = ord("\n"), ord("\r"), ord(">")


def _display(path: str | os.PathLike[str]) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


@contextlib.contextmanager
def open_binary(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open ``path`` (or stdin for ``-``) for binary reading, decompressing gzip by its magic bytes."""
    if str(path) == "-":
        raw: BinaryIO = sys.stdin.buffer
        magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        yield gzip.GzipFile(fileobj=raw) if magic == GZIP_MAGIC else raw  # type: ignore[misc]
        return
    p = Path(path)
    if not p.exists():
        raise DanqError(f"{p}: file does not exist")
    if p.is_dir():
        raise DanqError(f"{p}: is a directory, expected a FASTA file")
    with open(p, "rb") as handle:
        magic = handle.read(2)
        handle.seek(0)
        if magic == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=handle) as gz:
                yield io.BufferedReader(gz, buffer_size=1 << 20)  # type: ignore[arg-type]
        else:
            yield handle


def _normalise_line_ends(data: bytes) -> bytes:
    """CRLF and CR-only (classic Mac) line ends become LF; LF-only data is returned unchanged.

    A CRLF split between two reads becomes LF plus an empty line, which the parser skips.
    """
    if b"\r" not in data:
        return data
    data = data.replace(b"\r\n", b"\n")
    return data.replace(b"\r", b"\n") if b"\r" in data else data


def _record_blocks(handle: BinaryIO, block_bytes: int) -> Iterator[bytes]:
    """Yield chunks of the stream that each end just before a line starting with ``>`` (or at EOF).

    A UTF-8 byte-order mark at the very start is dropped; line ends become LF.
    """
    carry = bytearray()
    first = True
    while True:
        data = handle.read(block_bytes)
        if first and data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
        first = False
        if not data:
            if carry:
                yield bytes(carry)
            return
        carry += _normalise_line_ends(data)
        cut = carry.rfind(b"\n>")
        if cut < 0:  # inside one long record (a chromosome): keep reading
            continue
        yield bytes(carry[: cut + 1])
        del carry[: cut + 1]


class _Parser:
    """Parse record blocks into ``(name, tokens)``; keeps the line count for error messages."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.lines_before = 0
        self.n_records = 0

    def line_of(self, arr: np.ndarray, offset: int) -> int:
        return self.lines_before + int(np.count_nonzero(arr[:offset] == _NL)) + 1

    def parse(self, block: bytes) -> Iterator[tuple[str, np.ndarray]]:
        arr = np.frombuffer(block, dtype=np.uint8)
        n = arr.size
        gt = np.flatnonzero(arr == _GT)
        starts = gt[(gt == 0) | (arr[gt - 1] == _NL)]
        first = int(starts[0]) if starts.size else n
        if self.n_records == 0 and arr[:first].tobytes().strip():
            bad = int(np.flatnonzero(~np.isin(arr[:first], (9, 10, 13, 32)))[0])
            raise DanqError(
                f"{self.where}: line {self.line_of(arr, bad)}: text before the first '>' header "
                "(is this a FASTA file?)"
            )
        newlines = np.flatnonzero(arr == _NL)
        pos = np.searchsorted(newlines, starts)
        # a header on the last line with no newline after it ends at the end of the block
        header_ends = np.append(newlines, n)[pos]
        seq_ends = [*starts[1:].tolist(), n] if starts.size else []
        starts_list, header_ends_list = starts.tolist(), header_ends.tolist()
        # one bytes.translate per record maps bases to tokens and drops line ends, in C
        parts = [
            block[he + 1 : se].translate(TOKEN_TABLE, b"\r\n")
            for he, se in zip(header_ends_list, seq_ends, strict=True)
        ]
        tokens = np.frombuffer(b"".join(parts), dtype=np.uint8)
        offsets = np.concatenate(([0], np.cumsum([len(part) for part in parts]))).tolist()
        bad = np.flatnonzero(tokens == INVALID)
        first_bad = int(bad[0]) if bad.size else -1
        for i, start in enumerate(starts_list):
            words = block[start + 1 : header_ends_list[i]].split()
            if not words:
                raise DanqError(f"{self.where}: line {self.line_of(arr, start)}: header without a name")
            name = words[0].decode("utf-8", errors="replace")
            lo, hi = offsets[i], offsets[i + 1]
            self.n_records += 1
            if hi == lo:
                raise DanqError(f"{self.where}: record '{name}' has no sequence")
            if lo <= first_bad < hi:
                original = block[header_ends_list[i] + 1 : seq_ends[i]].translate(None, b"\r\n")
                char = chr(original[first_bad - lo])
                raise DanqError(
                    f"{self.where}: record '{name}': invalid character {char!r} at position "
                    f"{first_bad - lo + 1}"
                )
            yield name, tokens[lo:hi]
        self.lines_before += newlines.size


def read_fasta_tokens(
    path: str | os.PathLike[str], block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, tokens)`` per record, tokens as read-only ``uint8`` (A,C,G,T = 0..3, N = 4).

    Raises
    ------
    DanqError
        For an empty file, text before the first ``>``, a header without a name, a record without
        sequence, an invalid character (naming the record and the 1-based position), or a corrupt gzip.
    """
    where = _display(path)
    parser = _Parser(where)
    try:
        with open_binary(path) as handle:
            for block in _record_blocks(handle, block_bytes):
                yield from parser.parse(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise DanqError(f"{where}: cannot read ({exc})") from None
    if parser.n_records == 0:
        raise DanqError(f"{where}: no FASTA records (empty file?)")


def read_fasta(path: str | os.PathLike[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(name, sequence)`` per record, the sequence as an upper-case string.

    Same streaming and errors as :func:`read_fasta_tokens`; ambiguity codes come back as ``N``.
    """
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    for name, tokens in read_fasta_tokens(path):
        yield name, letters[tokens].tobytes().decode("ascii")
