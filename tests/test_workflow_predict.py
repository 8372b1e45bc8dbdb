"""workflow/rules/predict.smk: the optional genome tracks of every trained run (dry runs)."""

from __future__ import annotations

from pathlib import Path

from tests.test_workflow import TEST_CONFIG, job_counts, load, snakemake, write_config


def test_tracks_are_off_by_default_and_score_the_region_with_every_run_when_on(tmp_path: Path):
    result = snakemake(tmp_path, TEST_CONFIG, "-n")
    assert result.returncode == 0, result.stdout
    assert "predict_tracks" not in job_counts(result.stdout)

    genome = tmp_path / "hg.fa"
    genome.write_text(">chr22\nACGT\n")
    config = load(TEST_CONFIG)
    config["predict_tracks"] = {"enabled": True, "genome": str(genome), "region": "chr22:1-1,000",
                                "step": 100, "targets": "single"}
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    assert job_counts(result.stdout)["predict_tracks"] == 2
    lines = [line for line in result.stdout.splitlines() if "danq predict" in line]
    assert len(lines) == 2
    for line in lines:
        assert f"--genome {genome} --tile chr22:1-1,000 --step 100 --format bigwig" in line
        assert "--targets single" in line and "> logs/predict/" in line
        assert any(f"-o results/tracks/{run} " in line for run in ("deepsea", "danq"))


def test_tracks_without_a_genome_are_a_config_error(tmp_path: Path):
    config = load(TEST_CONFIG)
    config["predict_tracks"] = {"enabled": True}
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n")
    assert result.returncode != 0
    assert "predict_tracks.enabled needs predict_tracks.genome" in result.stdout
