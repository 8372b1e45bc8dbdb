"""How a baseline's scores become metrics: tie-aware PR AUC and the breakdown by kind of negative.

The baselines' 0/1 scores are full of ties, which scikit-learn's average precision scores
pessimistically; :func:`tie_averaged_precision` gives the expectation over random tie orders and
:func:`tie_order_spread` its spread. :func:`decoy_breakdown` scores each grammar target's
positives against each kind of negative (truth.json ``grammar_kinds``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from danq.evaluation.metrics import score_targets
from danq.simulation.truth import SplitTruth

TIE_REPEATS = 200
DECOY_COLUMNS = ["target", "kind", "n", "mean_score", "roc_auc_vs_positives"]


def tie_averaged_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision expected when tied scores are put in a uniformly random order.

    scikit-learn's average precision scores a block of tied samples at the block's final
    precision, which any continuous score that orders the block at random beats on average; a
    0/1 baseline would then be "beaten" by chance. Here a positive inside a block of ``n`` tied
    samples holding ``p`` positives, after ``m`` higher-ranked samples of which ``q`` are positive,
    has expected precision ``mean over y = 0..n-1 of (q + 1 + y (p - 1) / (n - 1)) / (m + 1 + y)``
    (``y`` block members ranked before it, of which ``y (p - 1) / (n - 1)`` are positive on
    average). Without ties this equals scikit-learn's average precision. NaN without positives.
    """
    y = np.asarray(labels).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    total = int(y.sum())
    if total == 0:
        return float("nan")
    values, inverse = np.unique(-s, return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(values))
    positives = np.bincount(inverse, weights=y, minlength=len(values))
    before = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos_before = np.concatenate([[0.0], np.cumsum(positives)[:-1]])
    result = 0.0
    for n, p, m, q in zip(sizes.tolist(), positives.tolist(), before.tolist(),
                          pos_before.tolist(), strict=True):
        if p == 0:
            continue
        ahead = np.arange(n, dtype=np.float64)
        share = (p - 1) / (n - 1) if n > 1 else 0.0
        result += p * float(np.mean((q + 1 + ahead * share) / (m + 1 + ahead)))
    return result / total


def tie_order_spread(labels: np.ndarray, scores: np.ndarray, repeats: int = TIE_REPEATS,
                     seed: int = 0) -> float:
    """Standard deviation of average precision over ``repeats`` random orders of tied scores.

    A model that knows no more than a 0/1 baseline, ranking its tied blocks at random, lands
    within about this much of :func:`tie_averaged_precision`; "beating" the baseline by less is
    chance. 0 for a score without ties.
    """
    from sklearn.metrics import average_precision_score

    y = np.asarray(labels).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    if not y.any() or len(np.unique(s)) == len(s):
        return 0.0
    rng = np.random.default_rng(seed)
    gaps = np.diff(np.unique(s))
    jitter = (gaps.min() if gaps.size else 1.0) / 2
    values = [average_precision_score(y, s + rng.random(len(s)) * jitter)
              for _ in range(repeats)]
    return float(np.std(values))


def score_baseline(scores: np.ndarray, labels: np.ndarray, truth: SplitTruth) -> pd.DataFrame:
    """Per-target metrics of a baseline (``danq evaluate``'s columns), PR AUC tie-averaged."""
    metrics = score_targets(scores, labels, truth.target_names, truth.categories)
    for t in range(scores.shape[1]):
        if not np.isnan(metrics.at[t, "pr_auc"]):
            metrics.at[t, "pr_auc"] = tie_averaged_precision(labels[:, t], scores[:, t])
    return metrics


# --------------------------------------------------------------------------------------------------
# Breakdown by kind of negative
# --------------------------------------------------------------------------------------------------


def decoy_breakdown(scores: np.ndarray, clean: np.ndarray, truth: SplitTruth) -> pd.DataFrame:
    """Per grammar target and sequence kind: n, mean score, ROC AUC of positives vs that kind.

    Columns :data:`DECOY_COLUMNS`; the ``positive`` row has no AUC. A kind absent from the test
    split gets no row; an AUC that cannot be computed (no positive) is NaN.
    """
    from sklearn.metrics import roc_auc_score

    rows = []
    for t, name in enumerate(truth.target_names):
        if name not in truth.grammar_kinds:
            continue
        kinds = truth.grammar_kinds[name]
        positives = clean[:, t] > 0
        for k, kind in enumerate(truth.kind_names):
            members = kinds == k
            if kind == "positive":
                members = positives
            if not members.any():
                continue
            auc = float("nan")
            if kind != "positive" and positives.any():
                pair = members | positives
                auc = float(roc_auc_score(positives[pair], scores[pair, t]))
            rows.append({"target": name, "kind": kind, "n": int(members.sum()),
                         "mean_score": float(scores[members, t].mean()),
                         "roc_auc_vs_positives": auc})
    return pd.DataFrame(rows, columns=DECOY_COLUMNS)
