"""Drawing one split: background DNA, motif sites, their non-overlapping placement, labels, noise.

:func:`simulate_split` makes a split from its own random stream: background tokens (a human-like
first-order Markov chain or i.i.d. bases), per target a plant or a decoy, random extra instances,
a PFM sample written at every instance, the rules' labels and the recorded label flips.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from danq.encoders import reverse_complement_tokens
from danq.simulation.config import SPLITS, SimulationParams
from danq.simulation.decoys import DecoyLaw
from danq.simulation.jaspar import Motif
from danq.simulation.rules import (
    GRAMMAR_KINDS,
    Target,
    compute_labels,
    grammar_kinds,
    motif_presence,
    pair_kind,
)

# Approximate human-genome dinucleotide frequencies (rows: first base, columns: second base, ACGT).
# CpG is depleted to about 1 %; the stationary GC content of the resulting chain is about 41 %.
HUMAN_DINUCLEOTIDES = np.array(
    [
        [0.098, 0.050, 0.070, 0.077],
        [0.073, 0.052, 0.010, 0.070],
        [0.060, 0.043, 0.052, 0.050],
        [0.065, 0.060, 0.073, 0.098],
    ]
)

_PLACE_TRIES = 30


# ----------------------------------------------------------------------------------------------
# Sampling
# ----------------------------------------------------------------------------------------------


def markov_transitions() -> tuple[np.ndarray, np.ndarray]:
    """The human-like first-order chain: (initial distribution (4,), transition matrix (4, 4))."""
    transitions = HUMAN_DINUCLEOTIDES / HUMAN_DINUCLEOTIDES.sum(axis=1, keepdims=True)
    eigenvalues, eigenvectors = np.linalg.eig(transitions.T)
    stationary = np.real(eigenvectors[:, np.argmin(np.abs(eigenvalues - 1.0))])
    return stationary / stationary.sum(), transitions


def sample_background(
    n: int,
    length: int,
    rng: np.random.Generator,
    *,
    model: str = "markov",
    gc_content: float = 0.41,
) -> np.ndarray:
    """Background tokens (n, length) uint8 in ACGT order, vectorised over sequences."""
    if model == "iid":
        at, gc = (1.0 - gc_content) / 2.0, gc_content / 2.0
        return rng.choice(4, size=(n, length), p=[at, gc, gc, at]).astype(np.uint8)
    initial, transitions = markov_transitions()
    uniforms = rng.random((n, length))
    cumulative = np.cumsum(transitions, axis=1)
    cumulative[:, -1] = 1.0
    tokens = np.empty((n, length), dtype=np.uint8)
    tokens[:, 0] = np.searchsorted(np.cumsum(initial), uniforms[:, 0], side="right").clip(0, 3)
    for pos in range(1, length):
        rows = cumulative[tokens[:, pos - 1]]
        tokens[:, pos] = (uniforms[:, pos, None] >= rows).sum(axis=1).clip(0, 3)
    return tokens


def sample_from_probabilities(probs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sites (n, w) uint8 drawn column by column from ``probs`` (w, 4), ACGT columns."""
    cumulative = np.cumsum(probs, axis=1)
    cumulative[:, -1] = 1.0
    uniforms = rng.random((n, len(probs), 1))
    return (uniforms >= cumulative[None, :, :]).sum(axis=2).clip(0, 3).astype(np.uint8)


