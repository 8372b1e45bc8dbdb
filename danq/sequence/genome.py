"""Indexed random access to a reference genome FASTA (plain or bgzip), as danq tokens.

This is danq's one home for genome access: variant effects, dataset building and BED-driven
prediction all fetch sequence through :class:`Genome`. It wraps :mod:`pyfaidx` and adds what
those stages need:

* coordinates are 0-based, half-open (``start`` inclusive, ``end`` exclusive), as in BED;
* windows that run past either end of a chromosome are padded with ``N`` (token 4), and the caller
  can ask how much padding a window needed (:meth:`Genome.padding`);
* chromosome names match with or without a ``chr`` prefix, and ``chrM``/``MT``/``M`` are one name,
  so a ``chr1`` VCF works against a ``1`` genome (and the reverse);
* the ``.fai`` (and ``.gzi`` for bgzip) index is built when missing or older than the FASTA; when the
  FASTA's directory is not writable it goes to a user cache directory instead.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from danq.encoders import N_TOKEN, from_tokens, tokens_from_bytes_lenient
from danq.errors import DanqError
from danq.io import require_file

PathLike = str | os.PathLike[str]

_MITO = ("chrM", "chrMT", "MT", "M")


def canonical_chrom(name: str) -> str:
    """A chromosome name with any ``chr`` prefix removed and the mitochondrion spelled ``M``.

    ``chr1`` and ``1`` give ``1``; ``chrM``, ``chrMT``, ``MT`` and ``M`` give ``M``. Used only to
    match names between files; outputs keep the names the user gave.
    """
    if name in _MITO:
        return "M"
    return name[3:] if name.lower().startswith("chr") and len(name) > 3 else name


def _index_dir(fasta: Path) -> Path | None:
    """Where the index goes when the FASTA's own directory is not writable (None: next to it)."""
    if os.access(fasta.parent, os.W_OK):
        return None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "danq" / "fai"
    digest = hashlib.sha1(str(fasta.resolve()).encode()).hexdigest()[:16]
    folder = cache / digest
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_MAX_CHECKED = 2000  # records whose index entry is checked against the FASTA (evenly spaced)
_HEADER_WINDOW = 4096  # bytes read back from a record's first base to find its header line


