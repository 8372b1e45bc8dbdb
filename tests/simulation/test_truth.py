"""Tests for truth.json: what the writer records (grammar kinds) and its one reader (a split, the
motifs, the background model, format checks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.simulation.config import SPLITS, SimulationParams
from danq.simulation.sampling import markov_transitions
from danq.simulation.truth import (
    BackgroundModel,
    clean_labels,
    read_truth,
    read_truth_motifs,
)
from tests.simulation.helpers import expected_labels, read_labels, truth_json


def test_grammar_kinds_are_recorded_per_sequence(small_run: tuple[Path, dict]) -> None:
    out, _ = small_run
    truth = truth_json(out)
    names = truth["grammar_kind_names"]
    assert names == ["positive", "swapped", "close", "far", "opposite_strands", "both_other",
                     "one_motif", "none"]
    seen: set[str] = set()
    for split in SPLITS:
        info = truth["splits"][split]
        clean = expected_labels(truth, split)
        raw = info["instances"]
        roles = truth["roles"]
        for t, target in enumerate(truth["targets"]):
            if target["category"] != "grammar":
                assert target["name"] not in info["grammar_kinds"]
                continue
            kinds = [names[k] for k in info["grammar_kinds"][target["name"]]]
            assert len(kinds) == info["n"]
            a, b = target["motifs"]
            has_a = {s for s, m in zip(raw["seq"], raw["motif"], strict=True) if m == a}
            has_b = {s for s, m in zip(raw["seq"], raw["motif"], strict=True) if m == b}
            decoy_of = {}
            for s, m, r in zip(raw["seq"], raw["motif"], raw["role"], strict=True):
                if roles[r].startswith("grammar_decoy_") and m in (a, b):
                    decoy_of[s] = roles[r].removeprefix("grammar_decoy_")
            for s, kind in enumerate(kinds):
                seen.add(kind)
                if clean[s, t]:
                    assert kind == "positive"
                elif kind in ("swapped", "close", "far", "opposite_strands"):
                    assert decoy_of.get(s) == kind
                else:
                    n_present = (s in has_a) + (s in has_b)
                    assert kind == {2: "both_other", 1: "one_motif", 0: "none"}[n_present]
    assert {"positive", "swapped", "close", "far", "opposite_strands", "one_motif",
            "none"} <= seen


def test_a_split_reads_back_as_written(small_run: tuple[Path, dict]) -> None:
    out, _ = small_run
    raw = truth_json(out)
    for split in SPLITS:
        truth = read_truth(out / "truth.json", split)
        info = raw["splits"][split]
        assert truth.n == info["n"] and truth.names == info["names"]
        assert truth.target_names == [t["name"] for t in raw["targets"]]
        assert truth.motif_ids == [m["id"] for m in raw["motifs"]]
        assert truth.motif_lengths == [m["length"] for m in raw["motifs"]]
        assert [p.shape for p in truth.pfms] == [(4, m["length"]) for m in raw["motifs"]]
        assert truth.length == 500 and truth.kind_names == raw["grammar_kind_names"]
        motif_ids = [truth.motif_ids[m] for m in truth.instances["motif"]]
        assert motif_ids == info["instances"]["motif"]
        assert truth.instances["start"].tolist() == info["instances"]["start"]
        strands = ["+" if d > 0 else "-" for d in truth.instances["strand"]]
        assert strands == info["instances"]["strand"]
        # The written labels with the recorded flips undone are the rules' labels.
        _, _, noisy = read_labels(out / f"{split}.labels.tsv")
        np.testing.assert_array_equal(clean_labels(noisy, truth.flips),
                                      expected_labels(raw, split))
    # The Markov background's composition is its stationary law, GC about 41 %.
    composition = read_truth(out / "truth.json").background
    assert composition.sum() == pytest.approx(1.0)
    assert composition[1] + composition[2] == pytest.approx(0.41, abs=0.01)


def test_background_model_round_trips_through_json() -> None:
    markov = BackgroundModel.of_params(SimulationParams())
    entry = markov.to_json()
    assert entry["model"] == "markov1" and entry["alphabet"] == "ACGT"
    back = BackgroundModel.from_json(json.loads(json.dumps(entry)))
    initial, transitions = markov_transitions()
    np.testing.assert_allclose(back.initial, initial, atol=1e-6)
    np.testing.assert_allclose(back.transitions, transitions, atol=1e-6)
    np.testing.assert_allclose(back.composition(), initial / initial.sum(), atol=1e-6)
    iid = BackgroundModel.of_params(SimulationParams(background="iid", gc_content=0.6))
    assert iid.to_json() == {"model": "iid", "gc_content": 0.6}
    np.testing.assert_allclose(BackgroundModel.from_json(iid.to_json()).composition(),
                               [0.2, 0.3, 0.3, 0.2])
    assert BackgroundModel.from_json(None).gc_content == 0.41  # absent: i.i.d., GC 0.41


def test_motifs_are_read_with_the_targets_using_them(small_run: tuple[Path, dict],
                                                     tmp_path: Path) -> None:
    out, _ = small_run
    motifs, background = read_truth_motifs(out / "truth.json")
    raw = truth_json(out)
    assert [m.matrix_id for m in motifs] == [m["id"] for m in raw["motifs"]]
    assert background.model == "markov1"
    ctcf = next(m for m in motifs if m.name == "CTCF")
    assert ctcf.targets == ("single_CTCF", "combination_CTCF_REST_NFKB1_NRF1")
    assert ctcf.categories == ("single", "combination")
    assert ctcf.pfm is not None and ctcf.pfm.shape == (4, ctcf.length)
    # A hand-written list of motifs (no format tag, targets, PFM or background) is enough.
    minimal = tmp_path / "minimal.json"
    minimal.write_text(json.dumps({"motifs": [{"id": "MA0139.2", "name": "CTCF"}]}))
    (motif,), background = read_truth_motifs(minimal)
    assert (motif.matrix_id, motif.name, motif.length, motif.pfm) == ("MA0139.2", "CTCF", None,
                                                                      None)
    assert motif.targets == () and background.model == "iid"


@pytest.mark.parametrize(
    ("content", "split_message", "motifs_message"),
    [
        ("{not json", "not a readable JSON file", "not a readable JSON file"),
        ("[1, 2]", "not a `danq simulate` truth.json", "not a `danq simulate` truth.json"),
        ('{"format": "other", "motifs": []}', "not a `danq simulate` truth.json",
         "not a `danq simulate` truth.json"),
        ('{"motifs": 3}', "not a `danq simulate` truth.json", "not a `danq simulate` truth.json"),
        ('{"format": "danq-simulate-truth", "format_version": 2, "motifs": []}',
         "lacks or garbles", None),
        ('{"motifs": [{"id": "M1", "pfm": [[1, 2]]}]}', "not a `danq simulate` truth.json",
         "M1 has no valid PFM"),
    ],
)
def test_bad_truth_files_are_one_line_errors(tmp_path: Path, content: str, split_message: str,
                                             motifs_message: str | None) -> None:
    path = tmp_path / "truth.json"
    path.write_text(content)
    with pytest.raises(DanqError, match=split_message):
        read_truth(path)
    if motifs_message is None:
        assert read_truth_motifs(path)[0] == []
    else:
        with pytest.raises(DanqError, match=motifs_message):
            read_truth_motifs(path)
    with pytest.raises(DanqError, match="truth file does not exist"):
        read_truth(tmp_path / "missing.json")
