"""The report's interpretation section (danq.report.interpretation) on small synthetic folders:
accuracy medians, MoDISco recovery counted as the filters' is, the grammar contrast, the statement
built from the numbers, the figures and the hook into `danq report`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.report.build import build_report
from danq.report.interpretation import (
    FIGURES,
    accuracy_medians,
    interpretation_markdown,
    interpretation_section,
    read_interpretation,
)

PLANTED = [{"id": "MA0139.2", "name": "CTCF", "length": 19},
           {"id": "MA0138.3", "name": "REST", "length": 21},
           {"id": "MA0148.4", "name": "FOXA1", "length": 12}]
TARGET = "grammar_FOXA1_HNF4A"


def write_folder(root: Path, aurocs: dict[str, list[float]], rule_boost: float,
                 modisco_hits: str = "pos_0\tMA0139.1\t1e-9\n", rate: float = 0.02) -> Path:
    """An interpretation folder: accuracy per method, a modisco run, one grammar target whose
    pair responds ``rule_boost`` logits more inside the rule (A then B, same strand, 50-200)."""
    categories = ["single", "single", "grammar"]
    for method, values in aurocs.items():
        folder = root / "attribute" / method
        folder.mkdir(parents=True)
        rows = "".join(f"{method}\ttest\tt{i}\t{c}\t5\t40\t{v}\n"
                       for i, (c, v) in enumerate(zip(categories, values, strict=True)))
        (folder / "accuracy.tsv").write_text(
            "method\tsplit\ttarget\tcategory\tsequences\tpositions\tauroc\n" + rows)
    modisco = root / "modisco"
    modisco.mkdir(parents=True)
    (modisco / "tomtom.tsv").write_text("query\ttarget_id\te_value\n" + modisco_hits)
    (modisco / "summary.json").write_text(json.dumps({"n_patterns": 4,
                                                      "decoys": {"all": {"rate": rate}}}))
    margin = root / "marginalize" / TARGET
    margin.mkdir(parents=True)
    lines = ["target\torder\tstrand\torientation\tspacing\tin_rule\tdelta_ab_mean\tdelta_ab_sd"]
    for order in ("AB", "BA"):
        for strand in ("same", "opposite"):
            for spacing in (0, 100, 250):
                inside = order == "AB" and strand == "same" and 50 <= spacing <= 200
                value = 1.0 + (rule_boost if inside else 0.0)
                lines.append(f"{TARGET}\t{order}\t{strand}\t+\t{spacing}\t{inside}\t{value}\t0.1")
    (margin / "marginalize.tsv").write_text("\n".join(lines) + "\n")
    (margin / "summary.json").write_text(json.dumps({
        "targets": [TARGET], "rule_windows": {TARGET: [50, 200, "A"]},
        "motif_a": {"name": "FOXA1"}, "motif_b": {"name": "HNF4A"},
        "responses": {TARGET: {"delta_ab_in_rule": 1.0 + rule_boost,
                               "delta_ab_outside_rule": 1.0}}}))
    return root


def test_medians_recovery_and_contrast_come_from_the_files(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "danq", {"ism": [0.9, 0.7, 0.6], "ig": [0.8, 0.6, 0.55]},
                          rule_boost=2.0)
    section = read_interpretation(folder, PLANTED)
    medians = {(r["method"], r["category"]): r["median_auroc"]
               for r in accuracy_medians({"DanQ": section})}
    assert medians[("ism", "single")] == pytest.approx(0.8)
    assert medians[("ism", "grammar")] == pytest.approx(0.6)
    assert medians[("ism", "all")] == pytest.approx(0.7)
    assert medians[("ig", "all")] == pytest.approx(0.6)
    modisco = section["modisco"]  # MA0139.1 counts for the planted MA0139.2, as for filters
    assert (modisco["n_recovered"], modisco["n_planted"]) == (1, 3)
    assert modisco["decoy_false_match_rate"] == 0.02 and modisco["n_patterns"] == 4
    grammar = section["marginalize"][TARGET]
    # inside: AB same at 100 (3.0); outside: the 11 other cells (1.0)
    assert grammar["contrast"] == pytest.approx(2.0)
    rule = grammar["curves"]["rule"]
    assert rule == {"spacing": [0, 100, 250], "delta_ab": [1.0, 3.0, 1.0]}
    assert grammar["curves"]["swapped"]["delta_ab"] == [1.0, 1.0, 1.0]


def test_the_statement_follows_the_numbers(tmp_path: Path) -> None:
    grammar = write_folder(tmp_path / "a", {"ism": [0.9, 0.8, 0.7]}, rule_boost=1.5)
    flat = write_folder(tmp_path / "b", {"ism": [0.6, 0.5, 0.55]}, rule_boost=-0.5,
                        modisco_hits="pos_0\tMA0139.2\t0.5\n", rate=0.1)
    filters = {"DanQ": {"n_planted": 3, "n_recovered": 2, "decoy_false_match_rate": 0.0}}
    section = interpretation_section({"DanQ": grammar, "DeepSEA": flat}, PLANTED, filters)
    text = section["statement"]
    assert "ISM DanQ 0.80, DeepSEA 0.55" in text
    assert "DanQ 1 of 3 (decoy false-match rate 2.0 %) against 2 by its first-layer filters" in text
    assert "DeepSEA 0 of 3 (decoy false-match rate 10.0 %)" in text  # E = 0.5 is no match
    assert "DanQ responds more to the pair inside the rule's window than outside on 1 of 1" in text
    assert "DeepSEA responds more to the pair inside the rule's window than outside on 0 of 1" in text
    assert "(inside − outside +1.500 logit on average" in text
    assert "(inside − outside -0.500 logit on average" in text
    lines = interpretation_markdown(section)
    assert lines[0] == "## Explaining the predictions: ground truth"
    assert "| DanQ | ism | 0.850 (2) | 0.700 (1) | 0.800 (3) |" in lines
    assert "| DanQ | 2/3 | 0.0 % | 1/3 | 2.0 % | 4 |" in lines
    assert f"| DeepSEA | {TARGET} | 50–200 | 0.500 | 1.000 | -0.500 (± 0.000) |" in lines


def test_a_difference_within_the_cells_spread_is_not_counted() -> None:
    import pandas as pd

    from danq.report.interpretation import _contrast, clearly_higher

    rows = pd.DataFrame({"in_rule": [True, True, False, False, False, False],
                         "delta_ab_mean": [1.2, 1.0, 0.2, 1.8, 0.5, 1.5]})
    contrast, se = _contrast(rows, (50, 200, "A"))
    assert contrast == pytest.approx(0.1)
    # s.e. = sqrt(var(inside)/2 + var(outside)/4) from the cells' means
    assert se == pytest.approx(np.sqrt(0.02 / 2 + np.var([0.2, 1.8, 0.5, 1.5], ddof=1) / 4))
    assert not clearly_higher(contrast, se)
    rows["delta_ab_mean"] = [3.2, 3.0, 0.2, 1.8, 0.5, 1.5]
    assert clearly_higher(*_contrast(rows, (50, 200, "A")))
    assert _contrast(rows, None) == (None, None) and not clearly_higher(None, None)


def test_report_shows_the_section_and_its_three_figures(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "danq", {"ism": [0.9, 0.7, 0.6]}, rule_boost=1.0)
    metrics = tmp_path / "m.tsv"
    metrics.write_text("target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\ns1\tsingle\t10\t90\t0.9\t0.6\n")
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"motifs": PLANTED}))
    with pytest.raises(DanqError, match="--interpretation needs --truth"):
        build_report(tmp_path / "none", {"DanQ": metrics}, interpretation={"DanQ": folder})
    with pytest.raises(DanqError, match="no such interpretation folder"):
        build_report(tmp_path / "none", {"DanQ": metrics}, truth=truth,
                     interpretation={"DanQ": tmp_path / "missing"})
    out = tmp_path / "out"
    summary = build_report(out, {"DanQ": metrics}, truth=truth, interpretation={"DanQ": folder})
    assert summary["interpretation"]["models"]["DanQ"]["modisco"]["n_recovered"] == 1
    for name in FIGURES:
        assert (out / name).is_file(), name
    markdown = (out / "summary.md").read_text()
    assert "## Explaining the predictions: ground truth" in markdown
    assert summary["interpretation"]["statement"] in markdown
    page = (out / "report.html").read_text()
    assert '<div id="interpretation">' in page and page.count("data:image/png") >= 4
    assert "The grammar experiment: response to the pair" in page
