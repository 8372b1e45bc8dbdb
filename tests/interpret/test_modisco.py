"""TF-MoDISco on synthetic attributions whose signal sits on a planted REST motif."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from danq.errors import DanqError
from danq.formats.jaspar import load_jaspar
from danq.interpret.modisco import cwm_trim, read_attributions, run_modisco

N, L = 160, 160


def _rest_ppm() -> np.ndarray:
    pfm = next(m.pfm for m in load_jaspar("JASPAR2024") if m.matrix_id.startswith("MA0138"))
    return pfm / pfm.sum(axis=0)


def write_attributions(path, *, hypothetical: bool = True, consistent: bool = True) -> None:
    """attributions.h5 in `danq attribute`'s layout: target 0 carries a REST site per sequence
    (contribution = its PWM's log-odds, either strand), target 1 only noise."""
    rng = np.random.default_rng(0)
    ppm = _rest_ppm()
    w = ppm.shape[1]
    tokens = rng.integers(0, 4, (N, L)).astype(np.uint8)
    hyp = rng.normal(0, 0.01, (N, 2, 4, L)).astype(np.float32)
    score = np.clip(np.log2(ppm + 0.01) + 2, 0, None) * 0.5  # (4, w)
    for i in range(N):
        start = int(rng.integers(0, L - w))
        site = np.array([rng.choice(4, p=ppm[:, j]) for j in range(w)])
        if i % 2:
            tokens[i, start:start + w] = site
            hyp[i, 0, :, start:start + w] += score
        else:
            tokens[i, start:start + w] = 3 - site[::-1]
            hyp[i, 0, :, start:start + w] += score[::-1, ::-1]
    one_hot = (tokens[:, None, :] == np.arange(4)[None, :, None]).astype(np.float32)
    attributions = hyp * one_hot[:, None]
    if not consistent:
        attributions = attributions * 2
    with h5py.File(path, "w") as h5:
        h5["attributions"] = attributions
        if hypothetical:
            h5["hypothetical"] = hyp
        h5["tokens"] = tokens
        h5["names"] = np.array([f"s{i}" for i in range(N)], dtype=object)
        h5.create_dataset("target_names", data=np.array(["rest", "noise"], dtype=object),
                          dtype=h5py.string_dtype())


def test_modisco_finds_the_planted_motif_and_tomtom_names_it(tmp_path) -> None:
    path = tmp_path / "attributions.h5"
    write_attributions(path)
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"motifs": [{"id": "MA0138.3", "name": "REST"},
                                            {"id": "MA0139.2", "name": "CTCF"}]}))
    out = tmp_path / "out"
    summary = run_modisco(path, out, targets="rest", truth=truth, threads=1)
    assert list(summary["targets"]) == ["rest"]
    assert summary["targets"]["rest"]["n_patterns"] >= 1
    import pandas as pd

    table = pd.read_csv(out / "patterns.tsv", sep="\t")
    best = table.sort_values("n_seqlets", ascending=False).iloc[0]
    assert best["sign"] == "pos" and best["matched"]
    assert best["best_target_id"].startswith("MA0138")
    assert summary["planted"] == {"n": 2, "n_recovered": 1, "recovered": ["MA0138.3"]}
    assert {"shuffled", "background", "all"} <= set(summary["decoys"])
    text = (out / "patterns.meme").read_text()
    assert "MOTIF rest/pos_0" in text
    assert (out / "modisco" / "rest.h5").is_file()
    assert any((out / "logos").glob("rest__pos_0.png"))


def test_cwm_trim_keeps_the_span_above_30_percent() -> None:
    cwm = np.zeros((4, 10))
    cwm[0, 3], cwm[1, 6], cwm[2, 8] = 1.0, -0.5, 0.2
    assert cwm_trim(cwm) == (3, 7)


def test_bad_attribution_files(tmp_path) -> None:
    path = tmp_path / "a.h5"
    write_attributions(path, hypothetical=False)
    with pytest.raises(DanqError, match="no 'hypothetical' dataset"):
        read_attributions(path)
    write_attributions(path)
    with pytest.raises(DanqError, match="matches no target"):
        read_attributions(path, "nonexistent")
    write_attributions(path, consistent=False)
    with pytest.raises(DanqError, match="differ from one-hot x hypothetical"):
        run_modisco(path, tmp_path / "o", targets="rest")
    assert not (tmp_path / "o").exists()
