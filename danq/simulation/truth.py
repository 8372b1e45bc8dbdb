"""truth.json, the simulation's ground truth: its one writer and its one reader.

``danq simulate`` writes it (:func:`truth_document`, :func:`split_entry`, :func:`write_truth`; the
keys are listed in :mod:`danq.simulation.simulate`). Everything else reads it through this module:
:func:`read_truth` gives one split (names, instances, flips, grammar kinds) to the baselines and the
oracle of ``danq evaluate --truth``; :func:`read_truth_motifs` gives the motifs, the targets using
each and the background model to ``danq simulate-variants``, ``danq motifs --truth`` and the
report. The background model is written and parsed in one place, :class:`BackgroundModel`.

The split view needs format version 2 (strand-symmetric rules, decoy kinds); the motif view reads
any file with a ``motifs`` list (``id``, and ``name``, ``length``, ``pfm`` where present).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path, require_file
from danq.simulation.config import SimulationParams
from danq.simulation.jaspar import ALPHABET, Motif
from danq.simulation.rules import GRAMMAR_KINDS, Target, describe_rule
from danq.simulation.sampling import ROLES, SplitData, markov_transitions

TRUTH_FORMAT = "danq-simulate-truth"
TRUTH_FORMAT_VERSION = 2
#: What truth.json says about coordinates.
COORDINATES = (
    "0-based start of the leftmost base on the forward strand; strand '-' means the reverse "
    "complement of a PFM sample was written"
)

#: What truth.json says about strand symmetry (the design choice of the grammar rule).
STRAND_SYMMETRY = (
    "Every rule gives a sequence and its reverse complement the same label. single and "
    "combination count instances on either strand. grammar reads order and spacing in the "
    "motifs' own orientation: 'A then B' means A and B on the same strand with B downstream of A "
    "in that orientation (strand +: B to the right, gap = B.start - A.end; strand -: B to the "
    "left, gap = A.start - B.end). A pair on opposite strands never satisfies the rule. A plant "
    "puts both motifs on one random strand; a decoy places A and B each as a plant would "
    "(same position and strand law per motif) in a relation that breaks the rule."
)
#: What truth.json says about label noise.
LABEL_NOISE_NOTE = (
    "The labels in <split>.labels.tsv (train, valid AND test) are the rule's labels with each "
    "(record, target) flipped independently with probability params.label_noise; 'flips' lists "
    "every flipped [record index, target index], so the clean labels are the written labels "
    "XOR the flips."
)


@dataclass(frozen=True)
class BackgroundModel:
    """The background DNA model as truth.json records it: ``markov1`` (first-order chain) or ``iid``.

    ``initial`` (4,) and ``transitions`` (4, 4, rows: previous base) are set for ``markov1`` only,
    in ACGT order.
    """

    model: str
    gc_content: float
    initial: np.ndarray | None = None
    transitions: np.ndarray | None = None

    @classmethod
    def of_params(cls, params: SimulationParams) -> BackgroundModel:
        """The model ``params`` simulate: the human-like chain, or i.i.d. bases at ``gc_content``."""
        if params.background == "iid":
            return cls("iid", params.gc_content)
        initial, transitions = markov_transitions()
        return cls("markov1", float(initial[1] + initial[2]), initial, transitions)

    @classmethod
    def from_json(cls, entry: Mapping[str, Any] | None) -> BackgroundModel:
        """Parse truth.json's ``background``: ``markov1`` with its chain, else i.i.d. by
        ``gc_content`` (0.41 when absent). Raises KeyError/ValueError on a garbled chain."""
        if entry and entry.get("model") == "markov1":
            initial = np.asarray(entry["initial"], dtype=np.float64)
            transitions = np.asarray(entry["transitions"], dtype=np.float64)
            if initial.shape != (4,) or transitions.shape != (4, 4):
                raise ValueError("the background chain (4 initial, 4 x 4 transitions)")
            gc = entry.get("gc_content", initial[1] + initial[2])
            return cls("markov1", float(gc), initial, transitions)
        return cls("iid", float((entry or {}).get("gc_content", 0.41)))

    def to_json(self) -> dict[str, Any]:
        """truth.json's ``background`` entry (chain probabilities rounded to 6 digits)."""
        if self.initial is None or self.transitions is None:
            return {"model": "iid", "gc_content": self.gc_content}
        return {
            "model": "markov1",
            "alphabet": ALPHABET,
            "initial": [round(float(v), 6) for v in self.initial],
            "transitions": [[round(float(v), 6) for v in row] for row in self.transitions],
            "gc_content": round(self.gc_content, 6),
        }

    def composition(self) -> np.ndarray:
        """The base composition (ACGT): the Markov chain's stationary law, or i.i.d. GC."""
        if self.initial is not None:
            return self.initial / self.initial.sum()
        gc = self.gc_content
        return np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


