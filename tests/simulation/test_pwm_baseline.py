"""Tests for ``danq baselines --pwm``: the PWM baseline of a real dataset, target by target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.simulation.pwm_baseline import parse_pwm_specs, run_pwm_baselines

TARGETS = ["K562|CTCF|None", "HepG2|FOXA1|None", "K562|DNase|None"]
CTCF = "GCCACCAGGGGGCGC"  # MA0139.2's consensus
FOXA1 = "ATGTAAACATGT"  # MA0148.4's consensus


def write_dataset(tmp_path: Path, n: int = 240, length: int = 200) -> tuple[Path, np.ndarray]:
    """Random sequences; CTCF planted in the first target's positives, FOXA1 in the second's,
    the third target's labels random."""
    from danq.encoders import to_tokens
    from danq.formats.dataset_writer import DatasetWriter

    rng = np.random.default_rng(0)
    labels = (rng.random((n, 3)) < 0.3).astype(np.uint8)
    seqs = []
    for i in range(n):
        seq = list(rng.choice(list("ACGT"), length))
        for t, site in ((0, CTCF), (1, FOXA1)):
            if labels[i, t]:
                start = int(rng.integers(0, length - len(site)))
                seq[start : start + len(site)] = site
        seqs.append("".join(seq))
    path = tmp_path / "test.h5"
    writer = DatasetWriter(path, length, TARGETS, ["TF", "TF", "DNase"])
    writer.append(np.stack([to_tokens(s) for s in seqs]), labels, [f"r{i}" for i in range(n)])
    writer.close()
    return path, labels


def test_pwm_specs_map_targets_to_pwms() -> None:
    assert parse_pwm_specs(["MA0139.2"], TARGETS) == {t: ["MA0139.2"] for t in TARGETS}
    assert parse_pwm_specs(["MA0139.2", "HepG2|FOXA1|None=MA0148.4,MA0047.4"], TARGETS) == {
        TARGETS[0]: ["MA0139.2"], TARGETS[1]: ["MA0148.4", "MA0047.4"],
        TARGETS[2]: ["MA0139.2"]}
    assert parse_pwm_specs(["K562|CTCF|None=MA0139.2"], TARGETS) == {TARGETS[0]: ["MA0139.2"]}
    with pytest.raises(DanqError, match="no target 'K562'"):
        parse_pwm_specs(["K562=MA0139.2"], TARGETS)
    with pytest.raises(DanqError, match="given twice"):
        parse_pwm_specs([f"{TARGETS[0]}=MA0139.2", f"{TARGETS[0]}=MA0148.4"], TARGETS)
    with pytest.raises(DanqError, match="expected ID"):
        parse_pwm_specs(["MA0139.2,"], TARGETS)


def test_each_target_is_scored_by_its_pwm_beside_a_model(tmp_path: Path) -> None:
    from danq.formats.predictions import H5PredictionWriter

    data, labels = write_dataset(tmp_path)
    predictions = tmp_path / "pred.h5"
    writer = H5PredictionWriter(predictions, TARGETS)
    order = np.arange(len(labels))[::-1]  # another row order than the dataset's
    writer.append((0.2 + 0.6 * labels[order]).astype(np.float32), [f"r{i}" for i in order])
    writer.close()
    specs = [f"{TARGETS[0]}=MA0139.2", f"{TARGETS[1]}=MA0148.4,MA0035.4"]
    summary = run_pwm_baselines(data, tmp_path / "out", specs, {"M": predictions})
    pwm = pd.read_csv(tmp_path / "out" / "pwm_scan" / "metrics.tsv", sep="\t").set_index("target")
    assert list(pwm.index) == TARGETS[:2]  # the DNase target has no PWM: no row
    assert pwm.loc[TARGETS[0], "roc_auc"] > 0.95  # planted CTCF sites found
    assert pwm.loc[TARGETS[1], "roc_auc"] > 0.9  # FOXA1 found although GATA1 is also scanned
    model = pd.read_csv(tmp_path / "out" / "M" / "metrics.tsv", sep="\t").set_index("target")
    assert model.loc[TARGETS[0], "roc_auc"] == 1.0  # rows matched by name
    long = pd.read_csv(tmp_path / "out" / "all_metrics.tsv", sep="\t")
    assert set(long["source"]) == {"pwm_scan", "M"} and set(long["labels"]) == {"observed"}
    assert summary["pwms"][TARGETS[1]] == ["MA0148.4", "MA0035.4"]
    assert sum(summary["background"].values()) == pytest.approx(1.0, abs=1e-5)


def test_cli_pwm_mode_and_the_report_section(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from danq.cli import cli
    from danq.report.baselines import baseline_section, render_baselines

    data, _ = write_dataset(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["baselines", "--pwm", "MA0139.2", "--data", str(data),
                                 "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "pwm_scan: median TF PR" in result.output
    section = baseline_section(tmp_path / "out", ["M"])
    assert section["sources"] == ["pwm_scan"] and section["learned_grammar"] == {}
    text = "\n".join(render_baselines(section))
    assert "| K562|CTCF|None | TF |" in text and "observed" in text
    both = runner.invoke(cli, ["baselines", "--pwm", "MA0139.2", "--truth", "t.json",
                               "--data", str(data), "-o", str(tmp_path / "o2")])
    assert isinstance(both.exception, DanqError) and "either --truth" in str(both.exception)
