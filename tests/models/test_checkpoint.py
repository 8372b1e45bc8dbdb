"""Tests for danq.models.checkpoint: round trips, training state, and refusal of bad files."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from danq.errors import DanqError
from danq.models import DanQ, DanQJaspar, DeepSEA
from danq.models.checkpoint import load_model, read_checkpoint, save_checkpoint

SMALL = {
    "danq": lambda: DanQ(
        sequence_length=120, n_targets=3, conv_channels=8, lstm_hidden=4, dense_hidden=6
    ),
    "deepsea": lambda: DeepSEA(
        sequence_length=200, n_targets=3, conv_channels=(6, 7, 9), dense_hidden=6
    ),
    "danq-jaspar": lambda: DanQJaspar(
        sequence_length=120,
        n_targets=3,
        conv_channels=12,
        lstm_hidden=4,
        dense_hidden=6,
        n_jaspar_kernels=5,
        seed=2,
    ),
}
HEADER = {
    "target_names": ["GM12878|DNase|None", "K562|CTCF|None", "HeLa|H3K4me3|None"],
    "target_categories": ["DNase", "TF", "histone"],
    "training": {"optimizer": "rmsprop", "lr": 0.001, "batch_size": 100},
    "metrics": {"best_epoch": 3, "valid_loss": np.float32(0.25)},
}


def assert_one_line(error: pytest.ExceptionInfo, path: Path) -> None:
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(path))


def test_a_loaded_model_deep_copies_with_its_info(tmp_path: Path) -> None:
    """ModelInfo is read-only, so a copy shares it (quantize_dynamic deep-copies models)."""
    import copy

    path = tmp_path / "model.pt"
    save_checkpoint(path, SMALL["danq"]().eval(), HEADER)
    loaded = load_model(path)
    twin = copy.deepcopy(loaded)
    assert twin is not loaded and twin.info is loaded.info
    x = torch.rand(2, 4, loaded.info.sequence_length)
    assert torch.equal(twin(x), loaded(x))


@pytest.mark.parametrize("arch", sorted(SMALL))
def test_round_trip_gives_same_outputs(tmp_path: Path, arch: str) -> None:
    torch.manual_seed(0)
    model = SMALL[arch]().eval()
    path = tmp_path / "model.pt"
    save_checkpoint(path, model, HEADER)

    loaded = load_model(path)
    assert type(loaded) is type(model)
    assert not loaded.training
    # rebuilt on the meta device and assigned: every tensor must be real, trainable, same dtype
    for (name, got), want in zip(loaded.state_dict(keep_vars=True).items(),
                                 model.state_dict().values(), strict=True):
        assert not got.is_meta, name
        assert got.dtype == want.dtype, name
    assert all(p.requires_grad for p in loaded.parameters())
    x = torch.rand(2, 4, model.sequence_length)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)

    info = loaded.info
    assert info.arch == arch
    assert info.model_args["sequence_length"] == model.sequence_length
    assert info.sequence_length == model.sequence_length
    assert list(info.target_names) == HEADER["target_names"]
    assert list(info.target_categories) == HEADER["target_categories"]
    assert info.alphabet == "ACGT"
    header = read_checkpoint(path)["header"]
    assert header["training"] == HEADER["training"]
    assert header["metrics"]["valid_loss"] == pytest.approx(0.25)
    assert isinstance(header["metrics"]["valid_loss"], float)
    assert header["danq_version"]
    assert not list(tmp_path.glob(".*tmp"))  # atomic write left no temporary file


def test_danq_jaspar_checkpoint_keeps_weights_and_motif_ids(tmp_path: Path) -> None:
    model = SMALL["danq-jaspar"]()
    path = tmp_path / "jaspar.pt"
    save_checkpoint(path, model, HEADER)
    header = read_checkpoint(path)["header"]
    assert header["model_args"]["jaspar_init"] is False  # rebuilding must not reload JASPAR
    loaded = load_model(path)
    assert loaded.jaspar_motif_ids == model.jaspar_motif_ids
    assert loaded.jaspar_motif_ids[0] != ""
    torch.testing.assert_close(loaded.conv.weight, model.conv.weight, rtol=0, atol=0)


def test_training_state_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = SMALL["danq"]()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-6)
    loss = model(torch.rand(2, 4, 120)).sum()
    loss.backward()
    optimizer.step()
    np.random.seed(7)
    generator = np.random.default_rng(11)
    state = {
        "epoch": 4,
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "numpy_rng": np.random.get_state(),
        "generator": generator.bit_generator.state,
        "history": [{"epoch": 1, "valid_loss": 0.3}],
    }
    path = tmp_path / "resume.pt"
    save_checkpoint(path, model, {}, training_state=state)

    restored = read_checkpoint(path)["training_state"]
    assert restored["epoch"] == 4
    assert restored["history"] == state["history"]
    assert torch.equal(restored["torch_rng"], state["torch_rng"])

    expected_draws = np.random.random(3)
    np.random.set_state(restored["numpy_rng"])
    np.testing.assert_array_equal(np.random.random(3), expected_draws)

    other = np.random.default_rng(0)
    other.bit_generator.state = restored["generator"]
    assert other.integers(1 << 30) == np.random.default_rng(11).integers(1 << 30)

    fresh = torch.optim.RMSprop(SMALL["danq"]().parameters(), lr=0.5)
    fresh.load_state_dict(restored["optimizer"])
    assert fresh.param_groups[0]["lr"] == 1e-3
    for key, value in optimizer.state_dict()["state"][0].items():
        restored_value = fresh.state_dict()["state"][0][key]
        if isinstance(value, torch.Tensor):
            assert torch.equal(restored_value, value)


def test_no_training_state_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    assert read_checkpoint(path)["training_state"] is None


def test_header_must_be_plain_data(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    with pytest.raises(TypeError):
        save_checkpoint(path, SMALL["danq"](), {"metrics": {"auc": torch.tensor(0.9)}})
    with pytest.raises(TypeError):
        save_checkpoint(path, SMALL["danq"](), {}, training_state={"x": object()})
    assert not path.exists()


def test_wrapped_model_saved_without_wrapper_prefix(tmp_path: Path) -> None:
    model = SMALL["danq"]()
    path = tmp_path / "m.pt"
    save_checkpoint(path, nn.DataParallel(model), HEADER)
    assert all(not key.startswith("module.") for key in read_checkpoint(path)["state_dict"])
    load_model(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.pt"
    with pytest.raises(DanqError, match="does not exist") as error:
        load_model(path)
    assert_one_line(error, path)


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), b"this is a text file, not weights\n", b""],
    ids=["random-bytes", "text", "empty"],
)
def test_corrupt_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(DanqError, match=r"not a danq checkpoint \(corrupt or truncated\)") as error:
        read_checkpoint(path)
    assert_one_line(error, path)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        path.write_bytes(data[:cut])
        with pytest.raises(DanqError, match=r"corrupt or truncated") as error:
            load_model(path)
        assert_one_line(error, path)


class RunsShellCommand:
    """Unpickling this object would run a shell command (the classic malicious checkpoint)."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def __reduce__(self):
        return (os.system, (f"touch {self.flag}",))


