"""Planting two motifs into background DNA: motifs, backgrounds, the order/strand/spacing grid.

The grid speaks the benchmark's grammar rule (:mod:`danq.simulation.rules`) in its own terms, so
a cell says directly whether a rule "A then B, same strand, ``min_gap <= gap <= max_gap``" holds:

* ``orientation`` (``+``/``-``): the strand motif A is written on. The pair as a whole is
  reverse-complemented by switching it, so the two orientations are the same arrangement read
  on either strand (every rule is strand-symmetric).
* ``strand`` (``same``/``opposite``): B's strand relative to A's.
* ``order`` (``AB``/``BA``): which motif comes first **reading in A's orientation** — on ``+``
  left to right on the written sequence, on ``-`` right to left. ``AB`` with ``same`` strand is
  exactly the rules' "B downstream of A in that orientation".
* ``spacing``: the bases between the two instances, the rules' ``gap`` (on ``+``
  ``B.start - (A.start + len(A))``, on ``-`` ``A.start - (B.start + len(B))``; ``start`` is the
  leftmost base on the forward strand whatever the strand).

A cell therefore satisfies the rule exactly when ``order == "AB"``, ``strand == "same"`` and the
spacing is inside the window (:func:`satisfies_rule`); a test checks this against
:func:`danq.simulation.rules.grammar_hits` on the planted coordinates. The pair is centred in the
sequence.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.formats.jaspar import DEFAULT_RELEASE

ORDERS = ("AB", "BA")
STRANDS = ("same", "opposite")
ORIENTATIONS = ("+", "-")
PLANTINGS = ("consensus", "sampled")
GRID_COLUMNS = ["order", "strand", "orientation", "spacing", "a_start", "a_strand", "b_start",
                "b_strand"]


@dataclass(frozen=True)
class PlantMotif:
    """A motif to plant: its id, name and (4, w) probabilities (rows ACGT)."""

    motif_id: str
    name: str
    ppm: np.ndarray

    @property
    def width(self) -> int:
        return int(self.ppm.shape[1])

    @property
    def consensus(self) -> str:
        return "".join("ACGT"[i] for i in self.ppm.argmax(axis=0))

    def sites(self, n: int, planting: str, rng: np.random.Generator) -> np.ndarray:
        """``n`` site token rows (n, w), forward orientation: the consensus repeated, or drawn
        column by column from the matrix (``sampled``)."""
        if planting == "consensus":
            return np.repeat(self.ppm.argmax(axis=0)[None, :].astype(np.uint8), n, axis=0)
        from danq.simulation.sampling import sample_from_probabilities

        return sample_from_probabilities(self.ppm.T, n, rng)


# ----------------------------------------------------------------------------------------------
# Motifs


def _from_meme(ref: str, path: str | os.PathLike[str]) -> PlantMotif | None:
    from danq.motifs.meme import read_meme

    for motif in read_meme(path):
        if motif.name == ref:
            return PlantMotif(motif.name, motif.name, motif.ppm)
    return None


def _from_truth(ref: str, path: str | os.PathLike[str]) -> PlantMotif | None:
    from danq.motifs.matrices import as_ppm
    from danq.simulation.truth import read_truth_motifs

    motifs, _ = read_truth_motifs(path)
    for m in motifs:
        if m.pfm is not None and (ref in (m.matrix_id, m.matrix_id.split(".")[0])
                                  or ref.upper() == m.name.upper()):
            return PlantMotif(m.matrix_id, m.name, as_ppm(m.pfm, f"{path}: {m.matrix_id}"))
    return None


def _from_jaspar(ref: str, release: str) -> PlantMotif | None:
    from danq.formats.jaspar import load_jaspar
    from danq.motifs.matrices import as_ppm

    motifs = load_jaspar(release)
    hits = [m for m in motifs if ref in (m.matrix_id, m.matrix_id.split(".")[0])]
    if not hits:
        hits = [m for m in motifs if m.name.upper() == ref.upper()]
        if len(hits) > 1:
            ids = ", ".join(m.matrix_id for m in hits)
            raise DanqError(f"--motifs {ref}: the name is ambiguous in {release} ({ids}); use an ID")
    if hits:
        m = hits[0]
        return PlantMotif(m.matrix_id, m.name, as_ppm(m.pfm, m.matrix_id))
    if not re.fullmatch(r"[A-Z]{2}\d{4}(\.\d+)?", ref):
        return None
    from danq.simulation.jaspar import load_motifs  # any collection, any version of an ID

    try:
        (motif,) = load_motifs([ref], release, source="--motifs")
    except DanqError:
        return None
    return PlantMotif(motif.matrix_id, motif.name, motif.probs.T.copy())


def resolve_motif(
    ref: Any,
    *,
    release: str = DEFAULT_RELEASE,
    meme: str | os.PathLike[str] | None = None,
    truth: str | os.PathLike[str] | None = None,
) -> PlantMotif:
    """A motif by reference: a :class:`PlantMotif`, a (4, w) matrix, a name in ``meme``, an ID or
    name in ``truth`` (truth.json: the matrices the simulation planted) or a JASPAR CORE
    vertebrates matrix ID (``MA0139.2``, ``MA0139``) or TF name of ``release`` (offline).

    The sources are searched in that order; an unknown reference is a one-line DanqError.
    """
    if isinstance(ref, PlantMotif):
        return ref
    if not isinstance(ref, str):
        from danq.motifs.matrices import as_ppm

        return PlantMotif("motif", "motif", as_ppm(np.asarray(ref), "motif matrix"))
    ref = ref.strip()
    if not ref:
        raise DanqError("--motifs: an empty motif name")
    for source, find in ((meme, _from_meme), (truth, _from_truth)):
        if source is not None:
            found = find(ref, source)
            if found is not None:
                return found
    from danq.formats.jaspar import normalise_release

    release = normalise_release(release)
    found = _from_jaspar(ref, release)
    if found is None:
        where = [f"MEME file {meme}"] if meme else []
        where += [f"truth file {truth}"] if truth else []
        where.append(f"JASPAR {release} CORE vertebrates")
        raise DanqError(f"--motifs {ref}: unknown motif (not in {', nor '.join(where)})")
    return found


# ----------------------------------------------------------------------------------------------
# Backgrounds


def simulated_backgrounds(n: int, length: int, seed: int = 0) -> np.ndarray:
    """``n`` sequences (n, length) uint8 of the simulation's human-like background (first-order
    Markov chain, 41 % GC: :func:`danq.simulation.sampling.sample_background`)."""
    from danq.simulation.sampling import sample_background

    if n < 1:
        raise DanqError(f"--background {n}: need at least 1 background sequence")
    return sample_background(n, length, np.random.default_rng(seed))


def shuffled_backgrounds(
    path: str | os.PathLike[str], n: int, length: int, seed: int = 0
) -> np.ndarray:
    """Up to ``n`` sequences of a FASTA file or danq HDF5 dataset, fitted to ``length`` and
    dinucleotide-shuffled (tangermeme's ``dinucleotide_shuffle``: motifs destroyed, dinucleotide
    composition kept; N stays N)."""
    import torch
    from tangermeme.ersatz import dinucleotide_shuffle

    from danq.encoders import one_hot_to_tokens, tokens_to_one_hot
    from danq.formats.sources import sample_tokens

    tokens = sample_tokens(path, sequence_length=length, min_length=1, max_sequences=n, seed=seed)
    x = torch.from_numpy(tokens_to_one_hot(tokens))
    shuffled = dinucleotide_shuffle(x, n=1, random_state=seed, allow_N=True)[:, 0].numpy()
    return one_hot_to_tokens(shuffled)


def load_backgrounds(spec: Any, length: int, *, n: int = 100, seed: int = 0) -> np.ndarray:
    """Background token rows: an int (that many simulated), a path (up to ``n`` records of a
    FASTA / danq HDF5 file, dinucleotide-shuffled), or a list of strings or a (N, L) uint8 token
    array (used as given)."""
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return simulated_backgrounds(int(spec), length, seed)
    if isinstance(spec, (str, os.PathLike)):
        return shuffled_backgrounds(spec, n, length, seed)
    if isinstance(spec, np.ndarray) and spec.dtype == np.uint8 and spec.ndim == 2:
        tokens = spec
    else:
        from danq.encoders import tokens_batch

        tokens = tokens_batch(list(spec))
    if tokens.ndim != 2 or tokens.shape[0] == 0:
        raise DanqError("backgrounds: need at least one sequence")
    if tokens.shape[1] != length:
        raise DanqError(f"backgrounds: sequences are {tokens.shape[1]} bp, the model takes {length}")
    return np.ascontiguousarray(tokens, dtype=np.uint8)


# ----------------------------------------------------------------------------------------------
# The grid


def parse_spacings(text: str) -> list[int]:
    """``"0,10,50"`` or ``"START:STOP:STEP"`` (inclusive) or a mix of both -> sorted spacings."""
    values: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ":" in part:
                fields = [int(v) for v in part.split(":")]
                if len(fields) not in (2, 3) or (len(fields) == 3 and fields[2] < 1):
                    raise ValueError
                step = fields[2] if len(fields) == 3 else 1
                values.update(range(fields[0], fields[1] + 1, step))
            else:
                values.add(int(part))
        except ValueError:
            raise DanqError(f"--spacings {text}: expected integers or START:STOP:STEP") from None
    if not values or min(values) < 0:
        raise DanqError(f"--spacings {text}: spacings must be >= 0")
    return sorted(values)


def default_spacings(width_a: int, width_b: int, length: int, step: int = 10,
                     longest: int = 300) -> list[int]:
    """0, ``step``, ... up to ``longest`` or as far as the two motifs fit in ``length``."""
    room = length - width_a - width_b
    if room < 0:
        raise DanqError(f"motifs of {width_a} and {width_b} bp do not fit in {length} bp")
    return list(range(0, min(room, longest) + 1, step))


def _choices(values: Iterable[str], allowed: Sequence[str], option: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(str(v).strip() for v in values))
    bad = [v for v in chosen if v not in allowed]
    if bad or not chosen:
        raise DanqError(f"{option} {','.join(chosen)}: choose from {', '.join(allowed)}")
    return chosen


def layout(order: str, strand: str, orientation: str, spacing: int, width_a: int, width_b: int,
           length: int) -> tuple[int, int, int, int]:
    """``(a_start, a_strand, b_start, b_strand)`` of one cell, the pair centred (see module doc)."""
    a_strand = 1 if orientation == "+" else -1
    b_strand = a_strand if strand == "same" else -a_strand
    left = (length - (width_a + spacing + width_b)) // 2
    a_first_on_forward = (order == "AB") == (orientation == "+")
    if a_first_on_forward:
        return left, a_strand, left + width_a + spacing, b_strand
    return left + width_b + spacing, a_strand, left, b_strand


def grid(
    width_a: int, width_b: int, length: int, spacings: Sequence[int] | None = None, *,
    orders: Iterable[str] = ORDERS, strands: Iterable[str] = STRANDS,
    orientations: Iterable[str] = ORIENTATIONS,
) -> Any:
    """Every cell of the experiment as a DataFrame (:data:`GRID_COLUMNS`), order-major.

    A spacing the two motifs do not fit into ``length`` with is a one-line DanqError.
    """
    import pandas as pd

    orders = _choices(orders, ORDERS, "--orders")
    strands = _choices(strands, STRANDS, "--strands")
    orientations = _choices(orientations, ORIENTATIONS, "--orientations")
    if spacings is None:
        spacings = default_spacings(width_a, width_b, length)
    spacings = sorted({int(s) for s in spacings})
    room = length - width_a - width_b
    too_far = [s for s in spacings if s > room or s < 0]
    if too_far or not spacings:
        raise DanqError(
            f"--spacings: {too_far[0] if too_far else 'none'} does not fit: motifs of {width_a} "
            f"and {width_b} bp leave spacings 0..{room} in {length} bp sequences"
        )
    rows = [(o, s, r, g, *layout(o, s, r, g, width_a, width_b, length))
            for o in orders for s in strands for r in orientations for g in spacings]
    return pd.DataFrame(rows, columns=GRID_COLUMNS)


def satisfies_rule(order: Any, strand: Any, spacing: Any, min_gap: int, max_gap: int, *,
                   first: str = "A") -> np.ndarray:
    """Whether cells satisfy the grammar rule "``first`` then the other motif, same strand,
    ``min_gap <= gap <= max_gap``" (:mod:`danq.simulation.rules`); vectorised.

    ``first="B"`` reads a target whose rule names B before A (its cells are ``order == "BA"``).
    """
    if first not in ("A", "B"):
        raise DanqError(f"first={first!r}: expected 'A' or 'B'")
    wanted = "AB" if first == "A" else "BA"
    order, strand, spacing = (np.asarray(v) for v in (order, strand, spacing))
    return (order == wanted) & (strand == "same") & (spacing >= min_gap) & (spacing <= max_gap)


def plant(backgrounds: np.ndarray, sites: np.ndarray, start: int, strand: int) -> np.ndarray:
    """Copies of ``backgrounds`` (n, L) with ``sites`` (n, w) written at ``start`` (forward
    coordinates), reverse-complemented when ``strand`` is -1."""
    out = np.array(backgrounds, dtype=np.uint8, copy=True)
    written = sites if strand > 0 else reverse_complement_tokens(sites)
    out[:, start:start + sites.shape[1]] = written
    return out