def truth_document(
    params: SimulationParams, motifs: Sequence[Motif], targets: Sequence[Target]
) -> dict[str, Any]:
    """truth.json's content before any split: format, parameters, background, motifs, targets.

    ``danq simulate`` adds each split under ``"splits"`` (:func:`split_entry`), then writes it.
    """
    return {
        "format": TRUTH_FORMAT,
        "format_version": TRUTH_FORMAT_VERSION,
        "release": params.release,
        "params": dataclasses.asdict(params),
        "background": BackgroundModel.of_params(params).to_json(),
        "coordinates": COORDINATES,
        "motifs": [_motif_json(m) for m in motifs],
        "targets": [_target_json(t, motifs) for t in targets],
        "roles": list(ROLES),
        "strand_symmetry": STRAND_SYMMETRY,
        "grammar_kind_names": list(GRAMMAR_KINDS),
        "label_noise": LABEL_NOISE_NOTE,
        "splits": {},
    }


def write_truth(path: str | os.PathLike[str], truth: Mapping[str, Any]) -> None:
    """Write ``truth`` as compact JSON (one line), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(truth, separators=(",", ":")) + "\n", encoding="ascii")


def _motif_json(motif: Motif) -> dict[str, Any]:
    return {
        "id": motif.matrix_id,
        "name": motif.name,
        "requested_id": motif.requested_id,
        "length": motif.length,
        "consensus": motif.consensus,
        "pfm": [[_number(v) for v in row] for row in motif.counts.tolist()],
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _target_json(target: Target, motifs: Sequence[Motif]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": target.name,
        "category": target.category,
        "motifs": [motifs[i].matrix_id for i in target.motifs],
        "motif_names": [motifs[i].name for i in target.motifs],
        "rule": describe_rule(target, motifs),
        "plant_rate": target.plant_rate,
        "decoy_rate": target.decoy_rate,
    }
    if target.category == "grammar":
        entry.update(min_gap=target.min_gap, max_gap=target.max_gap)
    if target.category == "combination":
        entry["min_count"] = target.min_count
    return entry



def split_entry(data: SplitData, motifs: Sequence[Motif], targets: Sequence[Target]) -> dict:
    """One split's truth.json entry: names, rates, instances (motifs as IDs), flips, kinds."""
    inst = data.instances
    n = len(data.names)
    rates = data.labels.mean(axis=0) if n else np.zeros(len(targets))
    clean_rates = data.clean_labels.mean(axis=0) if n else np.zeros(len(targets))
    return {
        "n": n,
        "names": data.names,
        "positive_rate": {t.name: round(float(r), 6) for t, r in zip(targets, rates, strict=True)},
        "clean_positive_rate": {
            t.name: round(float(r), 6) for t, r in zip(targets, clean_rates, strict=True)
        },
        "dropped_plants": data.dropped_plants,
        "instances": {
            "seq": inst["seq"].tolist(),
            "motif": [motifs[m].matrix_id for m in inst["motif"].tolist()],
            "start": inst["start"].tolist(),
            "strand": ["+" if s > 0 else "-" for s in inst["strand"].tolist()],
            "role": inst["role"].tolist(),
        },
        "flips": data.flips.tolist(),
        "grammar_kinds": {
            targets[t].name: kind.tolist() for t, kind in data.grammar_kinds.items()
        },
    }


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------


@dataclass
class SplitTruth:
    """What truth.json says about one split, with motifs as indices into ``motif_ids``."""

    path: Path
    names: list[str]
    target_names: list[str]
    categories: list[str]
    targets: list[dict[str, Any]]  # truth.json target entries, motifs as indices
    motif_ids: list[str]
    motif_lengths: list[int]
    pfms: list[np.ndarray]  # (4, w) counts, ACGT rows
    background: np.ndarray  # (4,) base composition, ACGT
    length: int
    instances: dict[str, np.ndarray]  # seq, motif (index), start, strand (+1/-1)
    flips: np.ndarray  # (n_flips, 2)
    kind_names: list[str]
    grammar_kinds: dict[str, np.ndarray]  # grammar target name -> (n,) kind index

    @property
    def n(self) -> int:
        return len(self.names)



@dataclass(frozen=True)
class TruthMotif:
    """A motif of truth.json with the targets whose rule uses it (``length``/``pfm`` None if absent)."""

    matrix_id: str
    name: str
    length: int | None
    pfm: np.ndarray | None  # (4, w) counts, ACGT rows
    targets: tuple[str, ...]
    categories: tuple[str, ...]


