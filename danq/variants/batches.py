"""Scoring variants in batches: the targets picked, then the model run on reference and
alternative windows together, one batch in memory at a time.

:func:`score_stream` places each variant in its windows (:mod:`danq.variants.windows`), applies the
REF-mismatch policy, and yields :class:`ScoredBatch` es of probabilities and :class:`Skipped`
rows; a :class:`Tally` counts what happened for the summary line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.variants.reading import Skipped, Variant
from danq.variants.windows import WindowBuilder, Windows

MISMATCH_POLICIES = ("warn", "skip", "error")
DEFAULT_BATCH_SIZE = 64
"""Variants per forward call: ``2 * batch`` windows, ``4 * batch`` rows with RC averaging."""


def select_targets(spec: str | Sequence[Any] | None, names: Sequence[str],
                   categories: Sequence[str]) -> np.ndarray:
    """0-based indices of the targets picked by ``spec``, in model order.

    ``spec`` is comma-separated (or a list); each item is a 0-based index, an exact target name, a
    category (every target of it), or else a regular expression searched in the names. An item that
    picks nothing is an error, so a typo never silently yields an empty output.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return np.arange(len(names))
    items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, (int, np.integer)) or (isinstance(item, str) and item.isdigit()):
            index = int(item)
            if not 0 <= index < len(names):
                raise DanqError(f"--targets: index {index} is outside 0..{len(names) - 1}")
            chosen.add(index)
            continue
        item = str(item)
        if not item:
            continue
        exact = [i for i, n in enumerate(names) if n == item]
        if not exact:
            exact = [i for i, c in enumerate(categories) if c == item]
        if not exact:
            try:
                pattern = re.compile(item)
            except re.error as exc:
                raise DanqError(f"--targets: {item!r} is no target, category or valid regex "
                                f"({exc})") from None
            exact = [i for i, n in enumerate(names) if pattern.search(n)]
        if not exact:
            raise DanqError(f"--targets: {item!r} matches no target name or category")
        chosen.update(exact)
    return np.array(sorted(chosen), dtype=np.int64)


@dataclass
class ScoredBatch:
    """Probabilities of a batch of variants for the selected targets."""

    variants: list[Variant]
    ref_match: np.ndarray  # (B,) bool
    padded: np.ndarray  # (B,) int32
    p_ref: np.ndarray  # (B, T) float32
    p_alt: np.ndarray  # (B, T) float32


@dataclass
class Tally:
    """Counts gathered while scoring, for the summary line and the no-common-chromosome check."""

    n_input: int = 0
    n_scored: int = 0
    n_skipped: int = 0
    n_mismatch: int = 0
    n_padded: int = 0
    n_unknown_chrom: int = 0
    unknown_chroms: list[str] = field(default_factory=list)


def _score_batch(predictor: Any, windows: list[Windows], variants: list[Variant],
                 target_index: np.ndarray) -> ScoredBatch:
    b = len(windows)
    tokens = np.empty((2 * b, len(windows[0].ref)), dtype=np.uint8)
    for i, w in enumerate(windows):
        tokens[i] = w.ref
        tokens[b + i] = w.alt
    minus = np.array([v.strand == "-" for v in variants])
    if minus.any():
        both = np.concatenate([minus, minus])
        tokens[both] = reverse_complement_tokens(tokens[both])
    probs = predictor.from_tokens(tokens)  # ref and alt windows of the batch in one call
    probs = probs[:, target_index] if len(target_index) != probs.shape[1] else probs
    return ScoredBatch(
        variants=variants,
        ref_match=np.array([w.ref_match for w in windows], dtype=bool),
        padded=np.array([w.padded for w in windows], dtype=np.int32),
        p_ref=np.ascontiguousarray(probs[:b], dtype=np.float32),
        p_alt=np.ascontiguousarray(probs[b:], dtype=np.float32),
    )


def score_stream(
    predictor: Any,
    genome: Any,
    variants: Iterable[Variant],
    *,
    target_index: np.ndarray,
    ref_mismatch: str = "warn",
    batch_size: int = DEFAULT_BATCH_SIZE,
    tally: Tally | None = None,
    where: str = "variants",
) -> Iterator[ScoredBatch | Skipped]:
    """Score variants batch by batch; yield :class:`ScoredBatch` es and :class:`Skipped` rows.

    Memory holds one batch of windows at a time, whatever the number of variants.
    """
    if ref_mismatch not in MISMATCH_POLICIES:
        raise DanqError(f"--ref-mismatch {ref_mismatch}: expected one of "
                        f"{', '.join(MISMATCH_POLICIES)}")
    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    tally = tally if tally is not None else Tally()
    builder = WindowBuilder(genome, predictor.sequence_length)
    windows: list[Windows] = []
    batch: list[Variant] = []
    for variant in variants:
        tally.n_input += 1
        reason = builder.problem(variant)
        if reason is None:
            w = builder.build(variant)
            if not w.ref_match:
                tally.n_mismatch += 1
                detail = f"REF {variant.ref} does not match the genome ({w.genome_ref})"
                if ref_mismatch == "error":
                    raise DanqError(f"{where}: {variant.chrom}:{variant.pos}: {detail} "
                                    "(--ref-mismatch error)")
                if ref_mismatch == "skip":
                    reason = detail
        elif reason.startswith("unknown chromosome"):
            tally.n_unknown_chrom += 1
            if variant.chrom not in tally.unknown_chroms and len(tally.unknown_chroms) < 5:
                tally.unknown_chroms.append(variant.chrom)
        if reason is not None:
            tally.n_skipped += 1
            yield Skipped(variant, reason)
            continue
        tally.n_padded += int(w.padded > 0)
        windows.append(w)
        batch.append(variant)
        if len(batch) == batch_size:
            tally.n_scored += len(batch)
            yield _score_batch(predictor, windows, batch, target_index)
            windows, batch = [], []
    if batch:
        tally.n_scored += len(batch)
        yield _score_batch(predictor, windows, batch, target_index)
    if tally.n_input and tally.n_unknown_chrom == tally.n_input:
        some = ", ".join(tally.unknown_chroms)
        known = ", ".join(genome.chromosomes[:5])
        raise DanqError(
            f"{where}: no chromosome in common with the genome {genome.path} "
            f"(variants on {some}; genome has {known}{', ...' if len(genome.chromosomes) > 5 else ''})"
        )

