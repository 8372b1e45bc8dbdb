"""Tests for the targets' rules: labels follow them, grammar is more than presence, and every
rule gives a sequence and its reverse complement the same label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.simulation.config import SPLITS
from danq.simulation.jaspar import Motif
from danq.simulation.rules import Target, compute_labels, grammar_hits
from tests.simulation.helpers import expected_labels, read_labels, truth_json


def test_every_label_follows_its_rule_except_the_recorded_flips(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = truth_json(out)
    total_flips = 0
    for split in SPLITS:
        _, _, labels = read_labels(out / f"{split}.labels.tsv")
        expected = expected_labels(truth, split)
        flips = np.zeros_like(expected)
        for i, t in truth["splits"][split]["flips"]:
            flips[i, t] = 1
        total_flips += int(flips.sum())
        np.testing.assert_array_equal(labels, expected ^ flips)
    assert total_flips > 0  # label_noise 0.03 over ~5,000 labels


def test_grammar_targets_cannot_be_predicted_from_presence_alone(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = truth_json(out)
    clean = expected_labels(truth, "train")
    inst = truth["splits"]["train"]["instances"]
    roles = truth["roles"]
    for t, target in enumerate(truth["targets"]):
        if target["category"] != "grammar":
            continue
        a, b = target["motifs"]
        with_a = {s for s, m in zip(inst["seq"], inst["motif"], strict=True) if m == a}
        with_b = {s for s, m in zip(inst["seq"], inst["motif"], strict=True) if m == b}
        both = sorted(with_a & with_b)
        positives = int(clean[both, t].sum())
        negatives = len(both) - positives
        assert positives >= 10 and negatives >= 10, target["name"]
        # All four kinds of decoy (wrong order, too close, too far, opposite strands) occur.
        used = {roles[r] for r in inst["role"] if roles[r].startswith("grammar_decoy")}
        assert used == {"grammar_decoy_swapped", "grammar_decoy_close", "grammar_decoy_far",
                        "grammar_decoy_opposite_strands"}


def reverse_instances(instances: dict[str, np.ndarray], lengths: list[int], length: int) -> dict:
    """The same instances seen on the reverse complement of each sequence of ``length`` bp."""
    widths = np.asarray(lengths)[instances["motif"]]
    return {
        "seq": instances["seq"],
        "motif": instances["motif"],
        "start": length - instances["start"] - widths,
        "strand": -instances["strand"],
    }


def random_instances(rng: np.random.Generator, n: int, n_motifs: int, length: int,
                     lengths: list[int]) -> dict[str, np.ndarray]:
    """Dense random instances (overlaps allowed: the rules do not care) on both strands."""
    count = n * 4
    motif = rng.integers(n_motifs, size=count)
    return {
        "seq": rng.integers(n, size=count),
        "motif": motif,
        "start": rng.integers(0, length - np.asarray(lengths)[motif] + 1),
        "strand": rng.choice([-1, 1], size=count),
    }


def test_every_rule_gives_a_sequence_and_its_reverse_complement_the_same_label() -> None:
    lengths = [6, 9, 12]
    motifs = [Motif(f"M{i}", f"m{i}", f"M{i}", np.ones((4, w)), np.full((w, 4), 0.25))
              for i, w in enumerate(lengths)]
    targets = [
        Target("s", "single", (2,), 0.1, 0.0),
        Target("g01", "grammar", (0, 1), 0.1, 0.1, min_gap=3, max_gap=20),
        Target("g21", "grammar", (2, 1), 0.1, 0.1, min_gap=0, max_gap=40),
        Target("c", "combination", (0, 1, 2), 0.1, 0.1, min_count=2),
    ]
    rng = np.random.default_rng(7)
    n, length = 3000, 80
    inst = random_instances(rng, n, 3, length, lengths)
    forward = compute_labels(n, inst, targets, motifs)
    reverse = compute_labels(n, reverse_instances(inst, lengths, length), targets, motifs)
    np.testing.assert_array_equal(forward, reverse)
    # Not vacuous: every target has positives and negatives, and the grammar rule is not just
    # presence (pairs in the wrong order, spacing or on opposite strands are negative).
    assert (forward.mean(axis=0) > 0.02).all() and (forward.mean(axis=0) < 0.98).all()
    has = [np.isin(np.arange(n), inst["seq"][inst["motif"] == m]) for m in range(3)]
    both = has[0] & has[1]
    assert forward[both, 1].mean() < 0.9 and forward[~both, 1].sum() == 0


@pytest.mark.parametrize(
    ("a_start", "a_strand", "b_start", "b_strand", "label"),
    [
        (0, 1, 8, 1, 1),     # +: A at 0..4, B at 8: gap 3
        (0, 1, 7, 1, 0),     # +: gap 2, too close
        (0, 1, 16, 1, 1),    # +: gap 11 = max_gap
        (0, 1, 17, 1, 0),    # +: gap 12, too far
        (20, -1, 10, -1, 1), # -: B at 10..15 left of A: gap 20 - 16 = 4
        (20, -1, 30, -1, 0), # -: B right of A is upstream in the minus orientation: swapped
        (10, 1, 0, 1, 0),    # +: B left of A: swapped
        (0, 1, 8, -1, 0),    # opposite strands never count
    ],
)
def test_grammar_rule_on_hand_placed_pairs(a_start, a_strand, b_start, b_strand, label) -> None:
    target = Target("g", "grammar", (0, 1), 0.1, 0.1, min_gap=3, max_gap=11)
    inst = {"seq": np.array([0, 0]), "motif": np.array([0, 1]),
            "start": np.array([a_start, b_start]), "strand": np.array([a_strand, b_strand])}
    assert grammar_hits(1, inst, target, [5, 6]).tolist() == [bool(label)]


def test_simulated_labels_are_strand_symmetric_in_every_split(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = truth_json(out)
    ids = [m["id"] for m in truth["motifs"]]
    lengths = [m["length"] for m in truth["motifs"]]
    motifs = [Motif(i, i, i, np.ones((4, w)), np.full((w, 4), 0.25))
              for i, w in zip(ids, lengths, strict=True)]
    targets = [Target(t["name"], t["category"], tuple(ids.index(m) for m in t["motifs"]), 0, 0,
                      t.get("min_gap", 0), t.get("max_gap", 0), t.get("min_count", 0))
               for t in truth["targets"]]
    length = truth["params"]["length"]
    for split in SPLITS:
        info = truth["splits"][split]
        raw = info["instances"]
        inst = {"seq": np.array(raw["seq"]), "motif": np.array([ids.index(m) for m in raw["motif"]]),
                "start": np.array(raw["start"]),
                "strand": np.array([1 if d == "+" else -1 for d in raw["strand"]])}
        forward = compute_labels(info["n"], inst, targets, motifs)
        np.testing.assert_array_equal(forward, expected_labels(truth, split))
        reverse = compute_labels(info["n"], reverse_instances(inst, lengths, length), targets,
                                 motifs)
        np.testing.assert_array_equal(forward, reverse)
    # Plants and decoys of grammar targets put both motifs on one strand, and both strands occur.
    raw = truth["splits"]["train"]["instances"]
    roles = truth["roles"]
    pairs: dict[tuple[int, int], set[str]] = {}
    for s, d, r in zip(raw["seq"], raw["strand"], raw["role"], strict=True):
        if roles[r].startswith("grammar"):
            pairs.setdefault((s, r), set()).add(d)
    assert any(v == {"+"} for v in pairs.values()) and any(v == {"-"} for v in pairs.values())

