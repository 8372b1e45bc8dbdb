"""Scoring variants in batches: the targets picked (:func:`danq.formats.targets.select_targets`),
then the model run on reference and
alternative windows together, one batch in memory at a time.

:func:`score_stream` places each variant in its windows (:mod:`danq.variants.windows`), applies the
REF-mismatch policy, and yields :class:`ScoredBatch` es of probabilities and :class:`Skipped`
rows; a :class:`Tally` counts what happened for the summary line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.variants.reading import Skipped, Variant
from danq.variants.scoring import sigmoid
from danq.variants.windows import DEFAULT_WINDOW, WindowBuilder, Windows

MISMATCH_POLICIES = ("warn", "skip", "error")
DEFAULT_BATCH_SIZE = 64
"""Variants per forward call: ``2 * batch`` windows, ``4 * batch`` rows with RC averaging."""


@dataclass
class ScoredBatch:
    """Model outputs of a batch of variants for the selected targets.

    ``p_ref``/``p_alt`` are probabilities averaged over the strands scored; ``logit_ref``/
    ``logit_alt`` the logits of each strand ``(S, B, T)`` (forward first, then the reverse
    complement with RC averaging), from which :mod:`danq.variants.scoring` computes the scores
    (None: the scores fall back to the probabilities).
    """

    variants: list[Variant]
    ref_match: np.ndarray  # (B,) bool
    padded: np.ndarray  # (B,) int32
    p_ref: np.ndarray  # (B, T) float32
    p_alt: np.ndarray  # (B, T) float32
    logit_ref: np.ndarray | None = None  # (S, B, T) float32
    logit_alt: np.ndarray | None = None  # (S, B, T) float32


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
    # ref and alt windows together; incremental where the predictor can (Predictor.pair_strand_logits)
    logits = (predictor.pair_strand_logits(tokens[:b], tokens[b:])
              if hasattr(predictor, "pair_strand_logits") else strand_logits(predictor, tokens))
    logits = logits[..., target_index] if len(target_index) != logits.shape[-1] else logits
    probs = sigmoid(logits).mean(axis=0)
    return ScoredBatch(
        variants=variants,
        ref_match=np.array([w.ref_match for w in windows], dtype=bool),
        padded=np.array([w.padded for w in windows], dtype=np.int32),
        p_ref=np.ascontiguousarray(probs[:b], dtype=np.float32),
        p_alt=np.ascontiguousarray(probs[b:], dtype=np.float32),
        logit_ref=np.ascontiguousarray(logits[:, :b]),
        logit_alt=np.ascontiguousarray(logits[:, b:]),
    )


def strand_logits(predictor: Any, tokens: np.ndarray) -> np.ndarray:
    """Logits ``(S, N, T)`` float32 of token rows ``(N, L)``: S = 1, or 2 with the predictor's
    RC averaging (the reverse complements in the same forward call, second)."""
    rows = np.ascontiguousarray(tokens, dtype=np.uint8)
    if predictor.rc_average:
        rows = np.concatenate([rows, reverse_complement_tokens(rows)])
    out = predictor.logits(predictor.one_hot(rows)).detach().cpu().numpy().astype(np.float32)
    return out.reshape(2 if predictor.rc_average else 1, len(tokens), -1)


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
    window: str = DEFAULT_WINDOW,
) -> Iterator[ScoredBatch | Skipped]:
    """Score variants batch by batch; yield :class:`ScoredBatch` es and :class:`Skipped` rows.

    Memory holds one batch of windows at a time, whatever the number of variants. ``window`` is
    the window convention (:data:`danq.variants.windows.WINDOW_CONVENTIONS`).
    """
    if ref_mismatch not in MISMATCH_POLICIES:
        raise DanqError(f"--ref-mismatch {ref_mismatch}: expected one of "
                        f"{', '.join(MISMATCH_POLICIES)}")
    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    tally = tally if tally is not None else Tally()
    builder = WindowBuilder(genome, predictor.sequence_length, window)
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

