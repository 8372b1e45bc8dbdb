"""Scoring mutants of reference windows: incrementally where a rule exists, else the full model.

:class:`MutantScorer` is the one entry point: references ``(R, L)`` tokens, and mutants given as
(reference, first changed column, replacement tokens). :func:`pair_logits` turns reference and
alternative windows (variant effects) into such mutants, and :func:`ism_logits` every
single-base substitution of a sequence (in-silico mutagenesis). A mutant whose changed columns
span more than :data:`MAX_LOCAL_FRACTION` of the window (an indel shifts the whole flank after it)
goes through the full model, as does every mutant of a model without a rule or with
``incremental=False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from danq.encoders import reverse_complement_tokens, tokens_to_one_hot
from danq.inference.incremental.base import rule_for

MAX_LOCAL_FRACTION = 0.125
"""A change wider than this fraction of the window is scored by the full model (not local)."""

DEFAULT_MUTANT_BATCH = 512
"""Mutants per incremental call (the LSTM groups within it stay dense)."""


def _device_of(model: Any) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def one_hot_tensor(tokens: np.ndarray, device: torch.device) -> torch.Tensor:
    """Token rows ``(..., L)`` as a float32 one-hot tensor ``(..., 4, L)`` on ``device``."""
    return torch.from_numpy(tokens_to_one_hot(np.ascontiguousarray(tokens, dtype=np.uint8))).to(device)


class MutantScorer:
    """Logits of references and of their mutants, from one model.

    Parameters
    ----------
    model
        A danq model in eval mode (logits out).
    incremental
        Use the model's incremental rule when it has one (``False``: always the full model).
    batch_size
        Mutants per call.
    """

    def __init__(self, model: Any, *, incremental: bool = True,
                 batch_size: int = DEFAULT_MUTANT_BATCH) -> None:
        self.model = model
        self.rule = rule_for(model) if incremental else None
        self.device = _device_of(model)
        self.batch_size = int(batch_size)

    @property
    def incremental(self) -> bool:
        """Whether mutants go through an incremental rule."""
        return self.rule is not None

    def _full(self, x: torch.Tensor) -> torch.Tensor:
        parts = [self.model(x[i : i + self.batch_size]) for i in range(0, len(x), self.batch_size)]
        return torch.cat(parts) if parts else x.new_zeros(0, 0)

    def score(self, refs: np.ndarray, ref_index: np.ndarray, start: np.ndarray,
              patches: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits of references ``refs`` ``(R, L)`` and of mutants of them (float32 tensors).

        Mutant ``m`` is ``refs[ref_index[m]]`` with ``patches[m]`` ``(w,)`` tokens written at
        ``start[m]``; all mutants of one call have the same ``w``.
        """
        with torch.inference_mode():
            refs = np.ascontiguousarray(refs, dtype=np.uint8)
            patches = np.ascontiguousarray(patches, dtype=np.uint8)
            x = one_hot_tensor(refs, self.device)
            start = np.asarray(start, dtype=np.int64)
            ref_index = np.asarray(ref_index, dtype=np.int64)
            if self.rule is None:  # the full path: each batch of mutants built and run whole
                ref_logits = self._full(x).float()
                parts = []
                for i in range(0, len(start), self.batch_size):
                    rows = refs[ref_index[i : i + self.batch_size]].copy()
                    chunk = start[i : i + self.batch_size]
                    cols = chunk[:, None] + np.arange(patches.shape[1])
                    rows[np.arange(len(chunk))[:, None], cols] = patches[i : i + self.batch_size]
                    parts.append(self.model(one_hot_tensor(rows, self.device)).float())
                mutants = torch.cat(parts) if parts else ref_logits[:0]
                return ref_logits, mutants
            values = one_hot_tensor(patches, self.device)  # (M, 4, w)
            state = self.rule.reference(x, start, values.shape[2])
            parts = [self.rule.mutants(state, ref_index[i : i + self.batch_size],
                                       start[i : i + self.batch_size],
                                       values[i : i + self.batch_size])
                     for i in range(0, len(start), self.batch_size)]
            mutants = torch.cat(parts) if parts else state.logits[:0]
            return state.logits.float(), mutants.float()


