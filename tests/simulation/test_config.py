"""Tests for the simulation's parameters: config files, overrides and validation errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.simulation.config import load_config, params_from_mapping
from danq.simulation.simulate import simulate
from tests.simulation.helpers import expected_labels, read_labels, truth_json


def test_config_file_overrides_motifs_and_targets(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(
        "n_train: 50\nn_valid: 5\nn_test: 5\nlength: 300\nlabel_noise: 0\n"
        "motifs: [MA0139.2, MA0148.4, MA0114.4]\n"
        "targets:\n"
        "  - {name: ctcf, category: single, motifs: [CTCF]}\n"
        "  - {name: fox_hnf, category: grammar, motifs: [FOXA1, MA0114.4], min_gap: 20,"
        " max_gap: 80, plant_rate: 0.3}\n"
        "  - {name: any2, category: combination, motifs: [CTCF, FOXA1, HNF4A], min_count: 2}\n"
    )
    params = params_from_mapping(load_config(config), source=str(config))
    simulate(tmp_path / "out", params=params, n_test=8)
    truth = truth_json(tmp_path / "out")
    assert [m["id"] for m in truth["motifs"]] == ["MA0139.2", "MA0148.4", "MA0114.4"]
    assert [t["name"] for t in truth["targets"]] == ["ctcf", "fox_hnf", "any2"]
    assert truth["targets"][1]["min_gap"] == 20 and truth["targets"][1]["plant_rate"] == 0.3
    assert truth["splits"]["test"]["n"] == 8 and truth["splits"]["train"]["n"] == 50
    assert truth["splits"]["train"]["flips"] == []
    _, _, labels = read_labels(tmp_path / "out/train.labels.tsv")
    np.testing.assert_array_equal(labels, expected_labels(truth, "train"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"n_train": -1}, "n_train must be >= 0"),
        ({"n_train": 0, "n_valid": 0, "n_test": 0}, "all splits are empty"),
        ({"length": 150}, "shorter than target"),
        ({"motifs": ["MA0139.2", "MA9999.1"]}, "'MA9999.1' is not in JASPAR2024"),
        ({"motifs": ["MA0139.2", "MA0139.2"]}, "listed twice"),
        ({"release": "JASPAR1999"}, "unknown JASPAR release"),
        ({"label_noise": 1.5}, "label_noise must be between 0 and 1"),
        ({"targets": [{"name": "x", "category": "single", "motifs": ["NOPE"]}]}, "not among"),
        ({"targets": [{"name": "x", "category": "order", "motifs": ["CTCF"]}]}, "category"),
        (
            {"targets": [{"name": "x", "category": "grammar", "motifs": ["CTCF", "REST"],
                          "min_gap": 30, "max_gap": 10}]},
            "min_gap <= max_gap",
        ),
        (
            {"targets": [{"name": "x", "category": "single", "motifs": ["CTCF"], "k": 1}]},
            "unknown key",
        ),
    ],
)
def test_bad_parameters_raise_danq_error(tmp_path: Path, overrides: dict, message: str) -> None:
    params = params_from_mapping({"n_train": 5, "n_valid": 1, "n_test": 1, **overrides})
    with pytest.raises(DanqError, match=message):
        simulate(tmp_path / "out", params=params)
    assert not (tmp_path / "out" / "truth.json").exists()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "{n_train: 3", "invalid JSON"),
        ("bad.yaml", "n_train: [1, 2\n", "invalid YAML"),
        ("list.yaml", "- 1\n- 2\n", "must be a mapping"),
        ("unknown.yaml", "n_trian: 3\n", "unknown simulation parameter 'n_trian'"),
        ("type.json", '{"length": "long"}', "'length' must be an integer"),
        ("bool.json", '{"seed": true}', "'seed' must be an integer"),
        ("targets.json", '{"targets": {"name": "x"}}', "'targets' must be a list"),
    ],
)
def test_malformed_config_raises_danq_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DanqError, match=message) as info:
        params_from_mapping(load_config(path), source=str(path))
    assert str(path) in str(info.value)
    with pytest.raises(DanqError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")

