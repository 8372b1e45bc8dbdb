"""Variant windows: the reference and alternative token windows of one variant, from the genome.

Two conventions place a variant in a window of the model's length ``L`` (``--window``):

* ``centered`` (default; Selene 0.6's placement): REF is centred, its first base at 0-based
  index ``(L - 1) // 2 - len(REF) // 2`` (499 for a 1 kb SNV). An insertion's alternative window is
  ``left flank + ALT + right flank`` trimmed back to ``L`` on both sides (``(len(ALT) - len(REF))
  // 2`` bases from the left, the rest from the right); a deletion's is filled from both flanks,
  ALT centred at ``(L - 1) // 2 - len(ALT) // 2``. Same windows as Selene's
  ``variant_effect_prediction`` for SNVs, MNVs and insertions.
* ``selene`` reproduces Selene 0.6's deletion windows exactly, for like-for-like comparison: its
  left flank runs through the genome base *after* the variant's first REF base and its right flank
  resumes two bases later than the deletion ends (Selene fetches ``[.., pos + 1)`` and
  ``[pos + 1 + len(REF), ..)`` with the 1-based ``pos`` as a 0-based coordinate). Every other
  variant gets the ``centered`` windows.
* ``left`` (danq's earlier convention): the first REF base at ``L // 2 - 1`` whatever its length, the left
  flank shared by both windows, an indel's right flank taken longer (deletion) or shorter
  (insertion) to keep ``L``. The left flank never moves, so only bases right of the variant shift.

For SNVs all three agree when ``L`` is even. The reference window is always the genome with the
VCF's REF written in (a REF that does not match the genome is scored as the VCF states it, as
Selene does; ``ref_match`` says whether it matched). Windows running off a chromosome end are
N-padded; the ``padded`` column counts the N bases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.encoders import tokens_from_bytes
from danq.errors import DanqError
from danq.variants.reading import Variant, allele_problem

WINDOW_CONVENTIONS = ("centered", "selene", "left")
DEFAULT_WINDOW = "centered"


def center_index(length: int) -> int:
    """0-based index of a 1 bp REF in a ``centered`` window of ``length`` (499 for 1,000)."""
    return (length - 1) // 2


def ref_start(length: int, n_ref: int, convention: str = DEFAULT_WINDOW) -> int:
    """0-based window index of the first REF base under ``convention``."""
    if convention == "left":
        return length // 2 - 1
    return center_index(length) - n_ref // 2


def check_convention(convention: str) -> str:
    """``convention`` if known, else a DanqError naming the choices."""
    if convention not in WINDOW_CONVENTIONS:
        raise DanqError(f"--window {convention}: expected one of {', '.join(WINDOW_CONVENTIONS)}")
    return convention


def _tokens(allele: str) -> np.ndarray:
    return tokens_from_bytes(allele.encode("ascii"))


@dataclass
class Windows:
    """The reference and alternative windows of one variant."""

    ref: np.ndarray  # (L,) uint8
    alt: np.ndarray  # (L,) uint8
    ref_match: bool
    padded: int  # N bases added past a chromosome end
    genome_ref: str  # the genome's bases where the VCF says REF


class WindowBuilder:
    """Build reference/alternative token windows of one length from a genome.

    Parameters
    ----------
    genome
        A :class:`danq.sequence.genome.Genome`.
    length
        The model's input length ``L``.
    convention
        One of :data:`WINDOW_CONVENTIONS` (see the module docstring).
    """

    def __init__(self, genome: Any, length: int, convention: str = DEFAULT_WINDOW) -> None:
        self.genome = genome
        self.length = int(length)
        self.convention = check_convention(convention)
        if self.length < 2:
            raise DanqError(f"model input length {length} is too short for variant windows")

    def problem(self, variant: Variant) -> str | None:
        """Why this variant cannot be placed in a window (None when it can)."""
        reason = allele_problem(variant.ref, variant.alt)
        if reason:
            return reason
        name = self.genome.resolve(variant.chrom)
        if name is None:
            return f"unknown chromosome {variant.chrom}"
        size = self.genome.lengths[name]
        if size < self.length:
            return (f"chromosome {variant.chrom} ({size} bp) is shorter than the model's input "
                    f"({self.length} bp)")
        if variant.pos < 1 or variant.pos - 1 + len(variant.ref) > size:
            return f"position outside chromosome {variant.chrom} ({size} bp)"
        n_ref, n_alt = len(variant.ref), len(variant.alt)
        if self.convention == "left":
            room = self.length - ref_start(self.length, n_ref, "left")
            if n_ref > room or n_alt > room:
                return f"allele longer than the {room} bp right of the window's variant position"
        elif max(n_ref, n_alt) > self.length // 2:
            return f"allele longer than half the model's input ({self.length // 2} bp)"
        return None

    def _fetch(self, chrom: str, start: int, end: int) -> tuple[np.ndarray, int]:
        return (self.genome.fetch_tokens(chrom, start, end),
                self.genome.padding(chrom, start, end))

    def build(self, variant: Variant) -> Windows:
        """Windows for a variant that :meth:`problem` accepted."""
        n_ref, n_alt, length = len(variant.ref), len(variant.alt), self.length
        c = ref_start(length, n_ref, self.convention)
        first = variant.pos - 1  # 0-based genome position of the first REF base
        start = first - c
        ref_tokens, alt_tokens = _tokens(variant.ref), _tokens(variant.alt)
        if self.convention == "left" or n_alt >= n_ref:
            # one span covers both windows: left flank, REF, and the right flank a deletion needs
            extra = max(0, n_ref - n_alt) if self.convention == "left" else 0
            span, padded = self._fetch(variant.chrom, start, start + length + extra)
            genome_ref = span[c : c + n_ref]
            if self.convention == "left":
                alt = np.concatenate([span[:c], alt_tokens, span[c + n_ref :]])[:length]
            else:  # substitution, or an insertion trimmed on both sides
                joined = np.concatenate([span[:c], alt_tokens, span[c + n_ref : length]])
                trim = (n_alt - n_ref) // 2
                alt = joined[trim : trim + length]
            ref = span[:length].copy()
        else:  # deletion, centred: both flanks fetched again around the centred ALT
            ref, padded = self._fetch(variant.chrom, start, start + length)
            genome_ref = ref[c : c + n_ref].copy()
            left_len = center_index(length) - n_alt // 2
            left_end = first  # the flanks of a true deletion: genome before and after REF
            right_start = first + n_ref
            if self.convention == "selene":  # Selene 0.6's flanks, two bases to the right
                left_end, right_start = first + 2, first + n_ref + 2
                left_len += 2
            right_len = length - left_len - n_alt
            left, pad_left = self._fetch(variant.chrom, left_end - left_len, left_end)
            right, pad_right = self._fetch(variant.chrom, right_start, right_start + right_len)
            alt = np.concatenate([left, alt_tokens, right])
            padded = max(padded, pad_left + pad_right)
        ref[c : c + n_ref] = ref_tokens
        return Windows(
            ref=ref,
            alt=np.ascontiguousarray(alt, dtype=np.uint8),
            ref_match=bool(np.array_equal(genome_ref, ref_tokens)),
            padded=int(padded),
            genome_ref="".join("ACGTN"[t] for t in genome_ref),
        )
