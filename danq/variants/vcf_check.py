"""Checking a VCF's text before cyvcf2 (htslib) reads it.

htslib trusts its input: a record with 3 columns or a malformed first record crashes the process
(a segmentation fault), a position of ``-5`` ends the file silently, a 4-column record reads as a
variant with no ALT, ``4294967497`` wraps to ``201`` in cyvcf2's ``POS``. So every VCF is streamed
once (plain or gzip/bgzip; a truncated ``.gz`` is an error) and checked first:

* the header: ``##fileformat=VCF...`` on the first line, ``##`` meta lines, then a tab-separated
  ``#CHROM POS ID REF ALT QUAL FILTER INFO [FORMAT sample...]`` line;
* every record: the header's number of tab-separated columns, POS a positive integer no larger
  than :data:`MAX_POS`, REF bases, ALT alleles (bases, ``*``, ``.``, ``<ID>``, breakends), QUAL a
  number or ``.``, FILTER names and INFO keys htslib accepts; no blank line (htslib crashes on
  one after the last record, stops reading at one before it), no NUL byte.

The records are checked by one compiled pattern per chunk of text (no Python work per record
unless one is bad, which is then described in words): a malformed VCF is a one-line
``<file>: line <n>: <problem>`` DanqError before htslib sees it.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from danq.errors import DanqError

MAX_POS = 2**31 - 1
"""The largest POS: VCF's Integer is a 32-bit signed integer (and cyvcf2's ``POS`` wraps above)."""

FIXED_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")

_CHUNK = 1 << 22  # bytes of text checked per pattern search

_FIELD = rb"[^\t\n\r\x00]"
ALLELE = (rb"(?:[A-Za-z*]+|\.|\.[A-Za-z]+|[A-Za-z]+\.|<[^\t\n\r\x00<>,]+>"
           rb"|[A-Za-z]*[\[\]][^\t\n\r\x00\[\],]+[\[\]][A-Za-z]*)")
_QUAL = rb"(?:\.|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:inf|infinity|nan))"
# htslib refuses , < > in names (CHROM, FILTER, INFO keys), and " [ or a space at their start
_NAME = rb'[^\t\n\r\x00,<>"\[ ;=][^\t\n\r\x00,<> ;=]*'
_CHROM = rb'[^\t\n\r\x00,<>"\[ #][^\t\n\r\x00,<> ]*'
_FILTER = rb"(?:\.|" + _NAME + rb"(?:;" + _NAME + rb")*)"
_INFO_ITEM = rb"(?:" + _NAME + rb"(?:=[^\t\n\r\x00;]*)?|=[^\t\n\r\x00;]*)?"
_INFO = rb"(?=[^\t\n\r\x00])" + _INFO_ITEM + rb"(?:;" + _INFO_ITEM + rb")*"
_POS = rb"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}" \
       rb"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"


def _record_pattern(n_columns: int) -> re.Pattern[bytes]:
    """A pattern matching the start of every line that is NOT a valid record of ``n_columns``."""
    record = (
        _CHROM + rb"\t" + _POS + rb"\t" + _FIELD + rb"+\t[A-Za-z]+\t"
        + ALLELE + rb"(?:," + ALLELE + rb")*\t" + _QUAL + rb"\t" + _FILTER + rb"\t" + _INFO
        + rb"(?:\t" + _FIELD + rb"*){" + str(n_columns - 8).encode() + rb"}\r?"
    )
    return re.compile(rb"^(?!" + record + rb"$)", re.MULTILINE)


@dataclass(frozen=True)
class VcfSummary:
    """What checking a VCF found: its column count, declared contigs and number of records."""

    n_columns: int
    contigs: tuple[str, ...]
    n_records: int


def _chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes (gunzipped when it is gzip/bgzip), chunk by chunk."""
    with open(path, "rb") as raw:
        packed = raw.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if packed else open(path, "rb")) as handle:
            while True:
                chunk = handle.read(_CHUNK)
                if not chunk:
                    return
                yield chunk
    except EOFError:
        raise DanqError(f"{path}: the gzip file is truncated (it ends before its last "
                        "compressed block is complete)") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise DanqError(f"{path}: not a readable gzip file ({exc})") from None
    except OSError as exc:
        raise DanqError(f"{path}: cannot read the VCF ({exc.strerror or exc})") from None


def _lines(path: Path) -> Iterator[tuple[int, bytes, bytes]]:
    """``(number of complete lines before, block of complete lines, "")`` per chunk, and at the
    end the unterminated last line as ``(n, b"", tail)``."""
    done = 0
    carry = b""
    for chunk in _chunks(path):
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        block, carry = data[: cut + 1], data[cut + 1 :]
        yield done, block, b""
        done += block.count(b"\n")
    if carry:
        yield done, b"", carry