def sample_sites(motif: Motif, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sites (n, motif.length) uint8 drawn column by column from the motif's PFM."""
    return sample_from_probabilities(motif.probs, n, rng)


# ----------------------------------------------------------------------------------------------
# Placement of instances
# ----------------------------------------------------------------------------------------------


class _Layout:
    """Non-overlapping instances of one sequence: lists of (motif, start, strand, role)."""

    def __init__(self, length: int, motif_lengths: Sequence[int], rand: random.Random) -> None:
        self.length = length
        self.motif_lengths = motif_lengths
        self.rand = rand
        self.occupied: list[tuple[int, int]] = []
        self.instances: list[tuple[int, int, int, int]] = []

    def _free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.occupied)

    def _add(self, motif: int, start: int, role: int, strand: int | None = None) -> None:
        self.occupied.append((start, start + self.motif_lengths[motif]))
        if strand is None:
            strand = 1 if self.rand.random() < 0.5 else -1
        self.instances.append((motif, start, strand, role))

    def place_one(self, motif: int, role: int) -> bool:
        """Put one instance of ``motif`` anywhere free, on a random strand; False if no spot."""
        width = self.motif_lengths[motif]
        for _ in range(_PLACE_TRIES):
            start = self.rand.randint(0, self.length - width)
            if self._free(start, start + width):
                self._add(motif, start, role)
                return True
        return False

    def _draw_pair(self, first: int, second: int, gap_lo: int, gap_hi: int
                   ) -> tuple[int, int, int]:
        """One draw of a pair's placement: (start of ``first``, start of ``second``, strand).

        A random strand, a gap uniform in [gap_lo, gap_hi] and a leftmost start uniform over the
        positions where the pair fits. "Then" is read in the pair's own orientation: on the
        forward strand ``second`` lies to the right of ``first``; on the reverse strand both are
        reverse complements and ``second`` lies to the left, so the reverse complement of the
        sequence shows the same pair on the forward strand.
        """
        w1, w2 = self.motif_lengths[first], self.motif_lengths[second]
        strand = 1 if self.rand.random() < 0.5 else -1
        gap = self.rand.randint(gap_lo, gap_hi)
        left = self.rand.randint(0, self.length - w1 - gap - w2)
        if strand > 0:
            return left, left + w1 + gap, strand
        return left + w2 + gap, left, strand

    def place_pair(self, first: int, second: int, gap_lo: int, gap_hi: int, role: int) -> bool:
        """Put ``first`` then ``second`` on one strand, a gap in [gap_lo, gap_hi] apart
        (:meth:`_draw_pair`). Returns False when no free spot was found."""
        w1, w2 = self.motif_lengths[first], self.motif_lengths[second]
        gap_hi = min(gap_hi, self.length - w1 - w2)
        if gap_lo > gap_hi:
            return False
        for _ in range(_PLACE_TRIES):
            start1, start2, strand = self._draw_pair(first, second, gap_lo, gap_hi)
            if self._free(start1, start1 + w1) and self._free(start2, start2 + w2):
                self._add(first, start1, role, strand)
                self._add(second, start2, role, strand)
                return True
        return False

    def place_decoy(self, target: Target, law: DecoyLaw) -> str | None:
        """Put A and B where a positive would put each of them, their relation breaking the rule.

        The placement is drawn from ``law`` (:class:`~danq.simulation.decoys.DecoyLaw`: A's and
        B's marginal position and strand are those of a positive; A and B never overlap and
        never satisfy the rule); a draw landing on occupied bases is drawn again. Returns the
        decoy's kind (:func:`~danq.simulation.rules.pair_kind`), or None if nothing fitted.
        """
        a, b = target.motifs
        wa, wb = self.motif_lengths[a], self.motif_lengths[b]
        for _ in range(_PLACE_TRIES):
            (start_a, strand_a), (start_b, strand_b) = law.draw(self.rand)
            if not (self._free(start_a, start_a + wa) and self._free(start_b, start_b + wb)):
                continue
            kind = pair_kind(target, (start_a, strand_a), (start_b, strand_b), wa, wb)
            role = _ROLE[f"grammar_decoy_{kind}"]
            self._add(a, start_a, role, strand_a)
            self._add(b, start_b, role, strand_b)
            return kind
        return None


#: Why each instance was placed (truth.json ``roles``; an instance's ``role`` indexes it).
ROLES = (
    "random",
    "single",
    "grammar",
    "grammar_decoy_swapped",
    "grammar_decoy_close",
    "grammar_decoy_far",
    "combination",
    "combination_decoy",
    "grammar_decoy_opposite_strands",
)
_ROLE = {name: i for i, name in enumerate(ROLES)}
_NO_DECOY = -1


def _grammar_decoy(layout: _Layout, target: Target, law: DecoyLaw | None) -> int:
    """Plant A and B so that the grammar rule stays false, each placed as in a positive
    (:meth:`_Layout.place_decoy`).

    Returns the decoy's kind (index into :data:`GRAMMAR_KINDS`: swapped, close, far or
    opposite_strands), or -1 if it could not be placed (``law`` None: no decoy fits).
    """
    kind = None if law is None else layout.place_decoy(target, law)
    return _NO_DECOY if kind is None else GRAMMAR_KINDS.index(kind)


def decoy_law(target: Target, length: int, motif_lengths: Sequence[int]) -> DecoyLaw | None:
    """The decoy placement law of a grammar target, or None when no positive fits at all."""
    a, b = target.motifs
    wa, wb = motif_lengths[a], motif_lengths[b]
    gap_hi = min(target.max_gap, length - wa - wb)
    if target.min_gap > gap_hi:
        return None
    return DecoyLaw.build(length, wa, wb, target.min_gap, gap_hi)


def _plant(layout: _Layout, target: Target, decoy: bool, law: DecoyLaw | None = None) -> int:
    """Plant one target's instances; returns the grammar decoy kind placed, else -1."""
    if target.category == "single":
        layout.place_one(target.motifs[0], _ROLE["single"])
    elif target.category == "grammar":
        if decoy:
            return _grammar_decoy(layout, target, law)
        layout.place_pair(*target.motifs, target.min_gap, target.max_gap, _ROLE["grammar"])
    else:
        count = target.min_count - 1 if decoy else target.min_count
        role = _ROLE["combination_decoy" if decoy else "combination"]
        for motif in layout.rand.sample(list(target.motifs), count):
            layout.place_one(motif, role)
    return _NO_DECOY


# ----------------------------------------------------------------------------------------------
# One split
# ----------------------------------------------------------------------------------------------


