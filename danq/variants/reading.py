"""Reading variants: VCF / VCF.gz (cyvcf2), a simple TSV, a DataFrame or an iterable.

Every source becomes :class:`Variant` records, one per ALT allele (multi-allelic records are
split) in input order; :func:`allele_problem` says why a REF/ALT pair cannot be scored as sequence.
Parsing problems are one-line DanqErrors naming the file (and line).
"""

from __future__ import annotations

import contextlib
import gzip
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.io import is_gzip, open_text, require_file

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


def _quiet_htslib() -> None:
    """Silence htslib's own stderr lines (danq reports problems itself, in one line)."""
    with contextlib.suppress(Exception):
        import ctypes

        from cyvcf2 import cyvcf2 as _module

        ctypes.CDLL(_module.__file__).hts_set_log_level(0)


def vcf_contigs(path: PathLike) -> list[str]:
    """Contig names declared in a VCF's header (empty when it declares none, or for a TSV)."""
    path = Path(path)
    if not is_vcf(path):
        return []
    import cyvcf2

    _quiet_htslib()
    try:
        reader = cyvcf2.VCF(str(path), lazy=True)
    except OSError as exc:
        raise DanqError(f"{path}: not a readable VCF ({exc})") from None
    try:
        return list(reader.seqnames)
    finally:
        reader.close()


def _split_alts(chrom: str, pos: int, vid: str, ref: str, alts: Sequence[str], strand: str,
                counter: list[int]) -> Iterator[Variant]:
    """One :class:`Variant` per ALT allele (multi-allelic records are split)."""
    for alt in alts or [""]:
        yield Variant(chrom, pos, ref.upper(), alt.upper() if not alt.startswith("<") else alt,
                      vid or ".", strand, counter[0])
        counter[0] += 1


def _read_vcf(path: Path) -> Iterator[Variant]:
    import cyvcf2

    _quiet_htslib()
    try:
        reader = cyvcf2.VCF(str(path), lazy=True)
    except OSError as exc:
        raise DanqError(f"{path}: not a readable VCF ({exc})") from None
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
            yield from _split_alts(record.CHROM, int(record.POS), record.ID or ".",
                                   record.REF or "", list(record.ALT), "+", counter)
    finally:
        reader.close()


_TSV_HEADER_NAMES = {"chrom", "#chrom", "chr", "chromosome", "#chr"}


def _read_tsv(path: Path) -> Iterator[Variant]:
    """``chrom, pos, ref, alt[, id][, strand]`` rows; ``#`` lines and a ``chrom`` header skipped."""
    counter = [0]
    with open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            if fields[0].lower() in _TSV_HEADER_NAMES:
                continue
            if line.startswith("#"):
                continue
            if len(fields) < 4:
                raise DanqError(
                    f"{path}:{lineno}: expected tab-separated chrom, pos, ref, alt[, id][, strand]; "
                    f"got {len(fields)} field(s)"
                )
            chrom, pos_text, ref, alt = (f.strip() for f in fields[:4])
            try:
                pos = int(pos_text)
            except ValueError:
                raise DanqError(f"{path}:{lineno}: position {pos_text!r} is not an integer") from None
            vid = fields[4].strip() if len(fields) > 4 and fields[4].strip() else "."
            strand = fields[5].strip() if len(fields) > 5 and fields[5].strip() else "+"
            if strand not in ("+", "-", "."):
                raise DanqError(f"{path}:{lineno}: strand {strand!r} is not +, - or .")
            yield from _split_alts(chrom, pos, vid, ref, alt.split(","), strand.replace(".", "+"),
                                   counter)


def read_variants(path: PathLike) -> Iterator[Variant]:
    """Variants of a VCF/VCF.gz (by content) or a TSV, one per ALT allele, in input order."""
    p = require_file(path, "variants file")
    return _read_vcf(p) if is_vcf(p) else _read_tsv(p)


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

