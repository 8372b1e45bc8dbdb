"""Chromosome splits: ``--valid`` / ``--test`` chromosomes or regions, and each window's split.

``valid`` and ``test`` are lists of whole chromosomes (``chr8``) or regions (``chr7:30508751-35296850``,
1-based inclusive like samtools, i.e. 0-based ``[30508750, 35296850)``); DeepSEA's are the defaults. A
window belongs to a region only when it lies entirely inside it; a window that straddles a region's edge
gets the code ``STRADDLE`` (and is dropped), so no base of one split's windows is seen by another split.
Everything else is training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from danq.errors import DanqError
from danq.sequence.genome import canonical_chrom

SPLITS = ("train", "valid", "test")
SPLIT_CODE = {name: code for code, name in enumerate(SPLITS)}
STRADDLE = -1  # split code of a window that crosses a split region's edge
DEEPSEA_VALID = "chr7:30508751-35296850"
DEEPSEA_TEST = "chr8,chr9"


@dataclass(frozen=True)
class Locus:
    """A whole chromosome (``start is None``) or a 0-based half-open region of one."""

    chrom: str  # canonical name (no chr)
    start: int | None = None
    end: int | None = None
    text: str = ""


def parse_loci(text: str, option: str) -> list[Locus]:
    """Parse ``chr8,chr9`` / ``chr7:30508751-35296850`` (1-based inclusive; ``_`` may group digits,
    commas may not, since they separate the loci)."""
    loci: list[Locus] = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        if ":" not in item:
            loci.append(Locus(canonical_chrom(item), text=item))
            continue
        chrom, _, span = item.rpartition(":")
        lo, sep, hi = span.replace("_", "").partition("-")
        if not sep or not lo.isdigit() or not hi.isdigit() or int(lo) < 1 or int(hi) < int(lo):
            raise DanqError(f"{option}: {item!r} is not a chromosome or a region like chr7:1001-2000")
        loci.append(Locus(canonical_chrom(chrom), int(lo) - 1, int(hi), item))
    return loci


def split_loci(valid: str, test: str) -> list[tuple[int, Locus]]:
    """The ``--valid`` and ``--test`` loci with their split codes; overlapping loci are an error."""
    loci = [(SPLIT_CODE["valid"], locus) for locus in parse_loci(valid, "--valid")]
    loci += [(SPLIT_CODE["test"], locus) for locus in parse_loci(test, "--test")]
    for i, (code_a, a) in enumerate(loci):
        for code_b, b in loci[i + 1 :]:
            if a.chrom != b.chrom:
                continue
            a_lo, a_hi = (a.start or 0, a.end if a.end is not None else 1 << 62)
            b_lo, b_hi = (b.start or 0, b.end if b.end is not None else 1 << 62)
            if a_lo < b_hi and b_lo < a_hi:
                where = "both --valid and --test" if code_a != code_b else "twice"
                raise DanqError(f"{a.text} and {b.text} overlap: a locus is in {where}")
    return loci


def window_splits(
    chrom: str, starts: np.ndarray, ends: np.ndarray, loci: Sequence[tuple[int, Locus]]
) -> np.ndarray:
    """Split code (0 train, 1 valid, 2 test, -1 straddles a region edge) of each window."""
    canonical = canonical_chrom(chrom)
    codes = np.zeros(len(starts), dtype=np.int8)
    for code, locus in loci:
        if locus.chrom != canonical:
            continue
        if locus.start is None:
            codes[:] = code
            continue
        inside = (starts >= locus.start) & (ends <= locus.end)
        touches = (starts < locus.end) & (ends > locus.start)
        codes[inside] = code
        codes[touches & ~inside] = STRADDLE
    return codes
