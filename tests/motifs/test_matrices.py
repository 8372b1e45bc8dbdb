"""Tests for danq.motifs.matrices: probabilities, information content, reverse complement, trimming."""

from __future__ import annotations

import numpy as np
import pytest

from danq.errors import DanqError
from danq.motifs.matrices import (
    as_ppm,
    information_content,
    pfm_to_ppm,
    reverse_complement,
    trim_bounds,
)
from tests.motifs.helpers import one_hot


def test_probabilities_and_information_content():
    pfm = np.array([[10, 0, 5, 0], [0, 0, 5, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    ppm = pfm_to_ppm(pfm)
    np.testing.assert_allclose(ppm[:, 1], 0.25)  # no counts: uniform
    np.testing.assert_allclose(ppm.sum(axis=0), 1.0)
    np.testing.assert_allclose(information_content(ppm), [2.0, 0.0, 1.0, 0.0])


def test_as_ppm_normalises_counts_and_rejects_what_is_not_a_matrix():
    np.testing.assert_allclose(as_ppm([[3, 1], [1, 1], [0, 1], [0, 1]], "m"),
                               [[0.75, 0.25], [0.25, 0.25], [0, 0.25], [0, 0.25]])
    with pytest.raises(DanqError, match=r"^m: expected a \(4, k\) matrix"):
        as_ppm(np.ones((3, 5)), "m")
    with pytest.raises(DanqError, match="negative or non-finite"):
        as_ppm(np.full((4, 2), -1.0), "m")
    with pytest.raises(DanqError, match="a column sums to 0"):
        as_ppm(np.zeros((4, 2)), "m")


def test_reverse_complement_reads_the_other_strand():
    np.testing.assert_array_equal(reverse_complement(one_hot("AACG")), one_hot("CGTT"))


def test_trimming_drops_only_low_information_flanks():
    flat = np.full((4, 1), 0.25)
    weak = np.array([[0.4], [0.2], [0.2], [0.2]])  # 0.078 bit
    ppm = np.hstack([flat, weak, one_hot("A"), weak, one_hot("C"), flat])
    assert trim_bounds(ppm, 0.25) == (2, 5)  # the weak inner column stays
    assert trim_bounds(ppm, 0.0) == (0, 6)
    assert trim_bounds(np.full((4, 5), 0.25), 0.25) == (0, 0)