def _check_index(path: Path, faidx: object) -> None:
    """Check a ``.fai`` index against the plain FASTA it indexes, cheaply (a few bytes a record).

    pyfaidx rebuilds an index only when it is older than the FASTA; one written for another
    layout (another line width, other lengths) but newer would make every fetch return the wrong
    bytes. Each checked record's header must end right before its offset and name the record, a
    full first line must end where the line width says, and its last base must be in the file,
    followed by a line end or the end of the file.
    """
    index = getattr(faidx, "index", None)
    if not index or getattr(faidx, "_bgzf", False) or path.suffix in (".gz", ".bgz"):
        return  # bgzip offsets are not file positions: pyfaidx checks those blocks itself
    fai = Path(getattr(faidx, "indexname", f"{path}.fai"))
    size = path.stat().st_size
    items = list(index.items())
    step = max(1, len(items) // _MAX_CHECKED)
    chosen = items[::step] + ([items[-1]] if (len(items) - 1) % step else [])
    with open(path, "rb") as handle:

        def read(at: int, n: int) -> bytes:
            handle.seek(at)
            return handle.read(n)

        for name, record in chosen:
            problem = _record_problem(name, record, size, read)
            if problem is not None:
                raise DanqError(
                    f"{fai}: this index does not match {path} (record {name!r}: {problem}); "
                    f"it was made for another file or an earlier version of it: delete {fai} "
                    "and rerun (danq rebuilds it)"
                )


def _record_problem(name: str, record: object, size: int, read) -> str | None:  # noqa: ANN001
    """What is wrong with one index entry (None: it matches the FASTA)."""
    length, offset, bases, width = (int(getattr(record, key)) for key in
                                    ("rlen", "offset", "lenc", "lenb"))
    if length == 0:
        return None
    if bases <= 0 or width < bases or offset <= 0:
        return "impossible line layout"
    before = read(max(0, offset - _HEADER_WINDOW), min(offset, _HEADER_WINDOW))
    if not before.endswith(b"\n"):
        return f"offset {offset} is not the start of a line"
    start = before.rfind(b"\n", 0, len(before) - 1) + 1
    if start > 0 or offset <= _HEADER_WINDOW:  # the whole header line was read
        header = before[start:].strip()
        if not header.startswith(b">") or header[1:].split(maxsplit=1)[:1] != [name.encode()]:
            return f"offset {offset} does not follow the header line >{name}"
    if length > bases and read(offset + bases, width - bases) not in (b"\n", b"\r\n"):
        return f"its lines are not {bases} bases long"
    lines = -(-length // bases)
    last = offset + (lines - 1) * width + (length - (lines - 1) * bases) - 1  # its last base
    if last >= size:
        return f"{length} bases do not fit in the file"
    tail = read(last, 2)
    if tail[:1] in (b"\n", b"\r", b">") or tail[1:2] not in (b"", b"\n", b"\r"):
        return f"its sequence does not end after {length} bases"
    return None


class Genome:
    """A reference FASTA opened for random access.

    Parameters
    ----------
    path
        FASTA file, plain or bgzip-compressed (``samtools faidx`` style). A gzip file that is not
        bgzip cannot be indexed: the error says to recompress it with ``bgzip``.

    Notes
    -----
    Chromosomes match with or without ``chr`` (``chrM``/``MT`` too); coordinates are 0-based,
    half-open, and windows reaching past a chromosome's ends are N-padded.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from danq import Genome
    >>> folder = tempfile.TemporaryDirectory()
    >>> fasta = pathlib.Path(folder.name) / "toy.fa"
    >>> _ = fasta.write_text(">chr1\\nACGTACGTAC\\ngtnnACGT\\n>chr2\\nTTTT\\n")
    >>> with Genome(fasta) as genome:
    ...     print(genome.chromosomes, genome.length("1"))
    ...     print(genome.fetch("chr1", 8, 14), genome.fetch("chr2", 2, 6))
    ...     print(genome.fetch_tokens("chr1", 0, 4))  # A,C,G,T,N = 0..4
    ['chr1', 'chr2'] 18
    ACGTNN TTNN
    [0 1 2 3]
    >>> folder.cleanup()
    """

    def __init__(self, path: PathLike) -> None:
        import pyfaidx

        self.path = require_file(path, "genome FASTA")
        index_dir = _index_dir(self.path)
        kwargs = {}
        if index_dir is not None:
            kwargs["indexname"] = str(index_dir / (self.path.name + ".fai"))
            if self.path.suffix in (".gz", ".bgz"):
                kwargs["gzi_indexname"] = str(index_dir / (self.path.name + ".gzi"))
        try:
            self._fasta = pyfaidx.Fasta(
                str(self.path), as_raw=True, sequence_always_upper=True, rebuild=True,
                read_long_names=False, **kwargs,
            )
        except pyfaidx.UnsupportedCompressionFormat:
            raise DanqError(
                f"{self.path}: gzip-compressed FASTA is not bgzip; recompress it with "
                "`gunzip -c FILE | bgzip > FILE.gz` (or use it uncompressed)"
            ) from None
        except (pyfaidx.FastaIndexingError, ValueError, OSError, UnicodeDecodeError) as error:
            detail = " ".join(str(error).split()) or type(error).__name__
            raise DanqError(f"{self.path}: cannot index the genome FASTA: {detail}") from None
        try:
            _check_index(self.path, self._fasta.faidx)
        except BaseException:
            self._fasta.close()
            raise
        self.lengths: dict[str, int] = {
            name: len(record) for name, record in self._fasta.records.items()
        }
        if not self.lengths:
            raise DanqError(f"{self.path}: the genome FASTA has no sequences")
        self._by_canonical: dict[str, str] = {}
        for name in self.lengths:
            self._by_canonical.setdefault(canonical_chrom(name), name)

    # ----------------------------------------------------------------------------------------------
    def resolve(self, chrom: str) -> str | None:
        """The genome's own name for ``chrom`` (exact, or matching with/without ``chr``), or None."""
        if chrom in self.lengths:
            return chrom
        return self._by_canonical.get(canonical_chrom(chrom))

    def require(self, chrom: str) -> str:
        """Like :meth:`resolve`, but an unknown chromosome is a DanqError."""
        name = self.resolve(chrom)
        if name is None:
            raise DanqError(f"{self.path}: chromosome {chrom!r} is not in the genome")
        return name

    def length(self, chrom: str) -> int:
        """Length of ``chrom`` (matched as in :meth:`resolve`)."""
        return self.lengths[self.require(chrom)]

    @property
    def chromosomes(self) -> list[str]:
        """Chromosome names in file order."""
        return list(self.lengths)

    # ----------------------------------------------------------------------------------------------
    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Upper-case sequence of ``[start, end)``, N-padded past the chromosome's ends."""
        return from_tokens(self.fetch_tokens(chrom, start, end))

    def fetch_tokens(self, chrom: str, start: int, end: int) -> np.ndarray:
        """Tokens (``uint8``, A,C,G,T,N = 0..4) of ``[start, end)``; N past either end.

        Letters other than A, C, G, T become N (IUPAC codes, gaps, anything else).
        """
        name = self.require(chrom)
        if end < start:
            raise DanqError(f"{chrom}:{start}-{end}: end is before start")
        size = self.lengths[name]
        out = np.full(end - start, N_TOKEN, dtype=np.uint8)
        lo, hi = max(start, 0), min(end, size)
        if hi > lo:
            raw = self._fasta.faidx.fetch(name, lo + 1, hi)  # pyfaidx is 1-based, inclusive
            text = str(raw).encode("ascii", errors="replace")
            out[lo - start : hi - start] = tokens_from_bytes_lenient(text)
        return out

    def chromosome_tokens(self, chrom: str) -> np.ndarray:
        """Tokens of a whole chromosome (one read; about 250 MB for human chr1)."""
        name = self.require(chrom)
        return self.fetch_tokens(name, 0, self.lengths[name])

    def padding(self, chrom: str, start: int, end: int) -> int:
        """How many positions of ``[start, end)`` lie outside the chromosome (N-padded)."""
        size = self.length(chrom)
        return max(0, -start) + max(0, end - size)

    def close(self) -> None:
        self._fasta.close()

    def __enter__(self) -> Genome:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Genome({str(self.path)!r}, {len(self.lengths)} chromosomes)"
