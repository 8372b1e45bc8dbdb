"""Where a grammar decoy puts A and B: each where a positive would, only their relation broken.

Why it exists
-------------
A positive pair must fit inside the sequence, so each motif's own start and strand already lean
one way (on ``+``, A towards the left end and B towards the right). A decoy drawn differently (B
before A, too close, too far) would let a model that knows where each motif sits, one motif at a
time, beat presence-only without any grammar (the *marginal* baseline,
:mod:`danq.simulation.marginal`). So a decoy's (A, B) placement is drawn from a joint law whose
two marginals are exactly the positives' marginals of A and of B, restricted to placements that
break the rule and do not overlap: ``q(a, b) = u(a) p_A(a) v(b) p_B(b) 1[ok(a, b)]`` with ``u`` and
``v`` found by Sinkhorn's matrix scaling so that ``q`` sums to ``p_A`` over ``b`` and to ``p_B``
over ``a``. Rejecting rule-satisfying draws of two independent positive placements instead leaves
a visible bias (A's position then tells decoys from positives; measured in config/README.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

SINKHORN_ITERATIONS = 2000
SINKHORN_TOLERANCE = 1e-10


def pair_marginals(length: int, wa: int, wb: int, gap_lo: int, gap_hi: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The positives' marginal laws of A's and of B's placement: two (2, length) arrays.

    Row 0 is the ``+`` strand, row 1 ``-``; column = start. A positive draws its strand
    uniformly, the gap uniformly in [gap_lo, gap_hi] and the pair's leftmost start uniformly over
    the positions where it fits (:meth:`danq.simulation.sampling._Layout.place_pair`).
    """
    pa, pb = np.zeros((2, length)), np.zeros((2, length))
    gaps = range(gap_lo, gap_hi + 1)
    for gap in gaps:
        n_left = length - wa - gap - wb + 1
        if n_left <= 0:
            continue
        weight = 0.5 / len(gaps) / n_left
        left = np.arange(n_left)
        pa[0, left] += weight  # +: A at left, B after the gap
        pb[0, left + wa + gap] += weight
        pb[1, left] += weight  # -: B at left, A after the gap
        pa[1, left + wb + gap] += weight
    return pa / pa.sum(), pb / pb.sum()


def allowed_pairs(starts_a: np.ndarray, strands_a: np.ndarray, starts_b: np.ndarray,
                  strands_b: np.ndarray, wa: int, wb: int, gap_lo: int, gap_hi: int
                  ) -> np.ndarray:
    """(len(a), len(b)) bool: the placements that neither overlap nor satisfy the rule
    (same strand, B downstream of A in that orientation, gap in [gap_lo, gap_hi])."""
    sa, da = starts_a[:, None], strands_a[:, None]
    sb, db = starts_b[None, :], strands_b[None, :]
    disjoint = (sa + wa <= sb) | (sb + wb <= sa)
    gap = np.where(da > 0, sb - (sa + wa), sa - (sb + wb))
    rule = (da == db) & (gap >= gap_lo) & (gap <= gap_hi)
    return disjoint & ~rule


@dataclass
class DecoyLaw:
    """A sampler of decoy placements ``((start_a, strand_a), (start_b, strand_b))``.

    ``max_marginal_error`` is the largest absolute difference between a marginal of the law and
    the positives' marginal it was scaled to (0 up to the tolerance when scaling converged).
    """

    states_a: list[tuple[int, int]]
    states_b: list[tuple[int, int]]
    cumulative: np.ndarray  # flattened, over (a, b)
    max_marginal_error: float

    @classmethod
    def build(cls, length: int, wa: int, wb: int, gap_lo: int, gap_hi: int) -> DecoyLaw | None:
        """The law for motifs of widths ``wa``, ``wb`` and a rule gap of [gap_lo, gap_hi]; None
        when no placement both fits and breaks the rule (too short a sequence for a decoy)."""
        pa, pb = pair_marginals(length, wa, wb, gap_lo, gap_hi)
        strand_a, start_a = np.nonzero(pa)
        strand_b, start_b = np.nonzero(pb)
        ma, mb = pa[strand_a, start_a], pb[strand_b, start_b]
        sign_a, sign_b = 1 - 2 * strand_a, 1 - 2 * strand_b
        kernel = allowed_pairs(start_a, sign_a, start_b, sign_b, wa, wb, gap_lo, gap_hi) \
            * np.outer(ma, mb)
        if not kernel.any():
            return None
        u, v = np.ones(len(ma)), np.ones(len(mb))
        for _ in range(SINKHORN_ITERATIONS):
            u = np.divide(ma, kernel @ v, out=np.zeros_like(ma), where=kernel @ v > 0)
            v = np.divide(mb, kernel.T @ u, out=np.zeros_like(mb), where=kernel.T @ u > 0)
            if np.abs(u * (kernel @ v) - ma).max() < SINKHORN_TOLERANCE:
                break
        law = u[:, None] * kernel * v[None, :]
        law /= law.sum()
        error = max(np.abs(law.sum(axis=1) - ma).max(), np.abs(law.sum(axis=0) - mb).max())
        cumulative = np.cumsum(law.ravel())
        cumulative[-1] = 1.0
        return cls(list(zip(start_a.tolist(), sign_a.tolist(), strict=True)),
                   list(zip(start_b.tolist(), sign_b.tolist(), strict=True)),
                   cumulative, float(error))

    def draw(self, rand: random.Random) -> tuple[tuple[int, int], tuple[int, int]]:
        """One placement ``((start_a, strand_a), (start_b, strand_b))`` (strands +1/-1)."""
        flat = min(int(np.searchsorted(self.cumulative, rand.random(), side="right")),
                   len(self.cumulative) - 1)
        i, j = divmod(flat, len(self.states_b))
        return self.states_a[i], self.states_b[j]
