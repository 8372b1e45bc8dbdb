"""Streaming FASTA reading: plain or gzip (detected by content), ``-`` for stdin, strict errors.

Records are yielded one at a time, so a 3 GB genome never becomes one Python list. Multi-line records,
CRLF line ends and blank lines are accepted. A record's name is the header's first word (as Biopython's
``record.id``).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from danq.encoders import first_invalid, tokens_from_bytes
from danq.errors import DanqError

GZIP_MAGIC = b"\x1f\x8b"


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


def read_fasta_tokens(path: str | os.PathLike[str]) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, tokens)`` per record, tokens as ``uint8`` (A,C,G,T = 0..3, N = 4).

    Raises
    ------
    DanqError
        For an empty file, text before the first ``>``, a header without a name, a record without
        sequence, an invalid character (naming the record and the 1-based position), or a corrupt gzip.
    """
    where = _display(path)
    name: str | None = None
    parts: list[bytes] = []
    n_records = 0

    def finish() -> tuple[str, np.ndarray]:
        seq = b"".join(parts).translate(None, b"\r\n")
        if not seq:
            raise DanqError(f"{where}: record '{name}' has no sequence")
        tokens = tokens_from_bytes(seq)
        bad = first_invalid(tokens)
        if bad >= 0:
            char = chr(seq[bad])
            raise DanqError(
                f"{where}: record '{name}': invalid character {char!r} at position {bad + 1}"
            )
        return name, tokens  # type: ignore[return-value]

    try:
        with open_binary(path) as handle:
            for line_number, line in enumerate(handle, start=1):
                if line.startswith(b">"):
                    if name is not None:
                        yield finish()
                    words = line[1:].split()
                    if not words:
                        raise DanqError(f"{where}: line {line_number}: header without a name")
                    name = words[0].decode("utf-8", errors="replace")
                    parts = []
                    n_records += 1
                elif name is None:
                    if line.strip():
                        raise DanqError(
                            f"{where}: line {line_number}: text before the first '>' header "
                            "(is this a FASTA file?)"
                        )
                else:
                    parts.append(line)
            if name is not None:
                yield finish()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise DanqError(f"{where}: file does not exist") from None
        raise DanqError(f"{where}: cannot read ({exc})") from None
    if n_records == 0:
        raise DanqError(f"{where}: no FASTA records (empty file?)")


def read_fasta(path: str | os.PathLike[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(name, sequence)`` per record, the sequence as an upper-case string.

    Same streaming and errors as :func:`read_fasta_tokens`; ambiguity codes come back as ``N``.
    """
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    for name, tokens in read_fasta_tokens(path):
        yield name, letters[tokens].tobytes().decode("ascii")
