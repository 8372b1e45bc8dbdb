"""Input checks: files that must exist, UTF-8 and gzip text, outputs that would overwrite inputs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from danq.errors import DanqError


def require_file(path: str | os.PathLike[str], what: str = "input file") -> Path:
    """Return ``path`` as a Path, or raise DanqError if it is not an existing, readable file."""
    p = Path(path)
    if not p.exists():
        raise DanqError(f"{p}: {what} does not exist")
    if not p.is_file():
        raise DanqError(f"{p}: {what} is not a regular file")
    if not os.access(p, os.R_OK):
        raise DanqError(f"{p}: {what} is not readable")
    return p


@contextlib.contextmanager
def utf8_text(
    path: str | os.PathLike[str], what: str = "file", newline: str | None = None
) -> Iterator[TextIO]:
    """Open a text input as UTF-8 (a leading byte-order mark is dropped); bytes that are not
    UTF-8 (a Latin-1 or binary file) become a one-line DanqError with the byte's offset."""
    with open(path, encoding="utf-8-sig", newline=newline) as handle:
        try:
            yield handle
        except UnicodeDecodeError as exc:
            raise DanqError(
                f"{path}: {what} is not UTF-8 text (it holds the byte "
                f"0x{exc.object[exc.start]:02x}); save it as UTF-8"
            ) from None


def _given(paths: Iterable[str | os.PathLike[str] | None]) -> list[Path]:
    return [Path(p) for p in paths if p is not None and str(p) != "-"]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _inside(inner: Path, outer: Path) -> bool:
    try:
        inner_real, outer_real = inner.resolve(), outer.resolve()
    except OSError:
        return False
    return inner_real == outer_real or outer_real in inner_real.parents


def refuse_overwriting_inputs(
    inputs: Iterable[str | os.PathLike[str] | None],
    outputs: Iterable[str | os.PathLike[str] | None] = (),
    output_dirs: Iterable[str | os.PathLike[str] | None] = (),
) -> None:
    """Refuse outputs that would overwrite an input, before anything is read or written.

    Parameters
    ----------
    inputs
        Files (or folders) the command reads; ``None`` and ``-`` (stdin) are skipped.
    outputs
        Files the command will write. One that is the same file as an input (same path, a
        symbolic link to it or a hard link of it) is refused.
    output_dirs
        Output folders whose files are not listed one by one: an input inside one (or the folder
        itself) is refused, since an output of the same name would replace it.

    Raises
    ------
    DanqError
        Naming the output and the input it would destroy.
    """
    ins = _given(inputs)
    for out in _given(outputs):
        for inp in ins:
            if _same(out, inp):
                raise DanqError(
                    f"{out}: output is the same file as the input {inp}; choose another output path"
                )
    for folder in _given(output_dirs):
        for inp in ins:
            if _inside(inp, folder):
                raise DanqError(
                    f"{folder}: the output folder holds the input {inp}, which the outputs could "
                    "overwrite; choose another output folder"
                )


GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether a file is gzip-compressed, by its first two bytes (whatever its name says)."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_text(path: str | os.PathLike[str]) -> TextIO:
    """Open a plain or gzip text file (detected by content) as UTF-8, undecodable bytes replaced.

    One opener for every line-based input (BED/peak files, variant TSVs); FASTA has its own
    block reader in :mod:`danq.sequence.fasta`.
    """
    import gzip
    import io

    if is_gzip(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")
