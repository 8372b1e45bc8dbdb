"""DeepSEA (Kipoi) and Beluga (ExPecto) state dicts: imports against the peers' own Torch modules."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from danq.formats.targets import DEEPSEA_CATEGORY_BOUNDS
from danq.inference.predictor import load_predictor
from danq.models.checkpoint import load_model, read_checkpoint
from tests.models.published.reference import (
    N_SEQUENCES,
    TOLERANCE,
    Beluga,
    assert_one_line_error,
    danq_probs,
    kipoi_deepsea,
    random_tokens,
    randomise,
    reference_torch,
    run_cli,
)


@pytest.mark.parametrize("wrapper", ["", "2."])
def test_deepsea_kipoi_matches_reference(deepsea_file, tmp_path, wrapper):
    path, reference = deepsea_file
    if wrapper:  # deepsea_predict.pth: the same network inside Kipoi's wrapper, keys prefixed "2."
        path = tmp_path / "deepsea_predict.pth"
        torch.save({wrapper + k: v for k, v in reference.state_dict().items()}, path)
    out = tmp_path / "deepsea.pt"
    result = run_cli(path, "-o", out)
    assert result.exit_code == 0, result.output
    tokens = random_tokens(np.random.default_rng(2), N_SEQUENCES, 1000)
    expected = reference_torch(reference, tokens)
    got = danq_probs(out, tokens)
    assert expected.std() > 0.05  # the test sees a spread of probabilities, not a constant
    assert np.abs(got - expected).max() <= TOLERANCE

    payload = read_checkpoint(out)
    header = payload["header"]
    assert header["arch"] == "deepsea" and header["model_args"]["activation"] == "threshold"
    assert header["provenance"]["format"] == "deepsea-kipoi"
    assert header["provenance"]["source"] == path.name
    assert header["provenance"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    names = header["target_names"]
    assert len(names) == 919 and names[0] == "8988T|DNase|None" and names[576] == "NA|NA|NA"
    assert any("\u00a0" in name for name in names) and len(set(names)) == 919
    counts = {c: header["target_categories"].count(c) for c in set(header["target_categories"])}
    assert counts == {cat: hi - lo for cat, lo, hi in DEEPSEA_CATEGORY_BOUNDS}
    assert counts == {"DNase": 125, "TF": 690, "histone": 104}


def test_deepsea_threshold_is_torch7s_not_relu(tmp_path):
    """With every conv3 unit below zero only the 1e-6 floor reaches the dense layer: ReLU would differ."""
    rng = np.random.default_rng(3)
    reference = kipoi_deepsea()
    randomise(reference, rng, scale=2.0)
    with torch.no_grad():
        reference[8].bias.fill_(-1e3)
        reference[12][1].weight.mul_(1e5)
    path = tmp_path / "deepsea_cpu.pth"
    torch.save(reference.state_dict(), path)
    assert run_cli(path, "-o", tmp_path / "d.pt").exit_code == 0
    tokens = random_tokens(rng, 3, 1000)
    expected = reference_torch(reference, tokens)
    assert np.abs(danq_probs(tmp_path / "d.pt", tokens) - expected).max() <= TOLERANCE
    relu_model = load_model(tmp_path / "d.pt")
    relu_model.act = torch.relu
    relu = load_predictor(relu_model, device="cpu", rc_average=False).from_tokens(tokens)
    assert np.abs(np.asarray(relu) - expected).max() > 1e-3


def test_beluga_matches_reference_and_needs_names(tmp_path):
    rng = np.random.default_rng(4)
    reference = Beluga().eval()
    randomise(reference, rng, scale=2.0)
    path = tmp_path / "deepsea.beluga.pth"
    torch.save(reference.state_dict(), path)
    out = tmp_path / "beluga.pt"

    result = run_cli(path, "-o", out)  # Beluga's names may not ship: --names is required
    assert result.exit_code == 1 and "give them with --names" in result.output
    assert not out.exists()

    names = tmp_path / "beluga.names"
    names.write_text("".join(f"Cell{i}|{m}|None\n" for i, m in enumerate(
        ["DNase", "CTCF", "H3K4me3", "DNase", "EP300", "H3K27ac", "H4K20me1"])))
    result = run_cli(path, "-o", out, "--names", names)
    assert result.exit_code == 0, result.output
    tokens = random_tokens(rng, N_SEQUENCES, 2000)
    expected = reference_torch(reference, tokens)
    assert expected.std() > 0.05
    assert np.abs(danq_probs(out, tokens) - expected).max() <= TOLERANCE
    header = read_checkpoint(out)["header"]
    assert header["arch"] == "beluga" and header["sequence_length"] == 2000
    assert header["target_categories"] == ["DNase", "TF", "histone", "DNase", "TF", "histone", "histone"]


def _state_dict(deepsea_file):
    return dict(deepsea_file[1].state_dict())


def test_bad_state_dicts(deepsea_file, tmp_path):
    out = tmp_path / "o.pt"
    cases = {
        "missing": ({k: v for k, v in _state_dict(deepsea_file).items() if k != "14.1.bias"},
                    "missing key '14.1.bias'"),
        "extra": (dict(_state_dict(deepsea_file), **{"16.weight": torch.zeros(3)}),
                  "unexpected key '16.weight'"),
        "conv_shape": (dict(_state_dict(deepsea_file), **{"4.weight": torch.zeros(8, 6, 8)}),
                       "4.weight has shape (8, 6, 8)"),
        "dense_shape": (dict(_state_dict(deepsea_file), **{"12.1.weight": torch.zeros(12, 99)}),
                        "fc1.weight converts to shape (12, 99)"),
        "unrelated": ({"encoder.weight": torch.zeros(2)}, "matches no published layout"),
    }
    for name, (state, message) in cases.items():
        path = tmp_path / f"{name}.pth"
        torch.save(state, path)
        assert_one_line_error(run_cli(path, "-o", out), str(path), message, out=out)
