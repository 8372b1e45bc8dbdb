"""Tests for the baselines' metrics: tie-averaged average precision."""

from __future__ import annotations

import numpy as np
import pytest

from danq.simulation.scoring import tie_averaged_precision


def test_tie_averaged_precision_matches_scikit_learn_without_ties_and_random_orders_with() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    labels = rng.random(300) < 0.2
    continuous = rng.random(300) + labels * 0.3
    assert tie_averaged_precision(labels, continuous) == pytest.approx(
        average_precision_score(labels, continuous))
    binary = (continuous > 0.6).astype(float)
    shuffled = [average_precision_score(labels, binary + rng.random(300) * 1e-6)
                for _ in range(400)]
    assert tie_averaged_precision(labels, binary) == pytest.approx(np.mean(shuffled), abs=5e-3)
    assert tie_averaged_precision(labels, binary) > average_precision_score(labels, binary)

