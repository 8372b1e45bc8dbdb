"""`--init`: the published initialisation is kept, PyTorch's default replaces it, JASPAR kernels stay."""

from __future__ import annotations

import json

import pytest
import torch

from danq.errors import DanqError
from danq.models import build_model
from danq.models.checkpoint import read_checkpoint
from danq.training import train
from danq.training.init import apply_init
from tests.training.test_loop import TINY_DANQ, config, make_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return make_dataset(root / "train.h5", n=128), make_dataset(root / "valid.h5", n=64, seed=1)


def danq(seed: int = 0):
    torch.manual_seed(seed)
    return build_model("danq", sequence_length=60, n_targets=3, **TINY_DANQ)


def test_published_init_is_left_alone_and_torch_init_is_pytorchs_default():
    model = danq()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    apply_init(model, "published")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())

    hidden = model.lstm.hidden_size
    assert torch.all(model.lstm.bias_ih_l0[hidden:2 * hidden] == 1)  # Keras forget bias 1
    assert torch.all(model.conv.bias == 0) and model.conv.weight.abs().max() <= 0.05
    apply_init(model, "torch")
    assert not torch.all(model.lstm.bias_ih_l0[hidden:2 * hidden] == 1)
    assert model.conv.bias.abs().max() > 0  # PyTorch draws conv and linear biases
    # PyTorch's conv default: U(±1/sqrt(fan_in)), wider than Keras's U(±0.05) here
    bound = 1 / (4 * TINY_DANQ["conv_width"]) ** 0.5
    assert 0.05 < model.conv.weight.abs().max() <= bound
    assert model.lstm.weight_hh_l0.abs().max() <= 1 / hidden**0.5
    with pytest.raises(DanqError, match="--init keras"):
        apply_init(model, "keras")


def test_torch_init_keeps_danq_jaspar_motif_kernels():
    args = dict(conv_channels=8, lstm_hidden=4, dense_hidden=8, n_jaspar_kernels=5, seed=3)
    model = build_model("danq-jaspar", sequence_length=60, n_targets=2, **args)
    kernels, biases = model.conv.weight[:5].clone(), model.conv.bias[:5].clone()
    apply_init(model, "torch")
    assert torch.equal(model.conv.bias[:5], biases)  # the seeded U(-1, 0) motif biases
    # each motif's columns are written again at the same (seeded) offset; the rest is redrawn
    same_columns = (model.conv.weight[:5] == kernels).all(dim=1).sum(dim=1)
    assert torch.all(same_columns >= 5) and torch.all(same_columns < kernels.shape[2])
    assert model.jaspar_motif_ids[:5] == build_model(
        "danq-jaspar", sequence_length=60, n_targets=2, **args).jaspar_motif_ids[:5]


def test_training_with_torch_init_starts_elsewhere_and_records_it(data, tmp_path):
    runs = {init: train(config(data, tmp_path / init, epochs=1, init=init))
            for init in ("published", "torch")}
    a = read_checkpoint(runs["published"].last_checkpoint)["state_dict"]
    b = read_checkpoint(runs["torch"].last_checkpoint)["state_dict"]
    assert not torch.equal(a["conv.weight"], b["conv.weight"])
    settings = json.loads((tmp_path / "torch" / "settings.json").read_text())
    assert settings["hyperparameters"]["init"] == "torch"
    assert settings["origins"]["init"] == "given"


def test_cli_passes_init_and_monitor(data, tmp_path):
    from click.testing import CliRunner

    from danq.cli import cli

    out = tmp_path / "cli"
    args = ["train", "--arch", "danq", "--train", str(data[0]), "--valid", str(data[1]),
            "-o", str(out), "--epochs", "1", "--batch-size", "32", "--threads", "1",
            "--init", "torch", "--monitor", "pr_auc"]
    args += [f"--model-arg={k}={v}" for k, v in TINY_DANQ.items()]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    hyper = json.loads((out / "settings.json").read_text())["hyperparameters"]
    assert (hyper["init"], hyper["monitor"]) == ("torch", "pr_auc")
    assert read_checkpoint(out / "best.pt")["header"]["training"]["monitor"] == "pr_auc"
