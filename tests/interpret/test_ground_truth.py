"""Attribution accuracy against the simulation's planted instances (danq.interpret.ground_truth)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from danq.errors import DanqError
from danq.interpret.ground_truth import attribution_auroc, instance_mask, score_attributions
from danq.simulation.config import SimulationParams
from danq.simulation.simulate import simulate
from danq.simulation.truth import read_truth

N_TEST = 60


@pytest.fixture(scope="module")
def truth_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(out, seed=5, params=SimulationParams(), n_train=20, n_valid=10, n_test=N_TEST)
    return out / "truth.json"


def write_attributions(path: Path, names: list[str], targets: list[str], values: np.ndarray) -> None:
    """A file in `danq attribute`'s layout: the contribution sits on base 0 of each position."""
    n, t, length = values.shape
    attributions = np.zeros((n, t, 4, length), dtype=np.float32)
    attributions[:, :, 0, :] = values
    with h5py.File(path, "w") as h5:
        h5["attributions"] = attributions
        h5["names"] = np.array(names, dtype=object).astype("S")
        h5["target_names"] = np.array(targets, dtype=object).astype("S")


def test_instance_mask_covers_each_instance_of_the_targets_motifs(truth_path: Path) -> None:
    truth = read_truth(truth_path)
    target = 0
    motif = truth.targets[target]["motifs"][0]
    inst = truth.instances
    k = int(np.flatnonzero(inst["motif"] == motif)[0])
    seq, start = int(inst["seq"][k]), int(inst["start"][k])
    mask = instance_mask(truth, target, [seq], truth.length)
    width = truth.motif_lengths[motif]
    assert mask[0, start:start + width].all()
    assert mask.sum() >= width


def test_attribution_auroc_by_hand() -> None:
    mask = np.array([[False, True, True, False]])
    assert attribution_auroc(np.array([[0.1, 0.9, -0.8, 0.2]]), mask) == 1.0  # |.| ranks both
    assert attribution_auroc(np.array([[0.9, 0.1, 0.2, 0.8]]), mask) == 0.0
    assert np.isnan(attribution_auroc(np.ones((1, 4)), np.zeros((1, 4), dtype=bool)))


def test_perfect_and_blind_attributions(truth_path: Path, tmp_path: Path) -> None:
    truth = read_truth(truth_path)
    rows = list(range(truth.n))
    masks = np.stack([instance_mask(truth, t, rows, truth.length)
                      for t in range(len(truth.target_names))], axis=1)
    perfect = tmp_path / "perfect.h5"
    write_attributions(perfect, truth.names, truth.target_names, masks.astype(np.float32))
    table = score_attributions(perfect, truth_path)
    scored = table.dropna()
    assert len(scored) >= len(truth.target_names) - 2  # a tiny split may lack a positive
    assert (scored["auroc"] == 1.0).all()
    assert set(table["category"]) == {"single", "grammar", "combination"}

    blind = tmp_path / "blind.h5"
    noise = np.random.default_rng(0).normal(size=masks.shape).astype(np.float32)
    write_attributions(blind, truth.names, truth.target_names, noise)
    auroc = score_attributions(blind, truth_path)["auroc"].dropna()
    assert abs(float(auroc.median()) - 0.5) < 0.05


def test_records_outside_the_split_are_refused(truth_path: Path, tmp_path: Path) -> None:
    truth = read_truth(truth_path)
    path = tmp_path / "other.h5"
    write_attributions(path, ["not-a-record"], truth.target_names[:1],
                       np.zeros((1, 1, truth.length), dtype=np.float32))
    with pytest.raises(DanqError, match="not-a-record"):
        score_attributions(path, truth_path)
