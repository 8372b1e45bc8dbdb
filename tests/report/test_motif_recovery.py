"""Motif recovery in `danq report`: the paper's E < 0.01 criterion, decoy rate, width confound."""

from __future__ import annotations

import json
from pathlib import Path

from danq.report.build import build_report
from danq.report.motif_recovery import base_id, read_tomtom_matches


def write_motifs_run(folder: Path, rows: str, kernel_width: int, decoy_rate: float) -> Path:
    """A `danq motifs` output folder: tomtom.tsv and the summary.json beside it."""
    folder.mkdir()
    (folder / "tomtom.tsv").write_text(
        "filter\trank\ttarget_id\ttarget_name\tp_value\te_value\tq_value\n" + rows)
    (folder / "summary.json").write_text(json.dumps(
        {"kernel_width": kernel_width, "decoys": {"all": {"n": 40, "n_matched": 1,
                                                          "rate": decoy_rate}}}))
    return folder / "tomtom.tsv"


def test_recovery_uses_evalue_reports_decoys_and_the_width_confound(tmp_path: Path) -> None:
    metrics = {}
    for label in ("DeepSEA", "DanQ"):
        metrics[label] = tmp_path / f"{label}.tsv"
        metrics[label].write_text("target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\n"
                                  "s1\tsingle\t10\t90\t0.9\t0.6\n")
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"motifs": [
        {"id": "MA0139.2", "name": "CTCF", "length": 19},
        {"id": "MA0138.3", "name": "REST", "length": 21},
        {"id": "MA0035.4", "name": "GATA1", "length": 11},
    ]}))
    deepsea = write_motifs_run(
        tmp_path / "deepsea",
        "filter_003\t1\tMA0035.4\tGATA1\t1e-8\t5e-6\t0.01\n"
        # q < 0.05 but E >= 0.01: not a match under the paper's criterion
        "filter_004\t1\tMA0139.2\tCTCF\t5e-5\t0.026\t0.02\n",
        kernel_width=8, decoy_rate=0.025)
    danq = write_motifs_run(
        tmp_path / "danq",
        "filter_000\t1\tMA0139.1\tCTCF\t1e-12\t5e-10\t1e-9\n"
        "filter_001\t1\tMA0138.3\tREST\t1e-9\t5e-7\t1e-6\n",
        kernel_width=26, decoy_rate=0.0)
    summary = build_report(tmp_path / "out", metrics, None, {"DeepSEA": deepsea, "DanQ": danq},
                           truth)

    ds, dq = summary["motif_recovery"]["DeepSEA"], summary["motif_recovery"]["DanQ"]
    assert (ds["n_recovered"], dq["n_recovered"]) == (1, 2)
    assert [m["spannable"] for m in ds["motifs"]] == [False, False, False]
    assert dq["n_wider_than_kernel"] == 0 and ds["n_wider_than_kernel"] == 3
    assert (ds["decoy_false_match_rate"], dq["decoy_false_match_rate"]) == (0.025, 0.0)
    assert summary["motif_evalue_threshold"] == 0.01
    (note,) = summary["motif_width_notes"]
    assert note.startswith("DeepSEA's 8-bp first-layer filters cannot span 3 of the 3 planted "
                           "motifs (11–21 bp)")
    assert "DanQ's 26-bp filters span every motif" in note

    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert "TOMTOM E < 0.01" in markdown
    # DeepSEA's filters are narrower than every motif: said once, in its column's heading,
    # not in every cell; one filter is "1 filter".
    assert "| motif | length (bp) | DeepSEA (8-bp filters, narrower than every motif) | DanQ |" \
        in markdown
    assert "| CTCF (MA0139.2) | 19 | no | yes (1 filter) |" in markdown
    assert "wider than filter" not in markdown and "1 filters" not in markdown
    assert "| decoy false-match rate | | 2.5 % | 0.0 % |" in markdown
    assert "> DeepSEA's 8-bp first-layer filters cannot span" in markdown


def test_matches_are_counted_by_base_id_below_the_evalue_threshold(tmp_path: Path) -> None:
    assert base_id(" ma0139.2 ") == "MA0139"
    path = tmp_path / "tomtom.tsv"
    path.write_text("query\ttarget_id\te_value\n"
                    "f1\tMA0139.1\t0.001\nf2\tMA0139.2\t1e-5\nf1\tMA0139.2\t1e-6\n"
                    "f3\tMA0035.4\t0.01\n")
    assert read_tomtom_matches(path) == {"MA0139": ["f1", "f2"]}  # E = 0.01 is not < 0.01
    assert read_tomtom_matches(path, e_threshold=0.1) == {"MA0139": ["f1", "f2"],
                                                         "MA0035": ["f3"]}
    no_match = tmp_path / "no_match.tsv"  # the header only: no filter matched anything
    no_match.write_text("query\ttarget_id\te_value\n")
    assert read_tomtom_matches(no_match) == {}
