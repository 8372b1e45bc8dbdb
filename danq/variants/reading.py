"""Reading variants: VCF / VCF.gz (cyvcf2), a simple TSV, a DataFrame or an iterable.

Every source becomes :class:`Variant` records, one per ALT allele (multi-allelic records are
split) in input order; :func:`allele_problem` says why a REF/ALT pair cannot be scored as sequence.
Parsing problems are one-line DanqErrors naming the file (and line).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.io import is_gzip, open_text, require_file
from danq.variants.vcf_check import ALLELE, MAX_POS, VcfSummary, check_vcf

PathLike = str | os.PathLike[str]

_ACGT = frozenset("ACGT")


# --------------------------------------------------------------------------------------------------
# Variants and why some are not scored
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One biallelic variant; ``pos`` is 1-based (VCF), alleles are on the + strand.

    ``strand="-"`` asks for both windows to be reverse-complemented before scoring (it matters only
    without reverse-complement averaging). ``index`` is the variant's rank in the input after
    multi-allelic records are split.
    """

    chrom: str
    pos: int
    ref: str
    alt: str
    id: str = "."
    strand: str = "+"
    index: int = 0


@dataclass(frozen=True)
class Skipped:
    """A variant that was not scored, and why."""

    variant: Variant
    reason: str


def allele_problem(ref: str, alt: str) -> str | None:
    """Why a REF/ALT pair cannot be scored as sequence (None when it can).

    Symbolic alleles (``<DEL>``), breakends, the overlapping-deletion ``*``, missing alleles,
    ``N``/IUPAC letters and ALT equal to REF are all reasons to skip.
    """
    if not alt or alt == ".":
        return "no ALT allele"
    if alt == "*":
        return "ALT '*' (allele of an overlapping deletion) is not a sequence"
    if alt.startswith("<") or "[" in alt or "]" in alt or alt.startswith(".") or alt.endswith("."):
        return f"symbolic ALT allele {alt}"
    if not ref or ref == ".":
        return "no REF allele"
    if not set(ref) <= _ACGT:
        return "REF contains N" if "N" in ref else f"REF {ref} has letters other than A, C, G, T"
    if not set(alt) <= _ACGT:
        return "ALT contains N" if "N" in alt else f"ALT {alt} has letters other than A, C, G, T"
    if alt == ref:
        return "ALT equals REF"
    return None


# --------------------------------------------------------------------------------------------------
# Reading variants: VCF / VCF.gz (cyvcf2) or TSV
# --------------------------------------------------------------------------------------------------


def _first_bytes(path: Path, n: int = 64) -> bytes:
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as handle:  # type: ignore[operator]
            return handle.read(n)
    except (OSError, EOFError) as exc:
        raise DanqError(f"{path}: cannot read the variants file ({exc})") from None


def is_vcf(path: PathLike) -> bool:
    """True when the file (plain or gzip) starts with a VCF ``##fileformat=VCF`` line."""
    return _first_bytes(Path(path)).startswith(b"##fileformat=VCF")


VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".vcf.bgzf")
# a VCF's meta line or #CHROM line (a TSV's own header is #chrom/chrom, pos, ref, alt)
_LOOKS_VCF = re.compile(rb"##[A-Za-z]+=|#CHROM\s+POS\s+ID\s")

def check_variants_file(path: PathLike) -> tuple[str, int, tuple[str, ...]]:
    """Check a variants file (VCF text before cyvcf2 sees it, see
    :mod:`danq.variants.vcf_check`; TSV rows); return its format (``vcf``/``tsv``), number of
    records and the VCF's declared contigs.

    A VCF by content starts with ``##fileformat=VCF``; a file that looks like a VCF otherwise (a
    ``.vcf`` name, a ``##`` or ``#CHROM`` first line) is refused rather than read as a TSV with
    shifted columns, and a file with no variant is refused. Problems are one-line DanqErrors
    naming the file (and line).
    """
    p = require_file(path, "variants file")
    first = _first_bytes(p)
    if first.startswith((b"BCF\x02", b"BCF\x04")):
        raise DanqError(f"{p}: a BCF file; danq reads VCF text (bcftools view -Oz -o x.vcf.gz {p})")
    if not first:
        raise DanqError(f"{p}: the variants file is empty (no variants)")
    name = p.name.lower()
    if (first.startswith(b"##fileformat=VCF") or _LOOKS_VCF.match(first)
            or name.endswith(VCF_SUFFIXES)):
        summary: VcfSummary = check_vcf(p)  # raises at line 1 when ##fileformat is missing
        if not summary.n_records:
            raise DanqError(f"{p}: no variants (the VCF has a header but no records)")
        return "vcf", summary.n_records, summary.contigs
    n = sum(1 for _ in _tsv_rows(p))
    if not n:
        raise DanqError(f"{p}: no variants (no data line in the TSV)")
    return "tsv", n, ()


