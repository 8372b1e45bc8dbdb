"""Tests for ``danq simulate``: determinism, the files written and their names, the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from danq.simulation.config import SPLITS
from danq.simulation.simulate import simulate
from tests.simulation.helpers import SMALL, output_bytes, read_fasta, read_labels, truth_json


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    sizes = {"n_train": 40, "n_valid": 10, "n_test": 10}
    simulate(tmp_path / "a", seed=5, **sizes)
    simulate(tmp_path / "b", seed=5, **sizes)
    simulate(tmp_path / "c", seed=6, **sizes)
    a, b, c = (output_bytes(tmp_path / d) for d in "abc")
    assert sorted(a) == sorted(
        [f"{s}.fa" for s in SPLITS] + [f"{s}.labels.tsv" for s in SPLITS]
        + ["targets.tsv", "truth.json"]
    )
    assert a == b
    for name in ("train.fa", "test.fa", "truth.json"):
        assert a[name] != c[name]


def test_outputs_are_readable_with_matching_names(small_run: tuple[Path, dict]) -> None:
    out, summary = small_run
    truth = truth_json(out)
    target_names = [t["name"] for t in truth["targets"]]
    with open(out / "targets.tsv", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    assert rows[0] == ["target", "category"]
    assert rows[1:] == [[t["name"], t["category"]] for t in truth["targets"]]
    assert {t["category"] for t in truth["targets"]} == {"single", "grammar", "combination"}
    for split in SPLITS:
        records = read_fasta(out / f"{split}.fa")
        header, names, labels = read_labels(out / f"{split}.labels.tsv")
        assert header == ["name", *target_names]
        assert [n for n, _ in records] == names == truth["splits"][split]["names"]
        assert len(names) == SMALL[f"n_{split}"] == len(set(names))
        assert all(len(s) == 500 and set(s) <= set("ACGT") for _, s in records)
        assert set(np.unique(labels)) <= {0, 1}
    assert summary["n"] == {s: SMALL[f"n_{s}"] for s in SPLITS}


def test_cli_help_and_run_with_config(tmp_path: Path) -> None:
    from danq.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    for option in ("--outdir", "--seed", "--n-train", "--n-valid", "--n-test", "--length",
                   "--config", "--release"):
        assert option in result.output
    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"n_train": 40, "n_valid": 9, "label_noise": 0.02}))
    result = runner.invoke(
        cli, ["simulate", "-o", str(tmp_path / "out"), "--config", str(config),
              "--n-train", "25", "--n-test", "7", "--seed", "4"],
    )
    assert result.exit_code == 0, result.output
    assert "grammar_FOXA1_HNF4A" in result.output
    truth = truth_json(tmp_path / "out")
    assert [truth["splits"][s]["n"] for s in SPLITS] == [25, 9, 7]  # CLI beats config
    assert truth["params"]["label_noise"] == 0.02 and truth["params"]["seed"] == 4
    assert len(read_fasta(tmp_path / "out/train.fa")) == 25


def test_cli_bad_input_exits_1_with_one_line_message(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("motifs: [MA0139.2, MA0000.9]\n")
    code = "from danq.cli import main; import sys; main(sys.argv[1:])"
    for args in (["--n-valid", "-3"], ["--config", str(config)]):
        proc = subprocess.run(
            [sys.executable, "-c", code, "simulate", "-o", str(tmp_path / "o"), *args],
            capture_output=True, text=True, timeout=60,
        )
        assert "Traceback" not in proc.stderr
        if args[0] == "--n-valid":  # a count out of range: click's usage error (danq.cli.options)
            assert proc.returncode == 2, proc.stderr
            assert "Invalid value for '--n-valid': -3 is not in the range x>=0" in proc.stderr
            continue
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("danq: error: "), proc.stderr
    assert str(config) in lines[0]

