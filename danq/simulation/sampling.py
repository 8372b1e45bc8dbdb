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
from danq.simulation.jaspar import Motif
from danq.simulation.rules import (
    GRAMMAR_KINDS,
    Target,
    compute_labels,
    grammar_kinds,
    motif_presence,
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


def sample_sites(motif: Motif, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sites (n, motif.length) uint8 drawn column by column from the motif's PFM."""
    cumulative = np.cumsum(motif.probs, axis=1)
    cumulative[:, -1] = 1.0
    uniforms = rng.random((n, motif.length, 1))
    return (uniforms >= cumulative[None, :, :]).sum(axis=2).clip(0, 3).astype(np.uint8)


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

    def place_pair(self, first: int, second: int, gap_lo: int, gap_hi: int, role: int) -> bool:
        """Put ``first`` then ``second`` on one random strand, a gap in [gap_lo, gap_hi] apart.

        "Then" is read in the pair's own orientation: on the forward strand ``second`` lies to
        the right of ``first``; on the reverse strand both are reverse complements and
        ``second`` lies to the left, so the reverse complement of the sequence shows the same
        pair on the forward strand. Returns False when no free spot was found.
        """
        w1, w2 = self.motif_lengths[first], self.motif_lengths[second]
        gap_hi = min(gap_hi, self.length - w1 - w2)
        if gap_lo > gap_hi:
            return False
        strand = 1 if self.rand.random() < 0.5 else -1
        for _ in range(_PLACE_TRIES):
            gap = self.rand.randint(gap_lo, gap_hi)
            left = self.rand.randint(0, self.length - w1 - gap - w2)
            if strand > 0:
                start1, start2 = left, left + w1 + gap
            else:
                start2, start1 = left, left + w2 + gap
            if self._free(start1, start1 + w1) and self._free(start2, start2 + w2):
                self._add(first, start1, role, strand)
                self._add(second, start2, role, strand)
                return True
        return False


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
)
_ROLE = {name: i for i, name in enumerate(ROLES)}
_NO_DECOY = -1


def _grammar_decoy(layout: _Layout, target: Target) -> int:
    """Plant A and B so that the grammar rule stays false: swapped, too close or too far.

    Returns the decoy's kind (index into :data:`GRAMMAR_KINDS`), or -1 if it could not be placed.
    All three keep A and B on one strand; "swapped" puts B upstream of A in that orientation.
    """
    a, b = target.motifs
    wa, wb = layout.motif_lengths[a], layout.motif_lengths[b]
    kinds = ["swapped"]
    if target.min_gap > 0:
        kinds.append("close")
    if target.max_gap + 1 <= layout.length - wa - wb:
        kinds.append("far")
    kind = layout.rand.choice(kinds)
    role = _ROLE[f"grammar_decoy_{kind}"]
    if kind == "swapped":
        placed = layout.place_pair(b, a, target.min_gap, target.max_gap, role)
    elif kind == "close":
        placed = layout.place_pair(a, b, 0, target.min_gap - 1, role)
    else:
        placed = layout.place_pair(a, b, target.max_gap + 1, layout.length - wa - wb, role)
    return GRAMMAR_KINDS.index(kind) if placed else _NO_DECOY


def _plant(layout: _Layout, target: Target, decoy: bool) -> int:
    """Plant one target's instances; returns the grammar decoy kind placed, else -1."""
    if target.category == "single":
        layout.place_one(target.motifs[0], _ROLE["single"])
    elif target.category == "grammar":
        if decoy:
            return _grammar_decoy(layout, target)
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
    offset = 0
    for i in range(n):
        layout = _Layout(params.length, motif_lengths, rand)
        for t in order:
            u = plant_draws[i, t]
            if u < decoy_rates[t]:
                before = len(layout.instances)
                decoys[i, t] = _plant(layout, targets[t], decoy=u >= plant_rates[t])
                dropped += len(layout.instances) == before
        for motif in random_motifs[offset : offset + n_random[i]].tolist():
            layout.place_one(motif, _ROLE["random"])
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