def _quiet_htslib() -> None:
    """Silence htslib's own stderr lines (danq reports problems itself, in one line)."""
    with contextlib.suppress(Exception):
        import ctypes

        from cyvcf2 import cyvcf2 as _module

        ctypes.CDLL(_module.__file__).hts_set_log_level(0)


def vcf_contigs(path: PathLike) -> list[str]:
    """Contig names declared in a VCF's header (empty when it declares none, or for a TSV)."""
    path = require_file(path, "variants file")
    return list(check_vcf(path, records=False).contigs) if is_vcf(path) else []


def _split_alts(chrom: str, pos: int, vid: str, ref: str, alts: Sequence[str], strand: str,
                counter: list[int]) -> Iterator[Variant]:
    """One :class:`Variant` per ALT allele (multi-allelic records are split)."""
    for alt in alts or [""]:
        yield Variant(chrom, pos, ref.upper(), alt.upper() if not alt.startswith("<") else alt,
                      vid or ".", strand, counter[0])
        counter[0] += 1


def _read_vcf(path: Path) -> Iterator[Variant]:
    """Records of a VCF checked by :func:`check_variants_file` (htslib crashes on malformed
    text); samples are not parsed (``samples=[]``), POS comes from the 64-bit ``start``."""
    import cyvcf2

    _quiet_htslib()
    try:
        reader = cyvcf2.VCF(str(path), lazy=True, samples=[])
    except Exception as exc:  # htslib's refusal of the header: OSError or a bare Exception
        raise DanqError(f"{path}: not a readable VCF ({' '.join(str(exc).split())})") from None
    counter = [0]
    n_records = 0
    try:
        iterator = iter(reader)
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # htslib's parse failure
                detail = " ".join(str(exc).split())
                detail = detail.split("]", 1)[-1].strip() if "[E::" in detail else detail
                raise DanqError(
                    f"{path}: malformed VCF record after {n_records} good records: {detail}"
                ) from None
            n_records += 1
            yield from _split_alts(record.CHROM, int(record.start) + 1, record.ID or ".",
                                   record.REF or "", list(record.ALT), "+", counter)
    finally:
        reader.close()


_TSV_HEADER_NAMES = {"chrom", "#chrom", "chr", "chromosome", "#chr"}


_TSV_REF = re.compile(r"[A-Za-z]+|[.-]")
_TSV_ALT = re.compile(r"(?:{0}|-)(?:,(?:{0}|-))*".format(ALLELE.decode()))
_TSV_COLUMNS = "chrom, pos, ref, alt[, id][, strand]"


def _tsv_rows(path: Path) -> Iterator[tuple[str, int, str, str, str, str]]:
    """``(chrom, pos, ref, alt, id, strand)`` per data row of a variants TSV, checked: ``#``
    lines and a ``chrom`` header skipped; a bad row is a one-line ``<file>:<line>:`` DanqError."""
    try:
        with open_text(path) as handle:
            for lineno, line in enumerate(handle, start=1):
                row = _tsv_row(path, lineno, line)
                if row is not None:
                    yield row
    except (EOFError, OSError, zlib.error) as exc:
        what = ("the gzip file is truncated" if isinstance(exc, EOFError)
                else f"cannot read it ({' '.join(str(exc).split())})")
        raise DanqError(f"{path}: {what}") from None


