"""The targets' rules: validated :class:`Target` objects and the labels they give placed instances.

Rule definitions (positions are 0-based on the forward strand of the written sequence; ``start`` is
the leftmost base of an instance whatever its strand; instances on either strand count):

* single: any instance of the motif.
* grammar: some instance ``a`` of A and ``b`` of B **on the same strand** with B downstream of A
  in that strand's orientation and ``min_gap <= gap <= max_gap``, where on ``+``
  ``gap = b.start - (a.start + len(A))`` and on ``-`` ``gap = a.start - (b.start + len(B))``
  (the gap counts the bases between them). A pair on opposite strands does not count.
* combination: at least ``min_count`` distinct motifs of the set have an instance.

Every rule is **strand-symmetric**: reverse-complementing a sequence moves an instance at
``start`` on strand ``s`` to ``length - start - len`` on strand ``-s``, which leaves presence,
strand agreement, order-in-orientation and gap unchanged, so a sequence and its reverse complement
always share their labels (evaluation averages the two, as DeepSEA did). An earlier version read
"A upstream of B" in forward coordinates, which made the reverse complement of every positive look
like a swapped decoy.

The simulation labels its sequences with these functions, and ``danq baselines``' oracle applies
the same ones to the instances recorded in truth.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.simulation.config import SimulationParams
from danq.simulation.jaspar import Motif

CATEGORIES = ("single", "grammar", "combination")

_TARGET_NAME_RE = re.compile(r"^[A-Za-z0-9_.:+-]+$")
_TARGET_KEYS = {
    "single": {"name", "category", "motifs", "plant_rate"},
    "grammar": {"name", "category", "motifs", "min_gap", "max_gap", "plant_rate", "decoy_rate"},
    "combination": {"name", "category", "motifs", "min_count", "plant_rate", "decoy_rate"},
}


@dataclass(frozen=True)
class Target:
    """A validated target: motif indices into the motif list plus the rule's parameters."""

    name: str
    category: str
    motifs: tuple[int, ...]
    plant_rate: float
    decoy_rate: float
    min_gap: int = 0
    max_gap: int = 0
    min_count: int = 0


#: Per sequence and grammar target, what the sequence is for that target (truth.json
#: ``grammar_kinds``): a positive, one of the four kinds of planted decoy (same strand but B
#: upstream of A, too close or too far; or A and B on opposite strands), or a negative without a
#: decoy that holds both motifs anyway (``both_other``, chance instances), only one of them
#: (``one_motif``) or neither (``none``).
GRAMMAR_KINDS = ("positive", "swapped", "close", "far", "opposite_strands", "both_other",
                 "one_motif", "none")
_GRAMMAR_KIND = {name: i for i, name in enumerate(GRAMMAR_KINDS)}


# ----------------------------------------------------------------------------------------------
# Targets
# ----------------------------------------------------------------------------------------------


def _resolve_motif_ref(ref: Any, motifs: Sequence[Motif], target: str, source: str) -> int:
    """Index of the motif named ``ref`` (matrix ID, base ID or case-insensitive TF name)."""
    if not isinstance(ref, str):
        raise DanqError(f"{source}: target {target!r}: motif reference {ref!r} is not a string")
    for i, motif in enumerate(motifs):
        if ref in (motif.matrix_id, motif.requested_id, motif.matrix_id.split(".")[0]):
            return i
    by_name = [i for i, m in enumerate(motifs) if m.name.upper() == ref.upper()]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise DanqError(f"{source}: target {target!r}: motif name {ref!r} is ambiguous; use its ID")
    raise DanqError(f"{source}: target {target!r}: motif {ref!r} is not among the chosen motifs")


def build_targets(
    params: SimulationParams, motifs: Sequence[Motif], *, source: str = "simulate"
) -> list[Target]:
    """Validate ``params.targets`` against the motif set and the sequence length."""
    targets: list[Target] = []
    names: set[str] = set()
    for spec in params.targets:
        target = _build_target(spec, params, motifs, source)
        if target.name in names:
            raise DanqError(f"{source}: target name {target.name!r} is used twice")
        names.add(target.name)
        targets.append(target)
    longest = max(m.length for m in motifs)
    if params.length < longest:
        raise DanqError(
            f"{source}: length {params.length} is shorter than the longest motif ({longest} bp)"
        )
    return targets