def _load(path: str | os.PathLike[str], *, require_format: bool) -> tuple[Path, dict[str, Any]]:
    """The parsed JSON mapping; its ``format`` tag, when present (always, if required), checked."""
    p = require_file(path, "truth file")
    try:
        truth = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable JSON file ({exc.__class__.__name__})") from None
    if not isinstance(truth, dict) or truth.get(
        "format", None if require_format else TRUTH_FORMAT
    ) != TRUTH_FORMAT:
        raise DanqError(f"{p}: not a `danq simulate` truth.json")
    return p, truth


def _motifs(path: Path, truth: Mapping[str, Any]) -> list[TruthMotif]:
    """truth.json's motifs in order; raises KeyError/TypeError/ValueError when garbled."""
    targets = truth.get("targets", [])
    motifs = []
    for entry in truth["motifs"]:
        matrix_id = str(entry["id"])
        users = [t for t in targets if matrix_id in t.get("motifs", [])]
        pfm = None
        if entry.get("pfm") is not None:
            pfm = np.asarray(entry["pfm"], dtype=np.float64)
            if pfm.ndim != 2 or pfm.shape[0] != 4 or (pfm.sum(axis=0) <= 0).any():
                raise DanqError(f"{path}: motif {matrix_id} has no valid PFM (4 rows A, C, G, T)")
        length = entry.get("length")
        motifs.append(TruthMotif(
            matrix_id=matrix_id, name=str(entry.get("name", "")),
            length=None if length is None else int(length), pfm=pfm,
            targets=tuple(str(t["name"]) for t in users),
            categories=tuple(str(t.get("category", "")) for t in users),
        ))
    return motifs


def read_truth_motifs(
    path: str | os.PathLike[str],
) -> tuple[list[TruthMotif], BackgroundModel]:
    """Every motif of a truth.json (with the targets using it) and the background model.

    Only ``motifs`` is required; without ``targets`` no motif has users, without ``background``
    the model is i.i.d. with GC 0.41.
    """
    p, truth = _load(path, require_format=False)
    try:
        return _motifs(p, truth), BackgroundModel.from_json(truth.get("background"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DanqError(f"{p}: not a `danq simulate` truth.json ({exc})") from None


def read_truth(path: str | os.PathLike[str], split: str = "test") -> SplitTruth:
    """Read one split of a ``danq simulate`` truth.json (format version 2, strand-symmetric)."""
    p, truth = _load(path, require_format=True)
    version = truth.get("format_version", 1)
    if not isinstance(version, int) or version < TRUTH_FORMAT_VERSION:
        raise DanqError(f"{p}: truth.json format {version} predates "
                        "strand-symmetric rules and decoy kinds; rerun `danq simulate`")
    try:
        motifs = _motifs(p, truth)
        for motif in motifs:
            if motif.length is None or motif.pfm is None:
                raise KeyError(f"length or pfm of motif {motif.matrix_id}")
        info = truth["splits"][split]
        ids = [m.matrix_id for m in motifs]
        index = {m: i for i, m in enumerate(ids)}
        targets = []
        for t in truth["targets"]:
            entry = dict(t)
            entry["motifs"] = [index[m] for m in t["motifs"]]
            targets.append(entry)
        raw = info["instances"]
        instances = {
            "seq": np.asarray(raw["seq"], dtype=np.int64),
            "motif": np.asarray([index[m] for m in raw["motif"]], dtype=np.int64),
            "start": np.asarray(raw["start"], dtype=np.int64),
            "strand": np.asarray([1 if d == "+" else -1 for d in raw["strand"]], dtype=np.int64),
        }
        flips = np.asarray(info["flips"], dtype=np.int64).reshape(-1, 2)
        kinds = {k: np.asarray(v, dtype=np.int64) for k, v in info["grammar_kinds"].items()}
        return SplitTruth(
            path=p,
            names=[str(n) for n in info["names"]],
            target_names=[str(t["name"]) for t in truth["targets"]],
            categories=[str(t["category"]) for t in truth["targets"]],
            targets=targets,
            motif_ids=ids,
            motif_lengths=[int(m.length) for m in motifs if m.length is not None],
            pfms=[m.pfm for m in motifs if m.pfm is not None],
            background=BackgroundModel.from_json(truth["background"]).composition(),
            length=int(truth["params"]["length"]),
            instances=instances,
            flips=flips,
            kind_names=[str(k) for k in truth["grammar_kind_names"]],
            grammar_kinds=kinds,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DanqError(f"{p}: truth.json lacks or garbles {exc} (split {split!r})") from None


def clean_labels(noisy: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """Undo the recorded label flips: ``noisy`` XOR the flip mask."""
    clean = np.array(noisy, dtype=np.uint8, copy=True)
    if len(flips):
        clean[flips[:, 0], flips[:, 1]] ^= 1
    return clean
