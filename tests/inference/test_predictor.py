"""danq.inference.predictor and danq.models.info: one inference core, one typed record of a model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from danq.encoders import one_hot_batch, reverse_complement, to_tokens
from danq.errors import DanqError
from danq.inference.predictor import load_predictor
from danq.models.checkpoint import load_model, read_checkpoint, save_checkpoint
from danq.models.info import ModelInfo
from danq.runtime import InferenceSettings
from tests.helpers import tiny_danq

LENGTH = 40
NAMES = ["a", "b", "c"]


@pytest.fixture
def model():
    torch.manual_seed(3)
    return tiny_danq(LENGTH, len(NAMES)).eval()


def random_sequences(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), LENGTH)) for _ in range(n)]


def test_probabilities_are_the_sigmoid_of_the_model_rc_averaged(model) -> None:
    seqs = random_sequences(5)
    x = torch.from_numpy(one_hot_batch(seqs))
    with torch.no_grad():
        forward = torch.sigmoid(model(x))
        backward = torch.sigmoid(model(torch.from_numpy(reverse_complement(x.numpy()))))
    tokens = np.stack([to_tokens(s) for s in seqs])
    averaged = load_predictor(model, device="cpu", precision="fp32").from_tokens(tokens)
    np.testing.assert_allclose(averaged, ((forward + backward) / 2).numpy(), rtol=1e-6, atol=1e-7)
    single = load_predictor(model, device="cpu", precision="fp32", rc_average=False)
    np.testing.assert_allclose(single.from_tokens(tokens), forward.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(single.from_one_hot(x), forward.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(single.from_tokens(tokens, logits=True),
                               torch.logit(forward).numpy(), rtol=1e-4, atol=1e-5)


def test_batched_prediction_equals_one_batch(model) -> None:
    tokens = np.stack([to_tokens(s) for s in random_sequences(7, seed=1)])
    predictor = load_predictor(model, device="cpu", precision="fp32")
    whole = predictor.from_tokens(tokens)
    np.testing.assert_allclose(predictor.predict_tokens(tokens, batch_size=3), whole, rtol=1e-6)
    assert predictor.predict_tokens(tokens[:0]).shape == (0, 3)
    with pytest.raises(DanqError, match="batch-size"):
        predictor.predict_tokens(tokens, batch_size=0)


def test_gradient_path_for_attribution(model) -> None:
    predictor = load_predictor(model, device="cpu", precision="fp32", rc_average=False)
    x = torch.from_numpy(one_hot_batch(random_sequences(2, seed=2))).requires_grad_(True)
    predictor.logits(x, grad=True)[:, 1].sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape and x.grad.abs().sum() > 0
    with torch.no_grad():
        assert not predictor.logits(x).requires_grad  # inference mode by default


def test_settings_are_handed_down_and_not_rechecked_per_batch(model, monkeypatch) -> None:
    from danq import runtime

    settings = InferenceSettings.resolve("cpu", "fp32")
    predictor = load_predictor(model, settings, rc_average=False)
    assert predictor.settings is settings
    assert (predictor.device, predictor.precision) == (torch.device("cpu"), "fp32")

    def no_more_checks(*_args):
        raise AssertionError("precision re-checked after the settings were resolved")

    monkeypatch.setattr(runtime, "check_precision", no_more_checks)
    tokens = np.stack([to_tokens(s) for s in random_sequences(4)])
    assert predictor.predict_tokens(tokens, batch_size=2).shape == (4, 3)
    with pytest.raises(TypeError, match="not both"):
        load_predictor(model, settings, device="cpu")


def test_a_module_stays_on_its_device_and_defaults_follow_the_command_line(model) -> None:
    from danq.runtime import DEFAULT_PRECISION, native_bf16

    predictor = load_predictor(model)
    assert predictor.device == torch.device("cpu")
    expected = "bf16" if native_bf16(predictor.device) else "fp32"
    assert DEFAULT_PRECISION == "auto" and predictor.precision == expected
    assert predictor.settings.auto_precision and predictor.settings.threads is None


def test_int8_works_on_a_loaded_checkpoint(tmp_path, model) -> None:
    """quantize_dynamic deep-copies the module; the checkpoint's ModelInfo must not stop it."""
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"target_names": NAMES})
    predictor = load_predictor(path, device="cpu", precision="int8", rc_average=False)
    assert predictor.precision == "int8" and predictor.target_names == NAMES
    tokens = np.stack([to_tokens(s) for s in random_sequences(3)])
    reference = load_predictor(path, device="cpu", precision="fp32", rc_average=False)
    np.testing.assert_allclose(predictor.from_tokens(tokens), reference.from_tokens(tokens),
                               atol=0.05)


def test_model_info_round_trips_through_a_checkpoint(tmp_path, model) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"target_names": NAMES, "target_categories": ["x", "y", "z"],
                                  "provenance": {"source": "unit test"}})
    loaded = load_model(path)
    info = loaded.info
    assert isinstance(info, ModelInfo)
    assert info == ModelInfo.from_header(read_checkpoint(path)["header"])
    assert info.arch == "danq" and info.sequence_length == LENGTH and info.n_targets == 3
    assert info.target_names == tuple(NAMES) and info.provenance["source"] == "unit test"
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.arch = "deepsea"  # type: ignore[misc]
    with pytest.raises(TypeError):
        info.model_args["lstm_hidden"] = 1  # type: ignore[index]
    predictor = load_predictor(path, device="cpu")
    assert predictor.target_names == NAMES and predictor.sequence_length == LENGTH


def test_target_names_must_match_the_outputs(tmp_path, model) -> None:
    path = tmp_path / "m.pt"
    with pytest.raises(ValueError, match="2 target names for a model with 3 outputs"):
        save_checkpoint(path, model, {"target_names": ["a", "b"]})
    save_checkpoint(path, model, {"target_names": NAMES})
    payload = torch.load(path, weights_only=True)
    payload["header"]["target_names"] = ["a", "b"]
    torch.save(payload, path)
    with pytest.raises(DanqError, match=r"m\.pt: 2 target names for a model with 3 outputs"):
        load_model(path)


def test_header_without_sequence_length_is_refused(tmp_path, model) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"target_names": NAMES})
    payload = torch.load(path, weights_only=True)
    del payload["header"]["sequence_length"]
    payload["header"]["model_args"].pop("sequence_length")
    torch.save(payload, path)
    with pytest.raises(DanqError, match="no valid sequence_length"):
        load_model(path)


def test_bare_danq_model_gets_its_info_from_its_arguments(model) -> None:
    info = ModelInfo.for_model(model)
    assert info.target_names == ("target_0", "target_1", "target_2")
    assert info.model_args == model.checkpoint_args()
    predictor = load_predictor(model)
    assert not predictor.named_targets