@pytest.mark.parametrize("writer", ["torch", "pickle"])
def test_pickled_code_is_refused_and_not_run(tmp_path: Path, writer: str) -> None:
    flag = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {
        "format": "danq-checkpoint",
        "format_version": 1,
        "header": {"arch": "danq", "payload": RunsShellCommand(flag)},
        "state_dict": {},
    }
    if writer == "torch":
        torch.save(payload, path)
    else:
        with open(path, "wb") as handle:
            pickle.dump(payload, handle, protocol=2)
    with pytest.raises(DanqError, match="refuses to load.*pickled Python objects") as error:
        load_model(path)
    assert_one_line(error, path)
    assert not flag.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"format": "something-else", "header": {}, "state_dict": {}},
        {"state_dict": {}},
        [1, 2, 3],
    ],
    ids=["wrong-format", "no-format", "not-a-dict"],
)
def test_not_a_danq_checkpoint(tmp_path: Path, payload) -> None:
    path = tmp_path / "other.pt"
    torch.save(payload, path)
    with pytest.raises(DanqError, match="not a danq checkpoint") as error:
        read_checkpoint(path)
    assert_one_line(error, path)


def test_plain_state_dict_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    torch.save(SMALL["danq"]().state_dict(), path)
    with pytest.raises(DanqError, match="not a danq checkpoint"):
        load_model(path)


def rewrite(path: Path, edit) -> None:
    payload = torch.load(path, weights_only=True)
    edit(payload)
    torch.save(payload, path)


def test_unknown_architecture(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    rewrite(path, lambda p: p["header"].update(arch="transformer"))
    with pytest.raises(DanqError, match="unknown model architecture 'transformer'") as error:
        load_model(path)
    assert "deepsea" in str(error.value)
    assert_one_line(error, path)


def test_newer_format_version(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    rewrite(path, lambda p: p.update(format_version=99))
    with pytest.raises(DanqError, match="format version 99"):
        read_checkpoint(path)


def test_shape_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    rewrite(path, lambda p: p["header"]["model_args"].update(conv_channels=10))
    with pytest.raises(DanqError, match="weights do not match architecture danq") as error:
        load_model(path)
    assert_one_line(error, path)


def test_missing_weight(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    rewrite(path, lambda p: p["state_dict"].pop("fc2.weight"))
    with pytest.raises(DanqError, match="weights do not match architecture danq.*fc2.weight"):
        load_model(path)


def test_weights_of_another_architecture(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    deepsea_weights = SMALL["deepsea"]().state_dict()
    rewrite(path, lambda p: p.update(state_dict=deepsea_weights))
    with pytest.raises(DanqError, match="weights do not match architecture danq") as error:
        load_model(path)
    assert_one_line(error, path)


def test_bad_model_args(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    save_checkpoint(path, SMALL["danq"](), HEADER)
    rewrite(path, lambda p: p["header"]["model_args"].update(attention_heads=4))
    with pytest.raises(DanqError, match="bad model arguments") as error:
        load_model(path)
    assert_one_line(error, path)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights_warn_but_large_finite_ones_do_not(tmp_path: Path, bad: float) -> None:
    from danq.errors import DanqWarning

    model = SMALL["danq"]().eval()
    with torch.no_grad():
        model.fc2.weight.fill_(3e38)  # finite, but its sum overflows to inf
    path = tmp_path / "large.pt"
    save_checkpoint(path, model, HEADER)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DanqWarning)
        load_model(path)
    with torch.no_grad():
        model.fc2.weight[0, 0] = bad
    save_checkpoint(path, model, HEADER)
    with pytest.warns(DanqWarning, match="fc2.weight"):
        load_model(path)