def _tsv_row(path: Path, lineno: int, line: str) -> tuple[str, int, str, str, str, str] | None:
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    fields = line.split("\t")
    if fields[0].lower() in _TSV_HEADER_NAMES or line.startswith("#"):
        return None
    if "\x00" in line:
        raise DanqError(f"{path}:{lineno}: holds a NUL byte (a binary file, not a variants TSV)")
    if len(fields) < 4:
        raise DanqError(
            f"{path}:{lineno}: expected tab-separated {_TSV_COLUMNS}; got {len(fields)} field(s)"
        )
    if len(fields) > 6:
        raise DanqError(
            f"{path}:{lineno}: {len(fields)} tab-separated fields; a variants TSV has "
            f"{_TSV_COLUMNS} (a VCF needs its ##fileformat and #CHROM header lines)"
        )
    chrom, pos_text, ref, alt = (f.strip() for f in fields[:4])
    try:
        pos = int(pos_text)
    except ValueError:
        raise DanqError(f"{path}:{lineno}: position {pos_text!r} is not an integer") from None
    if not 1 <= pos <= MAX_POS:
        raise DanqError(f"{path}:{lineno}: position {pos_text} is not between 1 and {MAX_POS:,}")
    if not chrom:
        raise DanqError(f"{path}:{lineno}: the chromosome is empty")
    if not _TSV_REF.fullmatch(ref):
        raise DanqError(f"{path}:{lineno}: REF {ref[:40]!r} is not a sequence of bases "
                        f"(columns: {_TSV_COLUMNS})")
    if not _TSV_ALT.fullmatch(alt):
        raise DanqError(f"{path}:{lineno}: ALT {alt[:40]!r} is not a list of alleles "
                        f"(columns: {_TSV_COLUMNS})")
    vid = fields[4].strip() if len(fields) > 4 and fields[4].strip() else "."
    strand = fields[5].strip() if len(fields) > 5 and fields[5].strip() else "+"
    if strand not in ("+", "-", "."):
        raise DanqError(f"{path}:{lineno}: strand {strand!r} is not +, - or .")
    return chrom, pos, ref, alt, vid, strand.replace(".", "+")


def _read_tsv(path: Path) -> Iterator[Variant]:
    """``chrom, pos, ref, alt[, id][, strand]`` rows; ``#`` lines and a ``chrom`` header skipped."""
    counter = [0]
    for chrom, pos, ref, alt, vid, strand in _tsv_rows(path):
        yield from _split_alts(chrom, pos, vid, ref, alt.split(","), strand, counter)


def read_variants(path: PathLike, *, checked: str | None = None) -> Iterator[Variant]:
    """Variants of a VCF/VCF.gz (by content) or a TSV, one per ALT allele, in input order.

    The file is checked first, eagerly (:func:`check_variants_file`): a malformed or empty file
    is a one-line DanqError here, before any variant is read. ``checked`` (``vcf``/``tsv``, what
    that check returned) says it was just checked: the file is then read without a second pass.
    """
    p = require_file(path, "variants file")
    kind = checked or check_variants_file(p)[0]
    return _read_vcf(p) if kind == "vcf" else _read_tsv(p)


def variants_from(source: Any) -> Iterator[Variant]:
    """Variants from a path, a DataFrame (chrom, pos, ref, alt[, id][, strand]) or an iterable.

    An iterable may hold :class:`Variant` objects or ``(chrom, pos, ref, alt[, id])`` tuples.
    """
    if isinstance(source, (str, os.PathLike)):
        yield from read_variants(source)
        return
    counter = [0]
    if hasattr(source, "itertuples") and hasattr(source, "columns"):
        missing = {"chrom", "pos", "ref", "alt"} - set(source.columns)
        if missing:
            raise DanqError(f"variants table lacks column(s): {', '.join(sorted(missing))}")
        for row in source.itertuples(index=False):
            row_dict = row._asdict()
            yield from _split_alts(
                str(row_dict["chrom"]), int(row_dict["pos"]), str(row_dict.get("id", ".") or "."),
                str(row_dict["ref"]), str(row_dict["alt"]).split(","),
                str(row_dict.get("strand", "+") or "+"), counter,
            )
        return
    for item in source:
        if isinstance(item, Variant):
            yield Variant(item.chrom, item.pos, item.ref, item.alt, item.id, item.strand, counter[0])
            counter[0] += 1
        else:
            chrom, pos, ref, alt, *rest = item
            vid = str(rest[0]) if rest else "."
            yield from _split_alts(str(chrom), int(pos), vid, str(ref), str(alt).split(","), "+",
                                   counter)