def _text(value: bytes, limit: int = 40) -> str:
    text = value.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _describe_record(line: bytes, n_columns: int) -> str:
    """In words, why ``line`` is not a valid record of ``n_columns`` columns."""
    line = line.removesuffix(b"\r")
    if b"\x00" in line:
        return "a NUL byte (a binary file, not VCF text)"
    if not line.strip():
        return "a blank line (htslib cannot read one in a VCF; remove it)"
    if line.startswith(b"#"):
        return "a header line after the records (header lines come before #CHROM)"
    fields = line.split(b"\t")
    if len(fields) != n_columns:
        spaced = " (space-separated? VCF columns are separated by tabs)" if (
            len(fields) < 8 and b" " in line) else ""
        return (f"{len(fields)} tab-separated column(s), the header's #CHROM line has "
                f"{n_columns}{spaced}")
    for name, value in zip(FIXED_COLUMNS, fields[:8], strict=True):
        if not value:
            return f"{name.lstrip('#')} is empty (write . for a missing value)"
    chrom, pos, _, ref, alt, qual = fields[:6]
    if not re.fullmatch(_CHROM, chrom):
        return (f"CHROM {_text(chrom)} is not a chromosome name (no space, comma or <>, not "
                "starting with # \" or [)")
    if not re.fullmatch(rb"\d+", pos) or int(pos) < 1:
        return f"POS {_text(pos)} is not a positive integer"
    if int(pos) > MAX_POS:
        return f"POS {int(pos):,} is beyond {MAX_POS:,}, the largest VCF position"
    if not re.fullmatch(rb"[A-Za-z]+", ref):
        return f"REF {_text(ref)} is not a sequence of bases"
    for allele in alt.split(b","):
        if not re.fullmatch(ALLELE, allele):
            return f"ALT {_text(alt)} is not a list of alleles (allele {_text(allele)})"
    if not re.fullmatch(_QUAL, qual):
        return f"QUAL {_text(qual)} is not a number or ."
    if not re.fullmatch(_FILTER, fields[6]):
        return (f"FILTER {_text(fields[6])} is not . or ;-separated filter names (no space, "
                "comma or <>)")
    if not re.fullmatch(_INFO, fields[7]):
        return (f"INFO {_text(fields[7])} is not . or ;-separated KEY=value items (keys with no "
                "space, comma or <>)")
    return "holds a character VCF does not allow there (a stray carriage return?)"


def _check_header_line(path: Path, number: int, line: bytes) -> int:
    """Check the ``#CHROM`` line; return its column count."""
    fields = line.rstrip(b"\r").split(b"\t")
    if len(fields) < 8:
        spaced = " (space-separated? VCF columns are separated by tabs)" if b" " in line else ""
        raise DanqError(f"{path}: line {number}: the #CHROM line has {len(fields)} tab-separated "
                        f"column(s), a VCF has at least 8{spaced}")
    got = tuple(f.decode("utf-8", "replace") for f in fields[:8])
    if got != FIXED_COLUMNS:
        raise DanqError(f"{path}: line {number}: the #CHROM line's columns are "
                        f"{' '.join(got)}, expected {' '.join(FIXED_COLUMNS)}")
    if len(fields) > 8:
        if fields[8] != b"FORMAT":
            raise DanqError(f"{path}: line {number}: column 9 of the #CHROM line is "
                            f"{_text(fields[8])}, expected FORMAT (then one column per sample)")
        samples = fields[9:]
        if not samples:
            raise DanqError(f"{path}: line {number}: the #CHROM line has FORMAT but no sample "
                            "column")
        if any(not s for s in samples):
            raise DanqError(f"{path}: line {number}: a sample name is empty")
        if len(set(samples)) != len(samples):
            raise DanqError(f"{path}: line {number}: a sample name is repeated")
    return len(fields)


_CONTIG = re.compile(rb"##contig=<(?:[^>]*?,)?ID=([^,>]+)")


def check_vcf(path: str | os.PathLike[str], *, records: bool = True) -> VcfSummary:
    """Check a VCF's text (see the module's docstring); a problem is a one-line DanqError naming
    the file and line. Returns the column count, the declared contigs and the number of records
    (``records=False``: the header only, ``n_records`` 0).
    """
    path = Path(path)
    header: int | None = None  # the #CHROM line's column count, once seen
    pattern: re.Pattern[bytes] | None = None
    contigs: list[str] = []
    n_records = 0
    for before, block, tail in _lines(path):
        lines_of = block if block else tail + b"\n"
        start = 0
        number = before
        if header is None:
            # header lines, one by one (a header is short), until #CHROM
            for line in lines_of[:-1].split(b"\n"):
                number += 1
                start += len(line) + 1
                if number == 1 and not line.startswith(b"##fileformat=VCF"):
                    bom = (" (it starts with a UTF-8 byte-order mark: save it without one)"
                           if line.startswith(b"\xef\xbb\xbf") else "")
                    raise DanqError(f"{path}: line 1: not a VCF (its first line must be "
                                    f"##fileformat=VCFv4.x){bom}")
                if b"\x00" in line:
                    raise DanqError(f"{path}: line {number}: holds a NUL byte (a binary file, "
                                    "not VCF text)")
                if line.startswith(b"##"):  # htslib reads even odd meta lines safely
                    found = _CONTIG.match(line)
                    if found:
                        contigs.append(found.group(1).decode("utf-8", "replace"))
                    continue
                if line.startswith(b"#CHROM"):
                    header = _check_header_line(path, number, line)
                    pattern = _record_pattern(header)
                    break
                what = ("a record before the #CHROM line" if not line.startswith(b"#")
                        else f"header line {_text(line)} is neither ## nor #CHROM")
                raise DanqError(f"{path}: line {number}: {what} (a VCF's header ends with the "
                                "tab-separated #CHROM POS ID REF ALT QUAL FILTER INFO line)")
            if header is None:
                continue
            if not records:
                return VcfSummary(header, tuple(contigs), 0)
        assert pattern is not None
        body = lines_of[start:]
        if not body:
            continue
        text = body[:-1]  # no final newline: the pattern would see an empty last line
        bad = pattern.search(text)
        if bad is not None:
            where = bad.start()
            end = text.find(b"\n", where)
            line = text[where:] if end < 0 else text[where:end]
            line_number = number + text.count(b"\n", 0, where) + 1
            raise DanqError(f"{path}: line {line_number}: malformed VCF record: "
                            f"{_describe_record(line, header)}")
        n_records += text.count(b"\n") + 1
    if header is None:
        raise DanqError(f"{path}: no #CHROM header line (a VCF's header ends with the "
                        "tab-separated #CHROM POS ID REF ALT QUAL FILTER INFO line)")
    return VcfSummary(header, tuple(contigs), n_records)
