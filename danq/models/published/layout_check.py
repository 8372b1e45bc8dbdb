"""Which Bidirectional layout do DanQ's published weights need? A test that needs no published figures.

DanQ's ``Bidirectional`` layer came from a modified seya that cannot be read, so three layouts are
possible (:data:`danq.models.danq.SECOND_DIRECTIONS`): ``forward`` (seya as every readable version
computes it: the batch axis reversed, so both LSTMs read 5'→3'), ``backward`` (a true BiLSTM) and
``backward-unaligned`` (time reversed on the input, the output left in reading order). The same weights
load into all three; only the right one makes the trained network behave like a trained network:

* **reverse-complement consistency** (label-free): DanQ was trained on both strands of every window,
  so its predictions for a sequence and its reverse complement agree far better under the right
  layout (``rc_gap``: mean |p(x) − p(rc x)| over sequences and targets; lower is better);
* **validation loss** (the bundle's ``valid.mat``, imported with ``danq import-deepsea``): mean BCE of
  the forward-strand predictions (lower is better), with the mean ROC AUC beside it.

:func:`check_layouts` scores every layout; :func:`pick_layout` takes the lowest loss when there are
labels (else the lowest ``rc_gap``) and says whether the two criteria agree.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.models.published.layouts import SECOND_LSTM_CHOICES

DEFAULT_CHECK_SAMPLES = 2000


@dataclass(frozen=True)
class LayoutScore:
    """One layout's scores on the check data (``valid_loss``/``roc_auc`` NaN without labels)."""

    layout: str
    rc_gap: float
    valid_loss: float
    roc_auc: float
    n_samples: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_layout(
    model: Any, tokens: np.ndarray, labels: np.ndarray | None, layout: str, batch_size: int = 64
) -> LayoutScore:
    """Score one converted model on ``tokens`` (and ``labels`` when given)."""
    import torch
    import torch.nn.functional as F

    from danq.encoders import reverse_complement_tokens, tokens_to_one_hot
    from danq.training.validation import mean_aucs

    model.eval()
    gaps, losses, probs = [], [], []
    with torch.inference_mode():
        for lo in range(0, len(tokens), batch_size):
            batch = tokens[lo : lo + batch_size]
            both = np.concatenate([batch, reverse_complement_tokens(batch)])
            logits = model(torch.from_numpy(tokens_to_one_hot(both))).double()
            forward, reverse = logits[: len(batch)], logits[len(batch):]
            p = torch.sigmoid(forward)
            gaps.append(float((p - torch.sigmoid(reverse)).abs().sum()))
            probs.append(p.numpy())
            if labels is not None:
                y = torch.from_numpy(labels[lo : lo + batch_size].astype(np.float64))
                losses.append(float(F.binary_cross_entropy_with_logits(forward, y, reduction="sum")))
    n_values = len(tokens) * probs[0].shape[1]
    loss, roc = math.nan, math.nan
    if labels is not None:
        loss = sum(losses) / n_values
        roc = mean_aucs(labels, np.concatenate(probs))[0]
    return LayoutScore(layout, sum(gaps) / n_values, loss, roc, len(tokens))


def check_layouts(
    build: Callable[[str], Any],
    data: str | os.PathLike[str],
    *,
    max_samples: int | None = DEFAULT_CHECK_SAMPLES,
    log: Callable[[str], None] | None = None,
) -> list[LayoutScore]:
    """Score the model ``build(layout)`` returns for every layout on the first ``max_samples`` of ``data``.

    ``data`` is a danq dataset (e.g. ``valid.h5`` from ``danq import-deepsea``) whose sequences have
    the model's input length; labels are used when present and must match the model's targets.
    """
    from danq.formats.dataset import open_dataset

    with open_dataset(data) as ds:
        stop = len(ds) if max_samples is None else min(len(ds), max_samples)
        if stop == 0:
            raise DanqError(f"{data}: no sequences to check the layouts on")
        tokens = ds.tokens(0, stop)
        labels = ds.labels(0, stop) if ds.has_labels else None
        length = ds.sequence_length
    scores = []
    for layout in SECOND_LSTM_CHOICES:
        model = build(layout)
        if length != model.sequence_length:
            raise DanqError(
                f"{data}: sequences of {length} bp, the model reads {model.sequence_length} bp"
            )
        if labels is not None and labels.shape[1] != model.n_targets:
            raise DanqError(
                f"{data}: {labels.shape[1]} targets, the model predicts {model.n_targets}"
            )
        scores.append(score_layout(model, tokens, labels, layout))
        if log is not None:
            log(format_score(scores[-1]))
    return scores


def pick_layout(scores: list[LayoutScore]) -> tuple[str, bool]:
    """The layout with the lowest validation loss (lowest ``rc_gap`` without labels), and whether
    the reverse-complement criterion picks the same one."""
    by_gap = min(scores, key=lambda s: s.rc_gap).layout
    if all(math.isnan(s.valid_loss) for s in scores):
        return by_gap, True
    by_loss = min(scores, key=lambda s: math.inf if math.isnan(s.valid_loss) else s.valid_loss)
    return by_loss.layout, by_loss.layout == by_gap


def format_score(score: LayoutScore) -> str:
    """One line of the check's table."""
    return (
        f"layout {score.layout}: rc_gap {score.rc_gap:.4f} valid_loss {score.valid_loss:.4f} "
        f"roc_auc {score.roc_auc:.4f} ({score.n_samples} sequences)"
    )