def _random_motif(motif: int, paired: set[int], n_motifs: int, rand: random.Random) -> int:
    """A random instance's motif: ``motif``, unless it belongs to a grammar pair planted (plant
    or decoy) in this sequence, then another motif drawn uniformly from the rest.

    So every grammar plant and decoy holds exactly one A and one B: an extra chance instance
    would otherwise turn some decoys into positives, and a model could then rank sequences by
    how many instances of A and B they hold (more instances, more positives) without grammar.
    """
    if motif not in paired:
        return motif
    others = [m for m in range(n_motifs) if m not in paired]
    return rand.choice(others) if others else motif


@dataclass
class SplitData:
    """One simulated split: sequences as tokens, labels, instances (motif indices) and flips."""

    names: list[str]
    tokens: np.ndarray  # (n, length) uint8
    labels: np.ndarray  # (n, n_targets) uint8, after noise
    clean_labels: np.ndarray  # (n, n_targets) uint8, before noise
    instances: dict[str, np.ndarray]  # seq, motif (index), start, strand (+1/-1), role
    flips: np.ndarray  # (n_flips, 2) int: record index, target index
    dropped_plants: int
    grammar_kinds: dict[int, np.ndarray]  # grammar target index -> (n,) index into GRAMMAR_KINDS


def simulate_split(
    split: str,
    n: int,
    params: SimulationParams,
    motifs: Sequence[Motif],
    targets: Sequence[Target],
) -> SplitData:
    """Generate one split from its own random stream (derived from the seed and the split name)."""
    split_index = SPLITS.index(split)
    rng = np.random.default_rng(np.random.SeedSequence([params.seed, split_index]))
    rand = random.Random(int(rng.integers(2**62)))
    tokens = sample_background(
        n, params.length, rng, model=params.background, gc_content=params.gc_content
    )
    motif_lengths = [m.length for m in motifs]
    plant_draws = rng.random((n, len(targets)))
    n_random = rng.poisson(params.random_instances_mean, size=n)
    random_motifs = rng.integers(len(motifs), size=int(n_random.sum()))
    plant_rates = np.array([t.plant_rate for t in targets])
    decoy_rates = plant_rates + np.array([t.decoy_rate for t in targets])

    columns: dict[str, list[int]] = {k: [] for k in ("seq", "motif", "start", "strand", "role")}
    dropped = 0
    decoys = np.full((n, len(targets)), _NO_DECOY, dtype=np.int64)
    # Grammar pairs are the hardest to fit, so they are placed first.
    order = sorted(range(len(targets)), key=lambda t: targets[t].category != "grammar")
    laws = {t: decoy_law(targets[t], params.length, motif_lengths) for t in order
            if targets[t].category == "grammar" and targets[t].decoy_rate > 0 and n > 0}
    offset = 0
    for i in range(n):
        layout = _Layout(params.length, motif_lengths, rand)
        paired: set[int] = set()  # motifs of the grammar pairs planted here (plant or decoy)
        for t in order:
            u = plant_draws[i, t]
            if u < decoy_rates[t]:
                before = len(layout.instances)
                decoys[i, t] = _plant(layout, targets[t], u >= plant_rates[t], laws.get(t))
                dropped += len(layout.instances) == before
                if targets[t].category == "grammar" and len(layout.instances) > before:
                    paired.update(targets[t].motifs)
        for motif in random_motifs[offset : offset + n_random[i]].tolist():
            layout.place_one(_random_motif(motif, paired, len(motifs), rand), _ROLE["random"])
        offset += int(n_random[i])
        for motif, start, strand, role in layout.instances:
            columns["seq"].append(i)
            columns["motif"].append(motif)
            columns["start"].append(start)
            columns["strand"].append(strand)
            columns["role"].append(role)

    instances = {k: np.asarray(v, dtype=np.int64) for k, v in columns.items()}
    _write_sites(tokens, instances, motifs, rng)
    clean = compute_labels(n, instances, targets, motifs)
    flip_mask = rng.random(clean.shape) < params.label_noise
    labels = clean ^ flip_mask.astype(np.uint8)
    width = max(6, len(str(max(n - 1, 0))))
    names = [f"{split}_{i:0{width}d}" for i in range(n)]
    present = motif_presence(n, instances["seq"], instances["motif"], len(motifs))
    kinds = grammar_kinds(clean, decoys, present, targets)
    return SplitData(
        names, tokens, labels, clean, instances, np.argwhere(flip_mask), dropped, kinds
    )


def _write_sites(
    tokens: np.ndarray,
    instances: Mapping[str, np.ndarray],
    motifs: Sequence[Motif],
    rng: np.random.Generator,
) -> None:
    """Overwrite the background at every instance with a PFM sample (reverse complement on -)."""
    for m, motif in enumerate(motifs):
        chosen = np.flatnonzero(instances["motif"] == m)
        if chosen.size == 0:
            continue
        sites = sample_sites(motif, chosen.size, rng)
        minus = instances["strand"][chosen] < 0
        sites[minus] = reverse_complement_tokens(sites[minus])
        rows = instances["seq"][chosen][:, None]
        cols = instances["start"][chosen][:, None] + np.arange(motif.length)[None, :]
        tokens[rows, cols] = sites
