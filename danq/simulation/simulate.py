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
     on one random strand with a gap in ``[min_gap, max_gap]``; decoy = both motifs, each placed
     (start and strand) with exactly the law a plant gives it, jointly drawn so that the rule is
     false (:mod:`~danq.simulation.decoys`): B then A ("swapped"), a gap below ``min_gap``
     ("close") or above ``max_gap`` ("far"), or opposite strands ("opposite_strands"). Decoys make
     presence of A and B insufficient to predict the label, and each motif's own position and
     strand too (the ``marginal`` baseline of ``danq baselines`` checks it).
   * ``combination`` (accessibility-like: at least ``min_count`` distinct motifs of a set present):
     plant = ``min_count`` distinct motifs of the set; decoy = ``min_count - 1`` of them.

   On top of the plants, ``random_instances_mean`` (Poisson mean) instances of motifs drawn
   uniformly from the whole motif set are added, so motifs also occur outside any rule; a
   sequence holding a grammar plant or decoy gets no random instance of that pair's motifs
   (another motif instead), so every plant and decoy holds exactly one A and one B.
3. **Instances.** Every instance is *sampled* from the motif's JASPAR position frequency matrix
   (each column independently, no pseudocounts), put on the forward or reverse strand with equal
   probability (strand ``-`` means the reverse complement of the sample is written; a grammar
   plant draws one strand for both its motifs), and placed so that no two instances
   overlap. A plant that cannot be placed after a few tries is dropped.
4. **Labels** are computed from the placed instances by each target's rule (never assigned first),
   then each label is flipped with probability ``label_noise`` (default 1 %, in every split, the
   test split included); every flip is recorded, so clean labels can be recovered.

The rules themselves (positions, gaps, strand symmetry) are defined in :mod:`danq.simulation.rules`.
The parameters live in :mod:`~danq.simulation.config`, the motifs in :mod:`~danq.simulation.jaspar`,
the drawing of a split in :mod:`~danq.simulation.sampling` and truth.json's writer and reader in
:mod:`~danq.simulation.truth`; this module runs them and writes the files.

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
positive, swapped, close, far, opposite_strands, both_other, one_motif, none), which
``danq baselines`` uses to break each model's scores down by kind of negative.
Each split has its own random stream derived from the seed, so the same seed gives byte-identical
files and changing one split's size leaves the other splits unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path
from danq.simulation.config import SPLITS, SimulationParams, check_scalars, params_from_mapping
from danq.simulation.jaspar import ALPHABET, load_motifs
from danq.simulation.rules import build_targets
from danq.simulation.sampling import simulate_split
from danq.simulation.truth import split_entry, truth_document, write_truth

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
    check_scalars(params, source)
    motifs = load_motifs(params.motifs, params.release, source=source)
    targets = build_targets(params, motifs, source=source)

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise DanqError(f"{out}: output path exists and is not a directory")
    sizes = {"train": params.n_train, "valid": params.n_valid, "test": params.n_test}
    target_names = [t.name for t in targets]
    truth = truth_document(params, motifs, targets)
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
        truth["splits"][split] = split_entry(data, motifs, targets)
        summary["positive_rate"][split] = truth["splits"][split]["positive_rate"]
        summary["dropped_plants"][split] = data.dropped_plants
        summary["files"] += [str(fasta), str(labels)]
    targets_tsv = out / "targets.tsv"
    _write_text(
        targets_tsv,
        "target\tcategory\n" + "".join(f"{t.name}\t{t.category}\n" for t in targets),
    )
    truth_path = out / "truth.json"
    write_truth(truth_path, truth)
    summary["files"] += [str(targets_tsv), str(truth_path)]
    return summary
