"""A synthetic benchmark whose truth is known: real JASPAR motifs planted in human-like DNA.

Why it exists
-------------
The DeepSEA bundle is large and cannot be downloaded at run time, so the workflow's offline
default is a dataset small enough to train a reduced DeepSEA and DanQ in minutes on two CPU cores,
yet built so the question DanQ asks can be answered: does a recurrent layer over convolutional motif
detectors capture *grammar* (order and spacing of motifs) better than a pure CNN? Every label
follows a written rule applied to the planted motif instances, so a model's errors can be traced
to the rule.

How "long range" the grammar is: the default window (A and B 50-200 bp apart, 500 bp sequences)
is far beyond a first-layer motif detector (8-30 bp) and beyond DanQ's convolution + pooling step,
so the pair must be related by a later layer. It is *not* beyond every CNN: a three-layer
DeepSEA-style stack (k=8, pool 4) sees about 150 bp, and its dense layer sees the whole sequence,
so a CNN can in principle learn the rule too; the benchmark measures how well each architecture
does it from limited data, not whether it is possible at all.

How a sequence is made
----------------------
1. **Background.** By default a first-order Markov chain whose transition probabilities come from
   approximate human-genome dinucleotide frequencies (CpG depleted to about 1 %, GC about 41 %);
   ``background="iid"`` draws independent bases with ``gc_content`` instead. The Markov model
   matters because CpG-rich motifs (NRF1, CEBPB, CTCF) then stand out from the background as they
   do in vivo.
2. **Plants.** Each target, independently for each sequence, may add a *plant* (instances that make
   its rule true) or a *decoy* (instances that look similar but leave the rule false):

   * ``single`` (one motif present anywhere): plant = one instance of the motif; no decoy.
   * ``grammar`` (motif A then motif B, on one strand, within a spacing window): plant = A then B
     with a gap in ``[min_gap, max_gap]``; decoy = both motifs but B then A ("swapped"), or A then
     B with a gap below ``min_gap`` ("close") or above ``max_gap`` ("far"). Plants and decoys put
     both motifs on the same random strand. Decoys make presence of A and B insufficient to
     predict the label.
   * ``combination`` (accessibility-like: at least ``min_count`` distinct motifs of a set present):
     plant = ``min_count`` distinct motifs of the set; decoy = ``min_count - 1`` of them.

   On top of the plants, ``random_instances_mean`` (Poisson mean) instances of motifs drawn
   uniformly from the whole motif set are added, so motifs also occur outside any rule.
3. **Instances.** Every instance is *sampled* from the motif's JASPAR position frequency matrix
   (each column independently, no pseudocounts), put on the forward or reverse strand with equal
   probability (strand ``-`` means the reverse complement of the sample is written; a grammar
   plant or decoy draws one strand for both its motifs), and placed so that no two instances
   overlap. A plant that cannot be placed after a few tries is dropped.
4. **Labels** are computed from the placed instances by each target's rule (never assigned first),
   then each label is flipped with probability ``label_noise`` (default 1 %, in every split, the
   test split included); every flip is recorded, so clean labels can be recovered.

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

Outputs (one directory)
-----------------------
``<split>.fa`` and ``<split>.labels.tsv`` for train, valid and test (header
``name<TAB>target...``, one 0/1 column per target, first column the FASTA record name),
``targets.tsv`` (``target<TAB>category``) and ``truth.json``: the motifs (matrix IDs, names, PFM
counts as 4 rows A, C, G, T), each target's rule and parameters, and per split the record names,
the planted instances as parallel columns (``seq`` = record index, ``motif`` = matrix ID,
``start``, ``strand``, ``role`` = index into ``truth["roles"]``), the label flips as
``[record index, target index]`` pairs, the positive rates (noisy and clean) and, per grammar
target, each record's kind (``grammar_kinds``: index into ``truth["grammar_kind_names"]``:
positive, swapped, close, far, both_other, one_motif, none), which ``danq baselines`` uses to
break each model's scores down by kind of negative.
Each split has its own random stream derived from the seed, so the same seed gives byte-identical
files and changing one split's size leaves the other splits unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.io import atomic_path

ALPHABET = "ACGT"
SPLITS = ("train", "valid", "test")
CATEGORIES = ("single", "grammar", "combination")
DEFAULT_RELEASE = "JASPAR2024"

# Built-in motif set: (matrix ID in JASPAR2024, TF name). Chosen for distinct consensus sequences
# (so TOMTOM can tell them apart), lengths 9-20 and information content >= ~10 bits. If a release
# lacks an ID, the latest version of the same base ID is used, then the latest CORE vertebrate
# matrix with that name.
DEFAULT_MOTIFS: tuple[tuple[str, str], ...] = (
    ("MA0139.2", "CTCF"),
    ("MA0138.3", "REST"),
    ("MA0035.4", "GATA1"),
    ("MA0506.3", "NRF1"),
    ("MA0148.4", "FOXA1"),
    ("MA0114.4", "HNF4A"),
    ("MA0080.6", "SPI1"),
    ("MA0466.3", "CEBPB"),
    ("MA0060.3", "NFYA"),
    ("MA0113.4", "NR3C1"),
    ("MA0112.3", "ESR1"),
    ("MA0099.4", "FOS::JUN"),
    ("MA0095.2", "YY1"),
    ("MA0106.3", "TP53"),
    ("MA0105.4", "NFKB1"),
    ("MA0059.1", "MAX::MYC"),
)
_DEFAULT_NAME_BY_ID = dict(DEFAULT_MOTIFS)

# Default targets: 4 single, 4 grammar, 4 combination. Motifs are referred to by TF name (case
# insensitive) or matrix ID among the chosen motif set. Single targets use motifs whose PWM-scan
# ceiling leaves room to tell models apart: a perfect best-log-odds scan (`danq baselines`) must
# reach clean-label ROC AUC >= 0.95 and PR AUC >= 0.85 at both shipped lengths (500 bp and 1 kb).
# GATA1 (11 bp, 10 bits; ROC 0.80 / PR 0.44 at 500 bp, because chance sites in the background are
# labelled 0) failed and was replaced by the first motif of the list above that passes and is in
# no grammar target: TP53 (YY1, before it, reaches only ROC 0.94 at 1 kb). GATA1 stays planted
# (combination, random instances). See config/README.md.
DEFAULT_TARGETS: tuple[dict[str, Any], ...] = (
    {"name": "single_CTCF", "category": "single", "motifs": ["CTCF"]},
    {"name": "single_REST", "category": "single", "motifs": ["REST"]},
    {"name": "single_TP53", "category": "single", "motifs": ["TP53"]},
    {"name": "single_NRF1", "category": "single", "motifs": ["NRF1"]},
    {"name": "grammar_FOXA1_HNF4A", "category": "grammar", "motifs": ["FOXA1", "HNF4A"],
     "min_gap": 50, "max_gap": 200},
    {"name": "grammar_SPI1_CEBPB", "category": "grammar", "motifs": ["SPI1", "CEBPB"],
     "min_gap": 50, "max_gap": 200},
    {"name": "grammar_NFYA_NR3C1", "category": "grammar", "motifs": ["NFYA", "NR3C1"],
     "min_gap": 50, "max_gap": 200},
    {"name": "grammar_ESR1_FOSJUN", "category": "grammar", "motifs": ["ESR1", "FOS::JUN"],
     "min_gap": 50, "max_gap": 200},
    {"name": "combination_YY1_TP53_NFKB1", "category": "combination",
     "motifs": ["YY1", "TP53", "NFKB1"], "min_count": 2},
    {"name": "combination_MAXMYC_NRF1_YY1", "category": "combination",
     "motifs": ["MAX::MYC", "NRF1", "YY1"], "min_count": 2},
    {"name": "combination_GATA1_TP53_MAXMYC", "category": "combination",
     "motifs": ["GATA1", "TP53", "MAX::MYC"], "min_count": 2},
    {"name": "combination_CTCF_REST_NFKB1_NRF1", "category": "combination",
     "motifs": ["CTCF", "REST", "NFKB1", "NRF1"], "min_count": 3},
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

#: What truth.json says about strand symmetry (the design choice of the grammar rule).
STRAND_SYMMETRY = (
    "Every rule gives a sequence and its reverse complement the same label. single and "
    "combination count instances on either strand. grammar reads order and spacing in the "
    "motifs' own orientation: 'A then B' means A and B on the same strand with B downstream of A "
    "in that orientation (strand +: B to the right, gap = B.start - A.end; strand -: B to the "
    "left, gap = A.start - B.end). A pair on opposite strands never satisfies the rule. Plants "
    "and decoys put both motifs on one random strand."
)
#: What truth.json says about label noise.
LABEL_NOISE_NOTE = (
    "The labels in <split>.labels.tsv (train, valid AND test) are the rule's labels with each "
    "(record, target) flipped independently with probability params.label_noise; 'flips' lists "
    "every flipped [record index, target index], so the clean labels are the written labels "
    "XOR the flips."
)

_TARGET_NAME_RE = re.compile(r"^[A-Za-z0-9_.:+-]+$")
_TARGET_KEYS = {
    "single": {"name", "category", "motifs", "plant_rate"},
    "grammar": {"name", "category", "motifs", "min_gap", "max_gap", "plant_rate", "decoy_rate"},
    "combination": {"name", "category", "motifs", "min_count", "plant_rate", "decoy_rate"},
}
_PLACE_TRIES = 30


@dataclass
class SimulationParams:
    """Every parameter of the simulation; a ``--config`` file overrides any subset of these fields.

    Attributes
    ----------
    seed, n_train, n_valid, n_test, length
        Random seed, number of sequences per split and sequence length (bp).
    release
        pyjaspar release name (e.g. ``JASPAR2024``); read offline from the bundled SQLite file.
    motifs
        JASPAR matrix IDs (``MA0139.2``, or a base ID ``MA0139`` for the latest version).
    targets
        One flat dict per target: ``name``, ``category`` (single, grammar, combination), ``motifs``
        (TF names or matrix IDs from ``motifs``) and, per category, ``min_gap``/``max_gap``
        (grammar) or ``min_count`` (combination); optional ``plant_rate``/``decoy_rate``.
    background, gc_content
        ``"markov"`` (human dinucleotide model, GC about 41 %) or ``"iid"`` with ``gc_content``.
    random_instances_mean
        Poisson mean of extra instances of uniformly chosen motifs per sequence.
    single_plant_rate, grammar_plant_rate, grammar_decoy_rate, combination_plant_rate,
    combination_decoy_rate
        Per-sequence probabilities of a plant or decoy for each target of that category (a target's
        own ``plant_rate``/``decoy_rate`` wins).
    label_noise
        Probability that each label is flipped after the rules are applied.
    """

    seed: int = 0
    n_train: int = 20000
    n_valid: int = 2000
    n_test: int = 4000
    length: int = 500
    release: str = DEFAULT_RELEASE
    motifs: list[str] = field(default_factory=lambda: [m for m, _ in DEFAULT_MOTIFS])
    targets: list[dict[str, Any]] = field(
        default_factory=lambda: [dict(t) for t in DEFAULT_TARGETS]
    )
    background: str = "markov"
    gc_content: float = 0.41
    random_instances_mean: float = 1.0
    single_plant_rate: float = 0.06
    grammar_plant_rate: float = 0.12
    grammar_decoy_rate: float = 0.15
    combination_plant_rate: float = 0.07
    combination_decoy_rate: float = 0.08
    label_noise: float = 0.01


@dataclass(frozen=True)
class Motif:
    """A JASPAR matrix as used here: ``probs`` is (length, 4) in ACGT order, rows summing to 1."""

    matrix_id: str
    name: str
    requested_id: str
    counts: np.ndarray  # (4, length), ACGT rows, JASPAR counts
    probs: np.ndarray  # (length, 4)

    @property
    def length(self) -> int:
        return int(self.probs.shape[0])

    @property
    def consensus(self) -> str:
        return "".join(ALPHABET[i] for i in self.probs.argmax(axis=1))


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


# ----------------------------------------------------------------------------------------------
# Parameters and configuration
# ----------------------------------------------------------------------------------------------


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a flat JSON or YAML parameter dict (keys = :class:`SimulationParams` fields).

    The format follows the extension (``.json``; ``.yaml``/``.yml``); other extensions are tried as
    JSON, then YAML. Raises DanqError for a missing, unparsable or non-mapping file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DanqError(f"{p}: config file does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: cannot read config file ({exc})") from exc
    suffix = p.suffix.lower()
    data: Any
    if suffix == ".json":
        data = _parse_json(text, p)
    elif suffix in (".yaml", ".yml"):
        data = _parse_yaml(text, p)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = _parse_yaml(text, p)
    if not isinstance(data, dict):
        raise DanqError(f"{p}: config must be a mapping of parameter names to values")
    return data


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DanqError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc


def _parse_yaml(text: str, path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else "parse error"
        raise DanqError(f"{path}: invalid YAML ({first_line})") from exc


def params_from_mapping(
    overrides: Mapping[str, Any], base: SimulationParams | None = None, *, source: str = "config"
) -> SimulationParams:
    """Return ``base`` (default parameters if None) with ``overrides`` applied, types checked.

    Unknown keys and values of the wrong type raise DanqError naming ``source``.
    """
    params = dataclasses.replace(base) if base is not None else SimulationParams()
    known = {f.name: f for f in dataclasses.fields(SimulationParams)}
    for key, value in overrides.items():
        if key not in known:
            raise DanqError(f"{source}: unknown simulation parameter {key!r}")
        setattr(params, key, _coerce(key, value, source))
    return params


def _coerce(key: str, value: Any, source: str) -> Any:
    """Check one parameter's type; ints are accepted for floats, bools never count as numbers."""
    default = getattr(SimulationParams(), key)
    if value is None:
        raise DanqError(f"{source}: parameter {key!r} must not be empty")
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise DanqError(f"{source}: parameter {key!r} must be an integer, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DanqError(f"{source}: parameter {key!r} must be a number, got {value!r}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise DanqError(f"{source}: parameter {key!r} must be a string, got {value!r}")
        return value
    if key == "motifs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DanqError(f"{source}: 'motifs' must be a list of JASPAR matrix IDs")
        return list(value)
    if key == "targets":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise DanqError(f"{source}: 'targets' must be a list of target mappings")
        return [dict(v) for v in value]
    raise DanqError(f"{source}: parameter {key!r} cannot be set")  # pragma: no cover


def _check_scalars(params: SimulationParams, source: str) -> None:
    """Range checks on counts, length, seed and rates."""
    for key in ("n_train", "n_valid", "n_test"):
        if getattr(params, key) < 0:
            raise DanqError(f"{source}: {key} must be >= 0, got {getattr(params, key)}")
    if params.n_train + params.n_valid + params.n_test == 0:
        raise DanqError(f"{source}: all splits are empty (n_train = n_valid = n_test = 0)")
    if params.seed < 0:
        raise DanqError(f"{source}: seed must be >= 0, got {params.seed}")
    if params.length < 1:
        raise DanqError(f"{source}: length must be >= 1, got {params.length}")
    if params.background not in ("markov", "iid"):
        raise DanqError(
            f"{source}: background must be 'markov' or 'iid', got {params.background!r}"
        )
    if not 0.0 < params.gc_content < 1.0:
        raise DanqError(f"{source}: gc_content must be between 0 and 1, got {params.gc_content}")
    if not (params.random_instances_mean >= 0 and math.isfinite(params.random_instances_mean)):
        raise DanqError(f"{source}: random_instances_mean must be >= 0")
    for key in (
        "single_plant_rate", "grammar_plant_rate", "grammar_decoy_rate",
        "combination_plant_rate", "combination_decoy_rate", "label_noise",
    ):
        value = getattr(params, key)
        if not 0.0 <= value <= 1.0:
            raise DanqError(f"{source}: {key} must be between 0 and 1, got {value}")
    if params.label_noise > 0.5:
        raise DanqError(f"{source}: label_noise above 0.5 would invert the labels")
    if not params.motifs:
        raise DanqError(f"{source}: the motif list is empty")
    if not params.targets:
        raise DanqError(f"{source}: the target list is empty")


# ----------------------------------------------------------------------------------------------
# Motifs
# ----------------------------------------------------------------------------------------------


def available_releases() -> list[str]:
    """JASPAR releases shipped inside the installed pyjaspar (offline SQLite files)."""
    import pyjaspar

    return sorted(pyjaspar.jaspar_releases)


def load_motifs(ids: Sequence[str], release: str, *, source: str = "simulate") -> list[Motif]:
    """Fetch ``ids`` from the bundled JASPAR ``release`` as :class:`Motif` objects, in order.

    IDs of the built-in set fall back to the latest version of their base ID, then to the latest
    CORE vertebrate matrix with their TF name, when the release lacks them; any other ID that is
    missing raises DanqError, as do duplicate motifs.
    """
    if release not in available_releases():
        raise DanqError(
            f"{source}: unknown JASPAR release {release!r} "
            f"(pyjaspar has {', '.join(available_releases())})"
        )
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    motifs: list[Motif] = []
    try:
        for requested in ids:
            record = _fetch(db, requested)
            if record is None and requested in _DEFAULT_NAME_BY_ID:
                record = _fetch(db, requested.split(".")[0]) or _fetch_by_name(
                    db, _DEFAULT_NAME_BY_ID[requested]
                )
            if record is None:
                raise DanqError(f"{source}: motif {requested!r} is not in {release}")
            motifs.append(_to_motif(record, requested))
    finally:
        db.conn.close()
    seen: dict[str, str] = {}
    for motif in motifs:
        if motif.matrix_id in seen:
            raise DanqError(
                f"{source}: motif {motif.matrix_id} is listed twice "
                f"(as {seen[motif.matrix_id]!r} and {motif.requested_id!r})"
            )
        seen[motif.matrix_id] = motif.requested_id
    return motifs


def _fetch(db: Any, matrix_id: str) -> Any:
    """One JASPAR record by full or base matrix ID, or None (pyjaspar warns instead of raising)."""
    if not re.fullmatch(r"[A-Z]{2}\d{4}(\.\d+)?", matrix_id):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return db.fetch_motif_by_id(matrix_id)


def _fetch_by_name(db: Any, name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = list(db.fetch_motifs(collection="CORE", tf_name=name, tax_group="vertebrates"))
    records.sort(key=lambda r: r.matrix_id)
    return records[-1] if records else None


def _to_motif(record: Any, requested: str) -> Motif:
    counts = np.array([[float(v) for v in record.counts[b]] for b in ALPHABET], dtype=np.float64)
    totals = counts.sum(axis=0)
    if counts.shape[1] == 0 or np.any(totals <= 0):
        raise DanqError(f"{record.matrix_id}: JASPAR matrix has an empty column")
    probs = (counts / totals).T.copy()
    return Motif(str(record.matrix_id), str(record.name), requested, counts, probs)


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


# ----------------------------------------------------------------------------------------------
# Targets
# ----------------------------------------------------------------------------------------------


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


#: Per sequence and grammar target, what the sequence is for that target (truth.json
#: ``grammar_kinds``): a positive, one of the three planted decoys, or a negative without a decoy
#: that holds both motifs anyway (``both_other``, e.g. chance instances on opposite strands),
#: only one of them (``one_motif``) or neither (``none``).
GRAMMAR_KINDS = ("positive", "swapped", "close", "far", "both_other", "one_motif", "none")
_GRAMMAR_KIND = {name: i for i, name in enumerate(GRAMMAR_KINDS)}
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
    return _GRAMMAR_KIND[kind] if placed else _NO_DECOY


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


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------

_TOKEN_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def _fasta_text(names: Sequence[str], tokens: np.ndarray) -> str:
    letters = _TOKEN_BYTES[tokens]
    rows = (row.tobytes().decode("ascii") for row in letters)
    return "".join(f">{name}\n{row}\n" for name, row in zip(names, rows, strict=True))


def _labels_text(names: Sequence[str], labels: np.ndarray, target_names: Sequence[str]) -> str:
    header = "\t".join(["name", *target_names]) + "\n"
    rows = ("\t".join(row) for row in np.where(labels > 0, "1", "0").tolist())
    return header + "".join(f"{name}\t{row}\n" for name, row in zip(names, rows, strict=True))


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="ascii")


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


def _split_json(data: SplitData, motifs: Sequence[Motif], targets: Sequence[Target]) -> dict:
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
# Entry point
# ----------------------------------------------------------------------------------------------


def simulate(
    outdir: str | Path,
    *,
    seed: int | None = None,
    n_train: int | None = None,
    n_valid: int | None = None,
    n_test: int | None = None,
    length: int | None = None,
    release: str | None = None,
    params: SimulationParams | None = None,
    source: str = "simulate",
) -> dict[str, Any]:
    """Write the synthetic benchmark to ``outdir`` and return a summary dict.

    Parameters
    ----------
    outdir
        Output directory (created if needed); see the module docstring for the files.
    seed, n_train, n_valid, n_test, length, release
        Override the matching fields of ``params`` when not None.
    params
        All simulation parameters (defaults: :class:`SimulationParams`).
    source
        Label used in error messages (e.g. the config file's path).

    Returns
    -------
    dict
        ``outdir``, ``files``, ``release``, ``motifs`` (IDs), ``targets`` (names), ``categories``,
        ``n`` per split, ``positive_rate`` per split and target, ``dropped_plants`` per split.

    Raises
    ------
    DanqError
        For invalid parameters (negative counts, too short a length, unknown motif, bad targets).
    """
    params = dataclasses.replace(params) if params is not None else SimulationParams()
    overrides = {
        "seed": seed, "n_train": n_train, "n_valid": n_valid, "n_test": n_test,
        "length": length, "release": release,
    }
    params = params_from_mapping(
        {k: v for k, v in overrides.items() if v is not None}, params, source=source
    )
    _check_scalars(params, source)
    motifs = load_motifs(params.motifs, params.release, source=source)
    targets = build_targets(params, motifs, source=source)

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise DanqError(f"{out}: output path exists and is not a directory")
    sizes = {"train": params.n_train, "valid": params.n_valid, "test": params.n_test}
    target_names = [t.name for t in targets]
    truth: dict[str, Any] = {
        "format": "danq-simulate-truth",
        "format_version": 2,
        "release": params.release,
        "params": dataclasses.asdict(params),
        "background": _background_json(params),
        "coordinates": "0-based start of the leftmost base on the forward strand; strand '-' "
        "means the reverse complement of a PFM sample was written",
        "motifs": [_motif_json(m) for m in motifs],
        "targets": [_target_json(t, motifs) for t in targets],
        "roles": list(ROLES),
        "strand_symmetry": STRAND_SYMMETRY,
        "grammar_kind_names": list(GRAMMAR_KINDS),
        "label_noise": LABEL_NOISE_NOTE,
        "splits": {},
    }
    summary: dict[str, Any] = {
        "outdir": str(out),
        "files": [],
        "release": params.release,
        "motifs": [m.matrix_id for m in motifs],
        "targets": target_names,
        "categories": [t.category for t in targets],
        "n": dict(sizes),
        "positive_rate": {},
        "dropped_plants": {},
    }
    for split in SPLITS:
        data = simulate_split(split, sizes[split], params, motifs, targets)
        fasta, labels = out / f"{split}.fa", out / f"{split}.labels.tsv"
        _write_text(fasta, _fasta_text(data.names, data.tokens))
        _write_text(labels, _labels_text(data.names, data.labels, target_names))
        truth["splits"][split] = _split_json(data, motifs, targets)
        summary["positive_rate"][split] = truth["splits"][split]["positive_rate"]
        summary["dropped_plants"][split] = data.dropped_plants
        summary["files"] += [str(fasta), str(labels)]
    targets_tsv = out / "targets.tsv"
    _write_text(
        targets_tsv,
        "target\tcategory\n" + "".join(f"{t.name}\t{t.category}\n" for t in targets),
    )
    truth_path = out / "truth.json"
    _write_text(truth_path, json.dumps(truth, separators=(",", ":")) + "\n")
    summary["files"] += [str(targets_tsv), str(truth_path)]
    return summary


def _background_json(params: SimulationParams) -> dict[str, Any]:
    if params.background == "iid":
        return {"model": "iid", "gc_content": params.gc_content}
    initial, transitions = markov_transitions()
    return {
        "model": "markov1",
        "alphabet": ALPHABET,
        "initial": [round(float(v), 6) for v in initial],
        "transitions": [[round(float(v), 6) for v in row] for row in transitions],
        "gc_content": round(float(initial[1] + initial[2]), 6),
    }
