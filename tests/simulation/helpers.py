"""Shared helpers of the simulation tests: reading a simulation's files and re-deriving labels."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from Bio import SeqIO

SMALL = {"n_train": 300, "n_valid": 60, "n_test": 60}
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def truth_json(out: Path) -> dict:
    """truth.json as plain JSON (the tests check the file, not the reader)."""
    return json.loads((out / "truth.json").read_text())


def read_fasta(path: Path) -> list[tuple[str, str]]:
    return [(rec.id, str(rec.seq)) for rec in SeqIO.parse(str(path), "fasta")]


def read_labels(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, body = rows[0], rows[1:]
    names = [r[0] for r in body]
    labels = np.array([[int(v) for v in r[1:]] for r in body], dtype=np.uint8).reshape(
        len(body), len(header) - 1
    )
    return header, names, labels


def output_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def expected_labels(truth: dict, split: str) -> np.ndarray:
    """Labels re-derived from the recorded instances by the recorded rules (own implementation)."""
    info = truth["splits"][split]
    lengths = {m["id"]: m["length"] for m in truth["motifs"]}
    per_seq: list[list[tuple[str, int, str]]] = [[] for _ in range(info["n"])]
    inst = info["instances"]
    for s, m, p, d in zip(inst["seq"], inst["motif"], inst["start"], inst["strand"], strict=True):
        per_seq[s].append((m, p, d))
    labels = np.zeros((info["n"], len(truth["targets"])), dtype=np.uint8)
    for t, target in enumerate(truth["targets"]):
        for s, found in enumerate(per_seq):
            ids = {m for m, _, _ in found}
            if target["category"] == "single":
                labels[s, t] = target["motifs"][0] in ids
            elif target["category"] == "combination":
                labels[s, t] = sum(m in ids for m in target["motifs"]) >= target["min_count"]
            else:
                a, b = target["motifs"]
                # Read in the pair's orientation: on '-' mirror both ends so B must follow A.
                labels[s, t] = any(
                    da == db
                    and target["min_gap"]
                    <= (pb - (pa + lengths[a]) if da == "+" else pa - (pb + lengths[b]))
                    <= target["max_gap"]
                    for ma, pa, da in found
                    if ma == a
                    for mb, pb, db in found
                    if mb == b
                )
    return labels
