"""Tests for the PWM-scan baseline: log-odds by hand, both strands, reverse-complement symmetry."""

from __future__ import annotations

import numpy as np
import pytest

from danq.encoders import to_tokens
from danq.simulation.pwm_scan import best_log_odds, log_odds_matrix
from tests.simulation.hand_case import HI, LO, deterministic_pfm


def test_best_log_odds_scans_both_strands_by_hand() -> None:
    lo = log_odds_matrix(deterministic_pfm("AAC"), np.full(4, 0.25))
    assert lo[0, 0] == pytest.approx(HI) and lo[0, 1] == pytest.approx(LO)
    tokens = np.stack([to_tokens(s) for s in ("GAACG", "GGTTG", "GGGGG")])
    # GAACG holds AAC; GGTTG holds GTT = reverse complement of AAC; GGGGG best is CCC on the
    # reverse strand against AAC: one match (the C), two mismatches.
    np.testing.assert_allclose(best_log_odds(tokens, lo, block=2),
                               [3 * HI, 3 * HI, HI + 2 * LO])


def test_pwm_scan_gives_a_sequence_and_its_reverse_complement_the_same_score() -> None:
    from danq.encoders import reverse_complement_tokens
    rng = np.random.default_rng(1)
    pfm = rng.integers(0, 20, size=(4, 9))
    lo = log_odds_matrix(pfm, np.array([0.3, 0.2, 0.2, 0.3]))
    tokens = rng.integers(0, 4, size=(50, 40)).astype(np.uint8)
    np.testing.assert_allclose(best_log_odds(tokens, lo),
                               best_log_odds(reverse_complement_tokens(tokens), lo))