def _changed_columns(ref: np.ndarray, alt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last differing column of each row pair (``-1, -2`` where equal)."""
    differ = ref != alt
    anyd = differ.any(axis=1)
    first = np.where(anyd, differ.argmax(axis=1), -1)
    last = np.where(anyd, ref.shape[1] - 1 - differ[:, ::-1].argmax(axis=1), -2)
    return first, last


def pair_logits(
    scorer: MutantScorer, ref: np.ndarray, alt: np.ndarray, *, rc: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits of reference and alternative windows ``(B, L)`` token rows, ``(B or 2B, T)`` each.

    Identical reference windows are run once. An alternative differing from its reference in a
    local run of columns is scored as a mutant of it; a wider change (an indel's shifted flank)
    runs the full model. With ``rc`` the reverse complements follow as rows ``B..2B-1`` (the
    reverse complement of a mutant is a mutant of the reverse-complemented reference).
    """
    ref = np.ascontiguousarray(ref, dtype=np.uint8)
    alt = np.ascontiguousarray(alt, dtype=np.uint8)
    b, length = ref.shape
    strands = 2 if rc else 1
    keys: dict[bytes, int] = {}
    inverse = np.array([keys.setdefault(row.tobytes(), len(keys)) for row in ref], dtype=np.int64)
    distinct = ref[np.unique(inverse, return_index=True)[1]]
    r = len(distinct)
    if rc:
        distinct = np.concatenate([distinct, reverse_complement_tokens(distinct)])
    first, last = _changed_columns(ref, alt)
    width = last - first + 1
    local = (width >= 1) & (width <= max(1, int(length * MAX_LOCAL_FRACTION)))
    ref_logits: torch.Tensor | None = None
    alt_rows: list[torch.Tensor] = []
    alt_order: list[np.ndarray] = []  # which output rows each part fills
    for w in np.unique(width[local]).tolist():  # one call per changed width (SNVs: one)
        rows = np.flatnonzero(local & (width == w))
        patch = alt[rows[:, None], first[rows, None] + np.arange(w)]
        start, index, values = first[rows], inverse[rows], patch
        if rc:  # the reverse complement of a mutant: a mutant of the reverse-complemented reference
            start = np.concatenate([start, length - (start + w)])
            index = np.concatenate([index, index + r])
            values = np.concatenate([values, reverse_complement_tokens(values)])
        ref_logits, mutants = scorer.score(distinct, index, start, values)
        alt_rows.append(mutants)
        alt_order.append(np.concatenate([rows + k * b for k in range(strands)]))
    if ref_logits is None:
        ref_logits = scorer.score(distinct, np.zeros(0), np.zeros(0),
                                  np.zeros((0, 1), dtype=np.uint8))[0]
    ref_index = torch.as_tensor(np.concatenate([inverse + k * r for k in range(strands)]),
                                device=ref_logits.device)
    ref_out = ref_logits[ref_index]
    same = np.flatnonzero(width < 1)  # ALT window equal to REF window
    if len(same):
        alt_rows.append(ref_logits[torch.as_tensor(
            np.concatenate([inverse[same] + k * r for k in range(strands)]), device=ref_out.device)])
        alt_order.append(np.concatenate([same + k * b for k in range(strands)]))
    wide = np.flatnonzero((width >= 1) & ~local)  # not local: the full model
    if len(wide):
        rows = alt[wide]
        if rc:
            rows = np.concatenate([rows, reverse_complement_tokens(rows)])
        with torch.inference_mode():
            alt_rows.append(scorer._full(one_hot_tensor(rows, scorer.device)).float())
        alt_order.append(np.concatenate([wide + k * b for k in range(strands)]))
    alt_out = torch.empty_like(ref_out)
    alt_out[torch.as_tensor(np.concatenate(alt_order), device=alt_out.device)] = torch.cat(alt_rows)
    return ref_out, alt_out


def ism_logits(
    predictor_or_model: Any, tokens: np.ndarray, targets: Sequence[int] | np.ndarray | None = None,
    batch_size: int = DEFAULT_MUTANT_BATCH, *, incremental: bool = True,
) -> np.ndarray:
    """In-silico mutagenesis: Δlogit of every single-base substitution, ``(N, T, 4, L)`` float32.

    ``out[n, t, b, i]`` is the logit of target ``targets[t]`` for sequence ``n`` with base ``b``
    (A,C,G,T) at position ``i``, minus the unmutated sequence's; it is 0 where ``b`` is the
    sequence's own base. Logits are the model's own (one strand, no reverse-complement averaging).
    Computed incrementally when the model has a rule (``incremental=False``: the full model).
    """
    model = getattr(predictor_or_model, "model", predictor_or_model)
    tokens = np.atleast_2d(np.asarray(tokens, dtype=np.uint8))
    n, length = tokens.shape
    scorer = MutantScorer(model, incremental=incremental, batch_size=batch_size)
    index = None if targets is None else torch.as_tensor(np.asarray(targets, dtype=np.int64))
    out: np.ndarray | None = None
    positions = np.repeat(np.arange(length), 4)
    bases = np.tile(np.arange(4, dtype=np.uint8), length)
    for row in range(n):
        keep = bases != tokens[row, positions]
        ref_logits, mutants = scorer.score(tokens[row : row + 1], np.zeros(int(keep.sum())),
                                           positions[keep], bases[keep, None])
        delta = mutants - ref_logits[0]
        if index is not None:
            delta = delta[:, index.to(delta.device)]
        delta = delta.cpu().numpy()
        if out is None:
            out = np.zeros((n, delta.shape[1], 4, length), dtype=np.float32)
        out[row][:, bases[keep], positions[keep]] = delta.T
    if out is None:
        width = model.n_targets if index is None else len(index)
        out = np.zeros((0, width, 4, length), dtype=np.float32)
    return out
