"""In-silico mutagenesis (ISM): every single-base substitution of every sequence, scored as a
batched prediction on danq's inference core (:class:`~danq.inference.predictor.Predictor`).

Conventions (what ``attributions.h5`` holds for ``--method ism``):

* ``ism[n, t, b, i]`` = logit_t(sequence n with base b at position i) − logit_t(sequence n); zero at
  the reference base. At an N position (an all-zero one-hot column) all four bases are substituted.
* ``hypothetical[n, t, b, i]`` = logit_t(b at i) − mean of logit_t(c at i) over the three other
  bases c, i.e. ``(4 * ism[b] - sum_c ism[c]) / 3``: how much base b adds over the average
  alternative. At the reference base this is logit(reference) − mean of its three mutants' logits.
* ``attributions`` = ``hypothetical`` at the observed base, zero elsewhere (and zero at N).

Logits are of the forward strand only (no reverse-complement averaging), so ``ism`` equals
``Predictor.logits(mutant) - Predictor.logits(reference)``: exactly on the full path, within 2e-6
(fp32) on the incremental one (:mod:`danq.inference.incremental`, ``incremental=False`` to skip it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from danq.encoders import tokens_to_one_hot

__all__ = ["hypothetical_from_ism", "ism_logits", "run"]


def _as_predictor(predictor_or_model: Any) -> Any:
    from danq.inference.predictor import Predictor, load_predictor

    if isinstance(predictor_or_model, Predictor):
        return predictor_or_model
    return load_predictor(predictor_or_model, precision="fp32", rc_average=False)


def _selected_logits(predictor: Any, tokens: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Forward-strand logits ``(B, T)`` float32 of the ``targets`` columns."""
    out = predictor.logits(predictor.one_hot(tokens))
    return out[:, targets].detach().float().cpu().numpy()


def ism_logits(
    predictor_or_model: Any,
    tokens: np.ndarray,
    targets: Sequence[int] | np.ndarray,
    batch_size: int = 128,
) -> np.ndarray:
    """Δlogit of every single-base substitution: ``(N, T, 4, L)`` float32.

    This signature is stable: an incremental ISM engine may replace the body, not the contract.

    Parameters
    ----------
    predictor_or_model
        A :class:`~danq.inference.predictor.Predictor` (its device and precision are used; its
        reverse-complement setting is not: ISM scores the forward strand), or an ``nn.Module`` /
        checkpoint path, run in fp32 on its device.
    tokens
        ``(N, L)`` uint8 token rows (A,C,G,T,N = 0..4, :mod:`danq.encoders`), L = the model's length.
    targets
        0-based output indices to keep (T of them, in this order).
    batch_size
        Mutant sequences per forward call.

    Returns
    -------
    numpy.ndarray
        ``out[n, t, b, i]`` = logit_t(tokens[n] with base b at i) − logit_t(tokens[n]); 0 where b is
        the reference base.
    """
    predictor = _as_predictor(predictor_or_model)
    if predictor.incremental and predictor.precision == "fp32":  # same contract, incremental
        from danq.inference.incremental import ism_logits as incremental_ism_logits

        return incremental_ism_logits(predictor, tokens, targets, max(batch_size, 512))
    tokens = np.ascontiguousarray(tokens, dtype=np.uint8)
    targets = np.asarray(targets, dtype=np.int64)
    n, length = tokens.shape
    out = np.zeros((n, len(targets), 4, length), dtype=np.float32)
    if n == 0 or len(targets) == 0:
        return out
    reference = _selected_logits(predictor, tokens, targets)  # (N, T)
    # every (sequence, position, base) whose base differs from the reference
    seq, pos, base = np.nonzero(tokens[:, :, None] != np.arange(4, dtype=np.uint8)[None, None, :])
    for lo in range(0, len(seq), batch_size):
        s, p, b = seq[lo:lo + batch_size], pos[lo:lo + batch_size], base[lo:lo + batch_size]
        mutants = tokens[s]
        mutants[np.arange(len(s)), p] = b
        delta = _selected_logits(predictor, mutants, targets) - reference[s]
        out[s, :, b, p] = delta
    return out


def hypothetical_from_ism(ism: np.ndarray) -> np.ndarray:
    """Each base's logit minus the mean of the three other bases' logits, ``(..., 4, L)``."""
    return ((4.0 * ism - ism.sum(axis=-2, keepdims=True)) / 3.0).astype(np.float32, copy=False)


def run(predictor: Any, tokens: np.ndarray, targets: np.ndarray,
        options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``ism``, ``hypothetical`` and ``attributions`` (observed base) for a batch of token rows."""
    ism = ism_logits(predictor, tokens, targets, int(options.get("batch_size", 128)))
    hypothetical = hypothetical_from_ism(ism)
    observed = tokens_to_one_hot(np.asarray(tokens, dtype=np.uint8))[:, None]  # (B, 1, 4, L)
    return {"attributions": hypothetical * observed, "hypothetical": hypothetical, "ism": ism}