def _build_target(
    spec: Mapping[str, Any], params: SimulationParams, motifs: Sequence[Motif], source: str
) -> Target:
    name = spec.get("name")
    if not isinstance(name, str) or not _TARGET_NAME_RE.match(name) or name == "name":
        raise DanqError(f"{source}: target name {name!r} must be a word of letters, digits, _.:+-")
    category = spec.get("category")
    if category not in CATEGORIES:
        raise DanqError(
            f"{source}: target {name!r}: category must be one of {', '.join(CATEGORIES)}"
        )
    extra = set(spec) - _TARGET_KEYS[category]
    if extra:
        raise DanqError(f"{source}: target {name!r}: unknown key(s) {', '.join(sorted(extra))}")
    refs = spec.get("motifs")
    if not isinstance(refs, list) or not refs:
        raise DanqError(f"{source}: target {name!r}: 'motifs' must be a non-empty list")
    indices = tuple(_resolve_motif_ref(r, motifs, name, source) for r in refs)
    if len(set(indices)) != len(indices):
        raise DanqError(f"{source}: target {name!r}: a motif is listed twice")
    plant_rate = _rate(spec, "plant_rate", getattr(params, f"{category}_plant_rate"), name, source)
    decoy_default = 0.0 if category == "single" else getattr(params, f"{category}_decoy_rate")
    decoy_rate = _rate(spec, "decoy_rate", decoy_default, name, source)
    if plant_rate + decoy_rate > 1.0:
        raise DanqError(f"{source}: target {name!r}: plant_rate + decoy_rate exceeds 1")

    if category == "single":
        if len(indices) != 1:
            raise DanqError(f"{source}: target {name!r}: a single target takes exactly 1 motif")
        return Target(name, category, indices, plant_rate, decoy_rate)
    if category == "grammar":
        if len(indices) != 2:
            raise DanqError(f"{source}: target {name!r}: a grammar target takes 2 motifs (A, B)")
        min_gap = _int(spec, "min_gap", 50, name, source)
        max_gap = _int(spec, "max_gap", 200, name, source)
        if not 0 <= min_gap <= max_gap:
            raise DanqError(f"{source}: target {name!r}: need 0 <= min_gap <= max_gap")
        span = motifs[indices[0]].length + max_gap + motifs[indices[1]].length
        if params.length < span:
            raise DanqError(
                f"{source}: length {params.length} is shorter than target {name!r} needs "
                f"(motif A + max_gap + motif B = {span} bp)"
            )
        return Target(name, category, indices, plant_rate, decoy_rate, min_gap, max_gap)
    if len(indices) < 2:
        raise DanqError(f"{source}: target {name!r}: a combination target takes >= 2 motifs")
    min_count = _int(spec, "min_count", 2, name, source)
    if not 1 <= min_count <= len(indices):
        raise DanqError(f"{source}: target {name!r}: min_count must be in 1..{len(indices)}")
    longest_first = sorted((motifs[i].length for i in indices), reverse=True)
    total = sum(longest_first[:min_count])
    if params.length < total:
        raise DanqError(f"{source}: length {params.length} cannot hold target {name!r}'s motifs")
    return Target(name, category, indices, plant_rate, decoy_rate, min_count=min_count)


def _rate(spec: Mapping[str, Any], key: str, default: float, name: str, source: str) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise DanqError(f"{source}: target {name!r}: {key} must be a number between 0 and 1")
    return float(value)


def _int(spec: Mapping[str, Any], key: str, default: int, name: str, source: str) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DanqError(f"{source}: target {name!r}: {key} must be an integer")
    return value


def describe_rule(target: Target, motifs: Sequence[Motif]) -> str:
    """A one-line, human-readable statement of the target's rule."""
    labels = [f"{motifs[i].name} ({motifs[i].matrix_id})" for i in target.motifs]
    if target.category == "single":
        return f"{labels[0]} present on either strand"
    if target.category == "grammar":
        return (
            f"{labels[0]} then {labels[1]}: A and B on the same strand, B downstream of A in that "
            f"orientation, {target.min_gap} <= gap <= {target.max_gap} bp (strand +: gap = "
            "B.start - A.end; strand -: gap = A.start - B.end)"
        )
    return f"at least {target.min_count} of {{{', '.join(labels)}}} present"


# ----------------------------------------------------------------------------------------------
# Labels
# ----------------------------------------------------------------------------------------------


