"""Validation during training: mean BCE, mean ROC AUC and mean PR AUC on a labelled dataset."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np


def mean_aucs(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float, int]:
    """Mean ROC AUC and mean PR AUC (average precision) over targets with both classes present.

    Returns ``(roc_auc, pr_auc, n_scored)``; the means are NaN when no target can be scored.
    """
    from danq.evaluation.metrics import per_target_auc

    roc, pr = per_target_auc(labels, scores)
    scored = ~np.isnan(roc)
    if not scored.any():
        return math.nan, math.nan, 0
    return float(roc[scored].mean()), float(pr[scored].mean()), int(scored.sum())


def evaluate_loss_and_auc(
    model: Any,
    path: str | os.PathLike[str],
    *,
    device: Any,
    precision: str = "fp32",
    batch_size: int = 256,
    max_samples: int | None = None,
) -> dict[str, float]:
    """Mean BCE, mean ROC AUC and mean PR AUC of ``model`` on a labelled dataset, in file order.

    Only the first ``max_samples`` samples are used when given. The model is put in eval mode and
    left there.
    """
    import torch
    import torch.nn.functional as F

    from danq.formats.dataset import open_dataset
    from danq.inference.predictor import Predictor
    from danq.models.info import ModelInfo
    from danq.runtime import InferenceSettings

    # the one inference core, on the forward strand only (validation scores what training sees)
    predictor = Predictor(model=model, info=ModelInfo.for_model(model),
                          settings=InferenceSettings(device, precision), rc_average=False)
    model.eval()
    loss_sum, count = 0.0, 0
    all_scores, all_labels = [], []
    with open_dataset(path) as ds:
        stop = len(ds) if max_samples is None else min(len(ds), max_samples)
        for tokens, labels in ds.batches(batch_size, 0, stop):
            logits = torch.from_numpy(predictor.from_tokens(tokens, logits=True))
            y = torch.from_numpy(labels.astype(np.float32))
            loss_sum += float(F.binary_cross_entropy_with_logits(logits, y, reduction="sum"))
            count += y.numel()
            all_scores.append(torch.sigmoid(logits).numpy())
            all_labels.append(labels)
    roc, pr, n_scored = mean_aucs(np.concatenate(all_labels), np.concatenate(all_scores))
    return {"loss": loss_sum / max(count, 1), "roc_auc": roc, "pr_auc": pr, "n_scored": n_scored}
