"""Variant windows: the reference and alternative token windows of one variant, from the genome.

* **Window convention** (DeepSEA's server, ExPecto, Selene, Kipoi): the variant's first REF base sits
  at 0-based index ``L // 2 - 1`` (499 for 1 kb). The left flank is the same in both windows.
* **Reference window**: the genome with the VCF's REF written in at that index (so a REF that does
  not match the genome is scored as the VCF states it, as Selene does; ``ref_match`` says whether it
  matched).
* **Alternative window**: left flank, then ALT, then the genome after REF, cut at ``L``: an indel keeps
  the length ``L`` by taking more (deletion) or less (insertion) right flank from the genome.
* Windows running off a chromosome end are N-padded; the ``padded`` column counts the N bases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.encoders import tokens_from_bytes
from danq.errors import DanqError
from danq.variants.reading import Variant, allele_problem


def center_index(length: int) -> int:
    """0-based index of the variant's first REF base in a window of ``length`` (499 for 1,000)."""
    return length // 2 - 1


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
    """

    def __init__(self, genome: Any, length: int) -> None:
        self.genome = genome
        self.length = int(length)
        self.center = center_index(self.length)
        if self.center < 0:
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
        room = self.length - self.center
        if len(variant.ref) > room or len(variant.alt) > room:
            return f"allele longer than the {room} bp right of the window's variant position"
        return None

    def build(self, variant: Variant) -> Windows:
        """Windows for a variant that :meth:`problem` accepted."""
        n_ref, n_alt = len(variant.ref), len(variant.alt)
        start = variant.pos - 1 - self.center
        end = start + self.length + max(0, n_ref - n_alt)
        span = self.genome.fetch_tokens(variant.chrom, start, end)
        c = self.center
        ref_tokens = _tokens(variant.ref)
        genome_ref = span[c : c + n_ref]
        ref = span[: self.length].copy()
        ref[c : c + n_ref] = ref_tokens
        alt = np.empty(self.length, dtype=np.uint8)
        alt[:c] = span[:c]
        alt[c : c + n_alt] = _tokens(variant.alt)
        rest = self.length - c - n_alt
        alt[c + n_alt :] = span[c + n_ref : c + n_ref + rest]
        return Windows(
            ref=ref,
            alt=alt,
            ref_match=bool(np.array_equal(genome_ref, ref_tokens)),
            padded=self.genome.padding(variant.chrom, start, end),
            genome_ref="".join("ACGTN"[t] for t in genome_ref),
        )
