"""The hand-made baselines case: six 12 bp sequences whose every score and AUC is known by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from danq.encoders import to_tokens

# log2-odds of a deterministic column against a uniform background with pseudo-frequency 0.01:
# matching base (1 + 0.01) / 1.04, any other 0.01 / 1.04, each divided by 0.25.
HI = math.log2(1.01 / 1.04 / 0.25)
LO = math.log2(0.01 / 1.04 / 0.25)

A = "AAT"  # motif A (reverse complement ATT)
B = "TCA"  # motif B (reverse complement TGA)
LENGTH = 12
TARGETS = ["single_A", "grammar_AB", "combination_AB"]


def _place(seq: list[str], motif: str, start: int, strand: str) -> None:
    site = motif if strand == "+" else motif.translate(str.maketrans("ACGT", "TGCA"))[::-1]
    seq[start : start + len(site)] = list(site)


def deterministic_pfm(motif: str) -> list[list[int]]:
    return [[10 if base == b else 0 for base in motif] for b in "ACGT"]


# Six sequences: (motif, start, strand) per instance, and the kind for the grammar target.
#   s0: A+ at 0, B+ at 4: B downstream of A, gap 1          -> grammar positive
#   s1: A- at 6, B- at 1: on '-' B lies left, gap 6 - 4 = 2 -> grammar positive
#   s2: B+ at 0, A+ at 5: B upstream of A                   -> swapped decoy
#   s3: A+ at 0, B- at 5: opposite strands                  -> both motifs, rule false
#   s4: A+ at 2 only                                        -> one motif
#   s5: nothing                                             -> none
LAYOUT = [
    [("A", 0, "+"), ("B", 4, "+")],
    [("A", 6, "-"), ("B", 1, "-")],
    [("B", 0, "+"), ("A", 5, "+")],
    [("A", 0, "+"), ("B", 5, "-")],
    [("A", 2, "+")],
    [],
]
KINDS = ["positive", "positive", "swapped", "both_other", "one_motif", "none"]
KIND_NAMES = ["positive", "swapped", "close", "far", "both_other", "one_motif", "none"]
CLEAN = np.array([[1, 1, 1], [1, 1, 1], [1, 0, 1], [1, 0, 1], [1, 0, 0], [0, 0, 0]])
FLIPS = [[4, 0], [2, 1]]  # single_A of s4 (1 -> 0), grammar_AB of s2 (0 -> 1)


def write_case(tmp_path: Path, flips: list[list[int]] = FLIPS) -> tuple[Path, Path]:
    """truth.json and test.h5 of the hand-made case (background all G, uniform base model)."""
    from danq.formats.dataset_writer import DatasetWriter

    ids = {"A": "MA9001.1", "B": "MA9002.1"}
    names = [f"test_{i}" for i in range(len(LAYOUT))]
    seqs, inst = [], {"seq": [], "motif": [], "start": [], "strand": [], "role": []}
    for i, layout in enumerate(LAYOUT):
        seq = ["G"] * LENGTH
        for motif, start, strand in layout:
            _place(seq, A if motif == "A" else B, start, strand)
            for key, value in zip(("seq", "motif", "start", "strand", "role"),
                                  (i, ids[motif], start, strand, 0), strict=True):
                inst[key].append(value)
        seqs.append("".join(seq))
    truth = {
        "format": "danq-simulate-truth", "format_version": 2,
        "params": {"length": LENGTH},
        "background": {"model": "iid", "gc_content": 0.5},
        "motifs": [{"id": ids["A"], "name": "A", "length": 3, "pfm": deterministic_pfm(A)},
                   {"id": ids["B"], "name": "B", "length": 3, "pfm": deterministic_pfm(B)}],
        "targets": [
            {"name": "single_A", "category": "single", "motifs": [ids["A"]]},
            {"name": "grammar_AB", "category": "grammar", "motifs": [ids["A"], ids["B"]],
             "min_gap": 1, "max_gap": 3},
            {"name": "combination_AB", "category": "combination",
             "motifs": [ids["A"], ids["B"]], "min_count": 2},
        ],
        "roles": ["random"],
        "grammar_kind_names": KIND_NAMES,
        "splits": {"test": {
            "n": len(names), "names": names, "instances": inst, "flips": flips,
            "grammar_kinds": {"grammar_AB": [KIND_NAMES.index(k) for k in KINDS]},
        }},
    }
    truth_path = tmp_path / "truth.json"
    truth_path.write_text(json.dumps(truth))
    noisy = CLEAN.copy()
    for i, t in flips:
        noisy[i, t] ^= 1
    data = tmp_path / "test.h5"
    writer = DatasetWriter(data, LENGTH, TARGETS, ["single", "grammar", "combination"])
    writer.append(np.stack([to_tokens(s) for s in seqs]), noisy.astype(np.uint8), names)
    writer.close()
    return truth_path, data
