"""Tests for the marginal baseline: it reads each motif's own position and strand, and cannot see
how A and B relate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from danq.simulation.marginal import BIN_WIDTH, marginal_scores, placement_features
from danq.simulation.truth import SplitTruth

LENGTH = 200
TARGET = {"name": "g", "category": "grammar", "motifs": [0, 1], "min_gap": 0, "max_gap": 200}


def split(starts_a: np.ndarray, strands_a: np.ndarray, starts_b: np.ndarray,
          strands_b: np.ndarray) -> SplitTruth:
    """A split with one A and one B instance per sequence."""
    n = len(starts_a)
    instances = {"seq": np.repeat(np.arange(n), 2), "motif": np.tile([0, 1], n),
                 "start": np.stack([starts_a, starts_b], axis=1).ravel(),
                 "strand": np.stack([strands_a, strands_b], axis=1).ravel()}
    return SplitTruth(path=Path("truth.json"), names=[f"s{i}" for i in range(n)],
                      target_names=["g"], categories=["grammar"], targets=[TARGET],
                      motif_ids=["MA1", "MA2"], motif_lengths=[5, 5],
                      pfms=[np.ones((4, 5)), np.ones((4, 5))], background=np.full(4, 0.25),
                      length=LENGTH, instances=instances, flips=np.zeros((0, 2), dtype=int),
                      kind_names=["positive"], grammar_kinds={})


def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    return (rng.integers(0, LENGTH - 5, n), rng.choice([-1, 1], n),
            rng.integers(0, LENGTH - 5, n), rng.choice([-1, 1], n))


def test_features_mark_each_motifs_bin_and_strand() -> None:
    truth = split(np.array([0, 30]), np.array([1, -1]), np.array([199 - 5, 24]), np.array([1, 1]))
    features = placement_features(truth, [0, 1]).reshape(2, 2, LENGTH // BIN_WIDTH, 2)
    assert features.sum() == 4
    assert features[0, 0, 0, 0] == 1 and features[1, 0, 1, 1] == 1  # A: bin 0 +, bin 1 -
    assert features[0, 1, 7, 0] == 1 and features[1, 1, 0, 0] == 1  # B: bin 7 +, bin 0 +


def test_it_learns_where_a_motif_sits_but_not_how_two_relate() -> None:
    rng = np.random.default_rng(0)
    train, test = split(*draw(rng, 4000)), split(*draw(rng, 2000))

    def auc(labels_of) -> float:
        scores = marginal_scores(train, test, labels_of(train)[:, None])
        return roc_auc_score(labels_of(test), scores[:, 0])

    def position(t: SplitTruth) -> np.ndarray:  # A in the first 50 bp on '+'
        a = t.instances["motif"] == 0
        return ((t.instances["start"][a] < 50) & (t.instances["strand"][a] > 0)).astype(int)

    def same_strand(t: SplitTruth) -> np.ndarray:  # a relation: A and B on one strand
        strand = t.instances["strand"].reshape(-1, 2)
        return (strand[:, 0] == strand[:, 1]).astype(int)

    def order(t: SplitTruth) -> np.ndarray:  # a relation: A left of B
        start = t.instances["start"].reshape(-1, 2)
        return (start[:, 0] < start[:, 1]).astype(int)

    assert auc(position) > 0.99
    assert abs(auc(same_strand) - 0.5) < 0.05
    # Order, though a relation, is a threshold on a sum of positions (start A - start B < 0)
    # when A and B are placed independently, so an additive model reads it: why decoys must put
    # A and B where positives do, each with the same law, for this baseline to learn nothing.
    assert auc(order) > 0.9


def test_one_class_in_training_gives_a_constant_score() -> None:
    rng = np.random.default_rng(1)
    train, test = split(*draw(rng, 50)), split(*draw(rng, 10))
    scores = marginal_scores(train, test, np.zeros((50, 1), dtype=int))
    assert np.all(scores == 0.0)
