"""The workflow's baselines: a PWM baseline on real data when the config names PWMs, and the
converged config's settings (the default run's, trained to early stopping)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_workflow import REPO, job_counts, load, snakemake, validate, write_config


def peaks_config(tmp_path: Path, pwm: list[str]) -> Path:
    genome, targets = tmp_path / "hg.fa", tmp_path / "targets.tsv"
    genome.write_text(">chr1\nACGT\n")
    targets.write_text("name\tcategory\tpeaks\n")
    config = load(REPO / "config" / "peaks.yaml")
    config["data"].update(genome=str(genome), targets=str(targets))
    config["device"] = "cpu"
    config["baselines"]["pwm"] = pwm
    return write_config(tmp_path, config)


def test_peaks_run_shows_a_pwm_baseline_when_the_config_names_pwms(tmp_path: Path) -> None:
    result = snakemake(tmp_path, peaks_config(tmp_path, ["MA0139.2", "K562|CTCF|None=MA0139.2"]),
                       "-n", "-p")
    assert result.returncode == 0, result.stdout
    assert job_counts(result.stdout)["pwm_baseline"] == 1
    line = next(x for x in result.stdout.splitlines() if "danq baselines" in x)
    assert "--pwm MA0139.2 --pwm 'K562|CTCF|None=MA0139.2' --release JASPAR2024" in line
    assert "--predictions DanQ=results/peaks/evaluate/danq/predictions.h5" in line
    assert "--truth" not in line
    report = next(x for x in result.stdout.splitlines() if "danq report" in x)
    assert "--baselines results/peaks/baselines" in report


def test_peaks_run_without_pwms_has_no_baseline(tmp_path: Path) -> None:
    result = snakemake(tmp_path, peaks_config(tmp_path, []), "-n", "-p")
    assert result.returncode == 0, result.stdout
    assert "pwm_baseline" not in job_counts(result.stdout)
    assert "--baselines" not in next(x for x in result.stdout.splitlines() if "danq report" in x)


def test_converged_config_is_the_default_run_without_its_epoch_cap() -> None:
    default, converged = load(REPO / "config" / "config.yaml"), load(REPO / "config" / "converged.yaml")
    validate(load(REPO / "config" / "converged.yaml"))
    assert converged["data"]["simulate"] == default["data"]["simulate"]
    for run in ("deepsea", "danq"):
        mine, theirs = dict(converged["models"][run]), dict(default["models"][run])
        assert mine.pop("epochs") >= 100 and theirs.pop("epochs") == 15
        assert mine == theirs
    assert converged["outdir"] != default["outdir"]


@pytest.mark.parametrize("pwm", [["MA0139.2"], []])
def test_baselines_section_is_valid(pwm: list[str]) -> None:
    config = load(REPO / "config" / "peaks.yaml")
    config["baselines"]["pwm"] = pwm
    validate(config)
