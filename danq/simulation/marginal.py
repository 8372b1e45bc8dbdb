"""The marginal baseline: each motif's own position and strand, with no interaction between motifs.

Why it exists
-------------
Presence-only knows which motifs a sequence holds. A model can know more without learning any
grammar: where each motif sits and on which strand, one motif at a time. If positives and
negatives place a motif differently (a pair must fit inside the sequence, so a positive's A
leans towards one end on its strand), that placement alone separates them. This baseline measures
how far: per target, each of its motifs contributes presence features over
(:data:`BIN_WIDTH`-bp start-position bin x strand), and a logistic regression fitted on the
*training* split's truth (instances and clean labels) scores the test split. The model is
additive over features, so it has no term for A and B together: it cannot see order, spacing or
strand agreement. A model has learned grammar only when it beats the stronger of presence-only
and this baseline.
"""

from __future__ import annotations

import numpy as np

from danq.simulation.truth import SplitTruth

BIN_WIDTH = 25
#: Inverse L2 strength of the logistic regression (scikit-learn's default).
REGULARISATION_C = 1.0


def placement_features(truth: SplitTruth, motifs: list[int]) -> np.ndarray:
    """(n, len(motifs) * n_bins * 2) 0/1: whether the sequence holds motif m starting in bin b
    on strand s (bins of :data:`BIN_WIDTH` bp over the sequence length; + then - strand)."""
    n_bins = -(-truth.length // BIN_WIDTH)
    inst = truth.instances
    features = np.zeros((truth.n, len(motifs), n_bins, 2), dtype=np.float64)
    for j, motif in enumerate(motifs):
        chosen = inst["motif"] == motif
        bins = np.minimum(inst["start"][chosen] // BIN_WIDTH, n_bins - 1)
        strands = (inst["strand"][chosen] < 0).astype(np.int64)
        features[inst["seq"][chosen], j, bins, strands] = 1.0
    return features.reshape(truth.n, -1)


def marginal_scores(train: SplitTruth, test: SplitTruth, train_labels: np.ndarray) -> np.ndarray:
    """Per target, the marginal baseline's probability on the test split: (n_test, n_targets).

    ``train_labels`` (n_train, n_targets) are the labels it is fitted on (the training split's
    clean labels). A target whose training labels hold one class only gets that class's rate.
    """
    from sklearn.linear_model import LogisticRegression

    scores = np.zeros((test.n, len(test.targets)))
    for t, target in enumerate(test.targets):
        motifs = list(target["motifs"])
        y = np.asarray(train_labels[:, t]).astype(int)
        if y.min() == y.max():
            scores[:, t] = float(y[0]) if len(y) else 0.0
            continue
        model = LogisticRegression(C=REGULARISATION_C, max_iter=2000)
        model.fit(placement_features(train, motifs), y)
        scores[:, t] = model.predict_proba(placement_features(test, motifs))[:, 1]
    return scores
