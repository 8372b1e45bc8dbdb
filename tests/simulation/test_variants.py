"""Ground-truth variants (`danq simulate-variants`) and the variant report (heatmap, ROC AUC)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from danq.cli import main
from danq.errors import DanqError
from danq.sequence.genome import Genome
from danq.simulation.variants import simulate_variants
from danq.variants.effect import run_variant_effect
from danq.variants.report import truth_auc, variant_report
from tests.motif_detector import MotifDetector

MOTIF = "GGGACTTTCC"
LENGTH = 100


def _truth_json(path: Path, motif: str = MOTIF) -> Path:
    """A truth.json as `danq simulate` writes it, with one deterministic motif (one-hot PFM)."""
    pfm = [[100 if base == letter else 0 for base in motif] for letter in "ACGT"]
    truth = {
        "format": "danq-simulate-truth",
        "background": {"model": "iid", "gc_content": 0.4},
        "motifs": [{"id": "M1", "name": "ONE", "pfm": pfm},
                   {"id": "M2", "name": "UNUSED", "pfm": pfm}],
        "targets": [{"name": "single_ONE", "category": "single", "motifs": ["M1"]}],
    }
    path.write_text(json.dumps(truth))
    return path


def test_variants_destroy_create_or_miss_the_planted_motif(tmp_path):
    summary = simulate_variants(_truth_json(tmp_path / "truth.json"), tmp_path / "out",
                                n_per_class=12, slot=200, seed=4)
    assert summary["n_variants"] == {"destroy": 12, "create": 12, "neutral": 12}
    assert summary["motifs"] == ["ONE"]  # a motif no target uses is not planted
    table = pd.read_csv(tmp_path / "out" / "truth.tsv", sep="\t")
    rc = MOTIF.translate(str.maketrans("ACGT", "TGCA"))[::-1]
    with Genome(tmp_path / "out" / "genome.fa") as genome:
        for row in table.to_dict("records"):
            around = genome.fetch(row["chrom"], row["pos"] - 1 - 20, row["pos"] + 20)
            assert around[20] == row["ref"]
            after = around[:20] + row["alt"] + around[21:]
            present_before = MOTIF in around or rc in around
            present_after = MOTIF in after or rc in after
            if row["class"] == "destroy":
                assert present_before and not present_after, row
            elif row["class"] == "create":
                assert not present_before and present_after, row
            else:
                assert not present_before and not present_after, row
    again = simulate_variants(tmp_path / "truth.json", tmp_path / "again", n_per_class=12,
                              slot=200, seed=4)
    assert again["n_variants"] == summary["n_variants"]
    for name in ("genome.fa", "variants.vcf", "truth.tsv"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_a_motif_detector_separates_hits_from_neutral_perfectly(tmp_path):
    simulate_variants(_truth_json(tmp_path / "truth.json"), tmp_path / "sim", n_per_class=10,
                      slot=200, seed=1)
    detector = MotifDetector(MOTIF, LENGTH).eval()
    run_variant_effect(tmp_path / "sim" / "variants.vcf", tmp_path / "sim" / "genome.fa",
                       tmp_path / "effects", model=detector, device="cpu", progress=False)
    h5 = tmp_path / "effects" / "variant_effects.h5"
    result = truth_auc(h5, tmp_path / "sim" / "truth.tsv")
    assert result["auc"] == 1.0 and result["auc_destroy"] == 1.0 and result["auc_create"] == 1.0
    assert result["median_neutral"] == 0.0  # a neutral SNV changes no exact motif match

    summary = variant_report({"Detector": h5}, tmp_path / "report",
                             truth=tmp_path / "sim" / "truth.tsv")
    assert (tmp_path / "report" / "heatmap_Detector.png").stat().st_size > 0
    table = pd.read_csv(tmp_path / "report" / "truth_auc.tsv", sep="\t")
    assert table.loc[0, "model"] == "Detector" and table.loc[0, "auc"] == 1.0
    assert summary["models"]["Detector"]["n_neutral"] == 10


def test_auc_of_a_hand_made_score_order(tmp_path, monkeypatch):
    import danq.variants.report as report

    # hits 0.9 and 0.4, neutrals 0.5 and 0.1: of 4 hit/neutral pairs 3 are ordered -> AUC 0.75
    values = np.array([[0.9, -0.2], [-0.4, 0.1], [0.5, 0.0], [0.0, -0.1]], dtype=np.float32)
    fake = {"values": values, "ids": ["a", "b", "c", "d"], "labels": [], "targets": ["t1", "t2"]}
    monkeypatch.setattr(report, "read_effects", lambda path, score="logit_diff": fake)
    classes = {"a": "destroy", "b": "create", "c": "neutral", "d": "neutral"}
    result = truth_auc("unused.h5", classes)
    assert result["auc"] == pytest.approx(0.75)
    assert result["auc_destroy"] == pytest.approx(1.0) and result["auc_create"] == pytest.approx(0.5)


def test_bad_truth_json_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "truth.json"
    bad.write_text("{\"motifs\": 3}")
    with pytest.raises(DanqError, match="not a `danq simulate` truth.json"):
        simulate_variants(bad, tmp_path / "out")
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate-variants", "--truth", str(bad), "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.startswith("danq: error:")


def test_variant_summary_reaches_the_report_page(tmp_path) -> None:
    import json

    from danq.report.html import markdown_to_html
    from danq.variants.report import read_summary, summary_markdown

    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"models": {
        "DeepSEA": {"auc": 0.7671, "auc_destroy": 0.776, "auc_create": 0.757,
                    "n_destroy": 100, "n_create": 100, "n_neutral": 100},
        "DanQ": {"auc": 0.7719, "auc_destroy": None, "auc_create": 0.769,
                 "n_destroy": 100, "n_create": 100, "n_neutral": 100}}}))
    lines = summary_markdown(read_summary(path))
    assert lines[0] == "## Variant effects (danq variant-effect)"
    assert "| DeepSEA | 0.767 | 0.776 | 0.757 | 100 / 100 / 100 |" in lines
    assert "| DanQ | 0.772 | n/a | 0.769 | 100 / 100 / 100 |" in lines
    page = markdown_to_html("\n".join(lines[2:]))
    assert "<table" in page and "0.772" in page
    path.write_text("[]")
    with pytest.raises(DanqError, match="not a danq variant-report summary"):
        read_summary(path)