def compute_labels(
    n: int,
    instances: Mapping[str, np.ndarray],
    targets: Sequence[Target],
    motifs: Sequence[Motif],
) -> np.ndarray:
    """Noise-free labels (n, n_targets) uint8 from instance columns ``seq``, ``motif``,
    ``start`` and ``strand`` (+1 / -1).

    ``instances["motif"]`` holds motif indices here (not IDs). Every rule is strand-symmetric:
    the reverse complement of a sequence (an instance at ``start`` on strand ``s`` moves to
    ``length - start - width`` on strand ``-s``) gets the same labels.
    """
    seq, motif = instances["seq"], instances["motif"]
    present = motif_presence(n, seq, motif, len(motifs))
    labels = np.zeros((n, len(targets)), dtype=np.uint8)
    for t, target in enumerate(targets):
        if target.category == "single":
            labels[:, t] = present[:, target.motifs[0]]
        elif target.category == "combination":
            labels[:, t] = present[:, list(target.motifs)].sum(axis=1) >= target.min_count
        else:
            labels[:, t] = grammar_hits(n, instances, target, [m.length for m in motifs])
    return labels


def motif_presence(n: int, seq: np.ndarray, motif: np.ndarray, n_motifs: int) -> np.ndarray:
    """Boolean (n, n_motifs): whether sequence i holds at least one instance of motif j."""
    present = np.zeros((n, n_motifs), dtype=bool)
    present[np.asarray(seq, dtype=np.int64), np.asarray(motif, dtype=np.int64)] = True
    return present


def grammar_hits(
    n: int,
    instances: Mapping[str, np.ndarray],
    target: Target,
    motif_lengths: Sequence[int],
) -> np.ndarray:
    """Per sequence, whether some B instance lies downstream of some A instance at an allowed gap.

    The order is read in the motifs' own orientation, so A and B must be on the same strand:
    on ``+``, ``gap = B.start - (A.start + len(A))``; on ``-`` (both reverse complements, read
    right to left), ``gap = A.start - (B.start + len(B))``; the rule holds when
    ``min_gap <= gap <= max_gap``. A sequence and its reverse complement therefore always agree.
    """
    a, b = target.motifs
    a_len, b_len = motif_lengths[a], motif_lengths[b]
    seq, motif = instances["seq"], instances["motif"]
    start, strand = instances["start"], instances["strand"]
    a_sites: dict[int, list[tuple[int, int]]] = {}
    is_a = motif == a
    for s, p, d in zip(seq[is_a].tolist(), start[is_a].tolist(), strand[is_a].tolist(),
                       strict=True):
        a_sites.setdefault(s, []).append((p, d))
    hits = np.zeros(n, dtype=bool)
    is_b = motif == b
    for s, p, d in zip(seq[is_b].tolist(), start[is_b].tolist(), strand[is_b].tolist(),
                       strict=True):
        for pa, da in a_sites.get(s, ()):
            if da != d:
                continue
            gap = p - (pa + a_len) if d > 0 else pa - (p + b_len)
            if target.min_gap <= gap <= target.max_gap:
                hits[s] = True
                break
    return hits


def pair_kind(target: Target, a: tuple[int, int], b: tuple[int, int], a_len: int,
              b_len: int) -> str:
    """What one A instance and one B instance, each ``(start, strand)``, are for a grammar target.

    ``positive`` when they satisfy the rule (:func:`grammar_hits`' gap); otherwise
    ``opposite_strands``, ``swapped`` (same strand, B upstream of A in that orientation),
    ``close`` (gap below ``min_gap``) or ``far`` (above ``max_gap``).
    """
    (pa, da), (pb, db) = a, b
    if da != db:
        return "opposite_strands"
    gap = pb - (pa + a_len) if da > 0 else pa - (pb + b_len)
    if gap < 0:
        return "swapped"
    if gap < target.min_gap:
        return "close"
    return "far" if gap > target.max_gap else "positive"


def grammar_kinds(
    clean: np.ndarray,
    decoys: np.ndarray,
    present: np.ndarray,
    targets: Sequence[Target],
) -> dict[int, np.ndarray]:
    """Per grammar target (by index), each sequence's kind as an index into GRAMMAR_KINDS.

    ``clean`` are the noise-free labels, ``decoys`` (n, n_targets) the decoy kind planted (-1:
    none) and ``present`` the motif presence. A positive stays a positive even where a decoy was
    also planted (the rule holds); a negative is the decoy planted for it, else it is classified
    by which of A and B it holds.
    """
    kinds: dict[int, np.ndarray] = {}
    for t, target in enumerate(targets):
        if target.category != "grammar":
            continue
        a, b = target.motifs
        n_present = present[:, a].astype(int) + present[:, b]
        kind = np.select(
            [n_present == 2, n_present == 1],
            [_GRAMMAR_KIND["both_other"], _GRAMMAR_KIND["one_motif"]],
            _GRAMMAR_KIND["none"],
        )
        kind = np.where(decoys[:, t] >= 0, decoys[:, t], kind)
        kinds[t] = np.where(clean[:, t] > 0, _GRAMMAR_KIND["positive"], kind).astype(np.int64)
    return kinds
