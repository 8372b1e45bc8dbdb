"""Tests for the decoy placement law: a decoy puts A and B each where a positive would, and never
satisfies the rule."""

from __future__ import annotations

import random

import numpy as np

from danq.simulation.decoys import DecoyLaw, allowed_pairs, pair_marginals
from danq.simulation.rules import Target, grammar_hits, pair_kind
from danq.simulation.sampling import _Layout

LENGTH, WA, WB, LO, HI = 120, 6, 8, 10, 40
TARGET = Target("g", "grammar", (0, 1), 0.5, 0.5, LO, HI)


def test_pair_marginals_are_what_a_positive_draws() -> None:
    layout = _Layout(LENGTH, [WA, WB], random.Random(0))
    pa, pb = pair_marginals(LENGTH, WA, WB, LO, HI)
    counts_a, counts_b = np.zeros_like(pa), np.zeros_like(pb)
    draws = 40000
    for _ in range(draws):
        start_a, start_b, strand = layout._draw_pair(0, 1, LO, HI)
        counts_a[int(strand < 0), start_a] += 1
        counts_b[int(strand < 0), start_b] += 1
    # Coarse cells (10 bp x strand) so that each holds hundreds of draws.
    def coarse(x: np.ndarray) -> np.ndarray:
        return x.reshape(2, -1, 10).sum(axis=2).ravel()
    for expected, counts in ((pa, counts_a), (pb, counts_b)):
        e = coarse(expected) * draws
        seen = coarse(counts)
        assert np.all(np.abs(seen - e) <= 5 * np.sqrt(e) + 5)
    assert abs(pa[1].sum() - 0.5) < 1e-12  # half the pairs on each strand


def test_the_law_has_the_positives_marginals_and_breaks_the_rule() -> None:
    law = DecoyLaw.build(LENGTH, WA, WB, LO, HI)
    assert law.max_marginal_error < 1e-8
    pa, pb = pair_marginals(LENGTH, WA, WB, LO, HI)
    grid = law.cumulative.copy()
    probs = np.diff(np.concatenate([[0.0], grid])).reshape(len(law.states_a), len(law.states_b))
    got_a = np.zeros_like(pa)
    for (start, strand), p in zip(law.states_a, probs.sum(axis=1), strict=True):
        got_a[int(strand < 0), start] += p
    got_b = np.zeros_like(pb)
    for (start, strand), p in zip(law.states_b, probs.sum(axis=0), strict=True):
        got_b[int(strand < 0), start] += p
    np.testing.assert_allclose(got_a, pa, atol=1e-8)
    np.testing.assert_allclose(got_b, pb, atol=1e-8)

    rand = random.Random(1)
    draws = [law.draw(rand) for _ in range(3000)]
    seq = np.repeat(np.arange(len(draws)), 2)
    flat = [x for a, b in draws for x in (a, b)]
    instances = {"seq": seq, "motif": np.tile([0, 1], len(draws)),
                 "start": np.array([s for s, _ in flat]), "strand": np.array([d for _, d in flat])}
    assert not grammar_hits(len(draws), instances, TARGET, [WA, WB]).any()
    kinds = {pair_kind(TARGET, a, b, WA, WB) for a, b in draws}
    assert kinds == {"swapped", "close", "far", "opposite_strands"}
    for (sa, _), (sb, _) in draws:
        assert sa + WA <= sb or sb + WB <= sa  # never overlapping


def test_allowed_pairs_excludes_the_rule_and_overlaps() -> None:
    starts = np.array([0, 20, 60])
    plus = np.ones(3, dtype=int)
    ok = allowed_pairs(starts, plus, starts, plus, WA, WB, LO, HI)
    # A at 0 (+), B at 20 (+): gap 14, the rule -> not allowed; B at 60: gap 54 > 40 -> allowed.
    assert not ok[0, 1] and ok[0, 2]
    assert not ok[0, 0] and not ok[1, 1]  # overlap
    assert ok[1, 0]  # B upstream of A: swapped
    minus = -plus
    # On '-' B must lie left of A: A at 60 (-), B at 20 (-): gap 60 - 28 = 32 -> the rule.
    assert not allowed_pairs(starts, minus, starts, minus, WA, WB, LO, HI)[2, 1]
    assert allowed_pairs(starts, plus, starts, minus, WA, WB, LO, HI)[2, 1]  # opposite strands


def test_no_law_when_every_placement_satisfies_the_rule_or_overlaps() -> None:
    # 14 bp: A (6) and B (8) only fit side by side, A then B on '+' at gap 0 (the rule, with
    # gap 0..0) or the mirror on '-' (also the rule): no decoy can exist.
    assert DecoyLaw.build(14, WA, WB, 0, 0) is None
    assert DecoyLaw.build(15, WA, WB, 0, 0) is not None  # gap 1 breaks it
