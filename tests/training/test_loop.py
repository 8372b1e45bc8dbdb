"""`danq train`: learning, exact resume, determinism, bad input, DDP (gloo) and the CLI."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from danq.cli import cli
from danq.errors import DanqError
from danq.formats.dataset_writer import DatasetWriter
from danq.models.checkpoint import load_model, read_checkpoint
from danq.training import METRIC_COLUMNS, TrainConfig, mean_aucs, parse_model_args, resolve, train
from danq.training.optimizers import (
    OutputL1Penalty,
    apply_max_norm,
    build_optimizer,
    learning_rate_at,
    training_loss,
)

LENGTH = 60
TINY_DANQ = dict(conv_channels=16, conv_width=7, pool_size=5, lstm_hidden=8, dense_hidden=16)
TINY_DEEPSEA = dict(conv_channels=[8, 8, 8], conv_width=5, pool_size=2, dense_hidden=16)


def make_dataset(path, n=256, seed=0, length=LENGTH, n_targets=3, labelled=True, names=None,
                 chunk_rows=32):
    """Random DNA where target t is 1 iff a run of 8 copies of base t sits in window t.

    A signal a tiny convolution picks up in a few epochs; every row is unique (random bases).
    """
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, (n, length), dtype=np.uint8)
    labels = np.zeros((n, n_targets), np.uint8)
    window = length // n_targets
    for i in range(n):
        for t in range(n_targets):
            if rng.random() < 0.5:
                start = t * window + int(rng.integers(0, window - 8 + 1))
                tokens[i, start : start + 8] = t % 4
                labels[i, t] = 1
    target_names = names or [f"t{j}" for j in range(n_targets)]
    with DatasetWriter(path, length, target_names, has_labels=labelled,
                       chunk_rows=chunk_rows) as writer:
        writer.append(tokens, labels if labelled else None, [f"s{i}" for i in range(n)])
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return make_dataset(root / "train.h5"), make_dataset(root / "valid.h5", n=128, seed=1)


def config(data, out, **overrides):
    settings = dict(
        model="danq", train=data[0], valid=data[1], output_dir=out, batch_size=32, epochs=2,
        threads=1, progress=False, model_args=dict(TINY_DANQ),
    )
    settings.update(overrides)
    return TrainConfig(**settings)


def weights(path):
    return read_checkpoint(path)["state_dict"]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def read_metrics(path, drop_timing=True):
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    if drop_timing:
        for row in rows:
            del row["seconds"], row["samples_per_s"]
    return rows


class Killed(Exception):
    """Stands in for a crash or SIGKILL part-way through an epoch."""


def kill_at(step_to_die):
    def hook(step, rank, x, y):
        if step == step_to_die:
            raise Killed
    return hook


# --------------------------------------------------------------------------- learning


def test_small_model_overfits_and_writes_outputs(data, tmp_path):
    out = tmp_path / "run"
    args = dict(TINY_DANQ, conv_dropout=0.0, lstm_dropout=0.0)
    result = train(config(data, out, epochs=12, lr=0.01, patience=0, model_args=args))
    first, last = result.history[0]["train_loss"], result.history[-1]["train_loss"]
    assert last < first / 3, (first, last)
    assert result.history[-1]["valid_roc_auc"] > 0.9
    assert result.epochs_run == 12 and result.steps == 12 * 8 and not result.stopped_early

    rows = read_metrics(out / "metrics.csv", drop_timing=False)
    assert list(rows[0]) == list(METRIC_COLUMNS) and len(rows) == 12
    assert [int(r["step"]) for r in rows] == [8 * (i + 1) for i in range(12)]
    best_row = min(rows, key=lambda r: float(r["valid_loss"]))
    assert int(best_row["epoch"]) == result.best_epoch

    model = load_model(out / "best.pt")
    assert model.info.n_targets == 3 and model.info.target_names == ("t0", "t1", "t2")
    header = read_checkpoint(out / "best.pt")["header"]
    assert header["arch"] == "danq" and header["sequence_length"] == LENGTH
    assert header["target_names"] == ["t0", "t1", "t2"] and header["alphabet"] == "ACGT"
    assert header["model_args"]["lstm_hidden"] == 8 and header["model_args"]["n_targets"] == 3
    assert header["training"]["optimizer"] == "rmsprop" and header["training"]["lr"] == 0.01
    assert header["metrics"]["epoch"] == result.best_epoch
    state = read_checkpoint(out / "last.pt")["training_state"]
    assert state["run"]["epoch"] == 12 and state["run"]["step"] == 96
    assert (out / "train.log").read_text().count("epoch ") >= 12
    settings = json.loads((out / "settings.json").read_text())
    assert settings["model"] == "danq" and settings["model_args"]["lstm_hidden"] == 8
    assert settings["hyperparameters"]["optimizer"] == "rmsprop"
    assert settings["origins"]["lr"] == "given" and settings["origins"]["rho"] == "recipe"
    for key, value in settings["hyperparameters"].items():
        assert header["training"][key] == value, key


def test_danq_jaspar_motif_ids_survive_resume(data, tmp_path):
    out = tmp_path / "jaspar"
    args = dict(conv_channels=8, lstm_hidden=4, dense_hidden=8, n_jaspar_kernels=5)
    train(config(data, out, model="danq-jaspar", epochs=1, model_args=args))
    ids = read_checkpoint(out / "last.pt")["header"]["extra_state"]["jaspar_motif_ids"]
    assert len(ids) == 8 and all(ids[:5]) and ids[5:] == [""] * 3
    train(config(data, out, model="danq-jaspar", epochs=2, model_args=args, resume=True))
    header = read_checkpoint(out / "last.pt")["header"]
    assert header["training"]["epochs_run"] == 2
    assert header["extra_state"]["jaspar_motif_ids"] == ids
    assert load_model(out / "best.pt").jaspar_motif_ids == ids
    assert header["training"]["patience"] == 0  # the DanQ-JASPAR recipe: no early stopping


def test_early_stopping_counts_epochs_without_improvement(data, tmp_path):
    # lr so small that the validation loss barely moves: a tiny patience must end the run early
    result = train(config(data, tmp_path / "run", epochs=8, patience=1, lr=1e-9))
    losses = [row["valid_loss"] for row in result.history]
    assert result.stopped_early and result.epochs_run < 8
    assert losses[-1] >= min(losses[:-1])  # the last epoch did not improve


# --------------------------------------------------------------------------- resume, determinism


def test_resume_after_kill_matches_uninterrupted_run(data, tmp_path):
    full = train(config(data, tmp_path / "full", epochs=3))

    out = tmp_path / "killed"
    with pytest.raises(Killed):  # dies in epoch 2 (8 steps per epoch)
        train(config(data, out, epochs=3, on_batch=kill_at(12)))
    assert len(read_metrics(out / "metrics.csv")) == 1
    resumed = train(config(data, out, epochs=3, resume=True))

    assert resumed.steps == full.steps == 24
    assert_same_weights(weights(out / "last.pt"), weights(tmp_path / "full" / "last.pt"))
    assert_same_weights(weights(out / "best.pt"), weights(tmp_path / "full" / "best.pt"))
    assert read_metrics(out / "metrics.csv") == read_metrics(tmp_path / "full" / "metrics.csv")


def test_resume_with_validate_every_across_data_epochs(data, tmp_path):
    # 5-step epochs over 8-batch data passes: the saved position falls inside a data pass
    full = train(config(data, tmp_path / "full", epochs=4, validate_every=5))
    out = tmp_path / "short"
    train(config(data, out, epochs=2, validate_every=5))
    with pytest.raises(DanqError, match="validate_every"):
        train(config(data, out, epochs=4, validate_every=4, resume=True))
    resumed = train(config(data, out, epochs=4, resume=True))
    assert resumed.steps == full.steps == 20
    assert_same_weights(weights(out / "last.pt"), weights(tmp_path / "full" / "last.pt"))
    assert read_metrics(out / "metrics.csv") == read_metrics(tmp_path / "full" / "metrics.csv")


def test_same_seed_gives_identical_weights(data, tmp_path):
    runs = [train(config(data, tmp_path / name, epochs=1, seed=seed)).last_checkpoint
            for name, seed in (("a", 7), ("b", 7), ("c", 8))]
    assert_same_weights(weights(runs[0]), weights(runs[1]))
    assert not torch.equal(weights(runs[0])["fc2.weight"], weights(runs[2])["fc2.weight"])


# --------------------------------------------------------------------------- bad input


def test_nan_loss_stops_and_keeps_last_good_checkpoint(data, tmp_path):
    out = tmp_path / "run"

    def poison(step, rank, x, y):
        if step >= 10:  # epoch 2
            x.fill_(float("nan"))

    with pytest.raises(DanqError, match=r"nan.*last good checkpoint"):
        train(config(data, out, epochs=3, on_batch=poison))
    payload = read_checkpoint(out / "last.pt")
    assert payload["training_state"]["run"]["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in payload["state_dict"].values())
    assert len(read_metrics(out / "metrics.csv")) == 1


def test_huge_learning_rate_is_reported_not_saved(data, tmp_path):
    with pytest.raises(DanqError, match="became"):
        train(config(data, tmp_path / "run", epochs=2, optimizer="sgd", lr=1e30, momentum=0.0))
    assert not (tmp_path / "run" / "last.pt").exists()


@pytest.mark.parametrize(
    "make_valid, overrides, message",
    [
        (dict(length=50), {}, "valid.h5: sequences are 50 bp"),
        (dict(n_targets=2), {}, "valid.h5: target names differ"),
        (dict(names=["t0", "t1", "other"]), {}, "first difference at target 2"),
        (dict(labelled=False), {}, "valid.h5: dataset has no labels"),
        ({}, dict(model_args=dict(TINY_DANQ, sequence_length=100)), "train.h5: the data has"),
        ({}, dict(model_args=dict(TINY_DANQ, n_targets=5)), "n_targets 3"),
        ({}, dict(precision="fp16", device="cpu"), "fp16"),
        ({}, dict(num_workers=3), "num-workers"),
    ],
)
def test_bad_input_is_a_one_line_error(data, tmp_path, make_valid, overrides, message):
    valid = make_dataset(tmp_path / "valid.h5", n=64, **make_valid) if make_valid else data[1]
    cfg = config((data[0], valid), tmp_path / "run", **overrides)
    with pytest.raises(DanqError, match=message) as error:
        train(cfg)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run" / "last.pt").exists()


def test_unlabelled_or_missing_training_file(data, tmp_path):
    unlabelled = make_dataset(tmp_path / "train.h5", n=64, labelled=False)
    with pytest.raises(DanqError, match="train.h5: dataset has no labels"):
        train(config((unlabelled, data[1]), tmp_path / "run"))
    with pytest.raises(DanqError, match="missing.h5"):
        train(config((tmp_path / "missing.h5", data[1]), tmp_path / "run"))


def test_existing_run_needs_resume_or_overwrite(data, tmp_path):
    out = tmp_path / "run"
    train(config(data, out, epochs=1))
    with pytest.raises(DanqError, match="--resume"):
        train(config(data, out, epochs=1))
    with pytest.raises(DanqError, match="batch_size"):
        train(config(data, out, epochs=2, batch_size=16, resume=True))
    assert train(config(data, out, epochs=1, overwrite=True)).epochs_run == 1


# --------------------------------------------------------------------------- building blocks


def test_deepsea_defaults_follow_torch7_and_max_norm_holds(data, tmp_path):
    hp = resolve(TrainConfig("deepsea", "t", "v", "o"))
    assert hp.batch_size == 16 and hp.max_norm == 0.9
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(2))], hp)
    group = optimizer.param_groups[0]
    assert isinstance(optimizer, torch.optim.SGD)
    assert group["momentum"] == 0.9 and group["dampening"] == 0.9
    assert group["weight_decay"] == 1e-6
    assert learning_rate_at(0, hp) == 1.0
    assert learning_rate_at(10**6, hp) == pytest.approx(1 / 1.8)

    # Torch7's closure renormalised before the forward pass: every training-mode forward of a
    # conv/linear layer sees weights whose output units have norm <= 0.9, although the N(0, 1)
    # init below starts far above that bound
    norms_seen = []

    def record(module, inputs):
        if module.training and isinstance(module, (torch.nn.Conv1d, torch.nn.Linear)):
            norms_seen.append(float(module.weight.detach().flatten(1).norm(dim=1).max()))

    handle = torch.nn.modules.module.register_module_forward_pre_hook(record)
    try:
        out = tmp_path / "deepsea"
        result = train(config(data, out, model="deepsea", epochs=1, lr=0.1, validate_every=6,
                              batch_size=None, model_args=dict(TINY_DEEPSEA, init_std=1.0)))
    finally:
        handle.remove()
    assert result.steps == 6
    assert len(norms_seen) == 6 * 5 and max(norms_seen) <= 0.9 + 1e-5
    state = weights(out / "last.pt")
    # the last update came after the last renorm, so the saved weights may exceed the bound
    assert max(float(state[n].flatten(1).norm(dim=1).max()) for n in state if "weight" in n) > 0.9


def test_apply_max_norm_renormalises_each_output_unit():
    layer = torch.nn.Linear(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[3.0, 4.0, 0.0], [0.1, 0.2, 0.2]]))
    apply_max_norm(layer, 0.9)
    assert layer.weight[0].norm().item() == pytest.approx(0.9, rel=1e-5)
    assert torch.allclose(layer.weight[1], torch.tensor([0.1, 0.2, 0.2]))  # under the limit


def test_l1_penalty_reaches_every_layer_as_torch7s_and_auc_helpers():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    x, targets = torch.randn(5, 3), torch.tensor([[1.0, 0.0]] * 5)
    l1 = OutputL1Penalty(model, 0.5)
    logits = model(x)
    penalty = l1.penalty()
    assert penalty.item() == pytest.approx(0.5 * logits.abs().sum().item(), rel=1e-6)
    loss, bce = training_loss(logits, targets, penalty)
    assert loss.item() == pytest.approx(bce.item() + penalty.item(), rel=1e-6)
    penalty_grads = torch.autograd.grad(penalty, list(model.parameters()))
    hidden = torch.relu(model[0](x)).detach()
    sign = torch.sign(logits.detach())
    torch.testing.assert_close(penalty_grads[2], 0.5 * sign.T @ hidden)  # d/dW = l1 sign(z) h
    torch.testing.assert_close(penalty_grads[3], 0.5 * sign.sum(0))
    # Torch7's nn.L1Penalty adds l1 sign(z) to gradInput: the layer below gets it by the chain rule
    grad_hidden = (0.5 * sign @ model[2].weight.detach()) * (model[0](x) > 0).float()
    torch.testing.assert_close(penalty_grads[0], grad_hidden.T @ x)
    torch.testing.assert_close(penalty_grads[1], grad_hidden.sum(0))

    labels = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]])
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.5], [0.8, 0.2, 0.5], [0.1, 0.4, 0.5]])
    roc, pr, n_scored = mean_aucs(labels, scores)  # only target 0 has both classes
    assert (roc, pr, n_scored) == (1.0, 1.0, 1)


def test_parse_model_args():
    parsed = parse_model_args(["lstm_hidden=32", "dropout=0.1,0.2,0.5", "jaspar_init=false",
                               "jaspar_release=JASPAR2016"])
    assert parsed == {"lstm_hidden": 32, "dropout": [0.1, 0.2, 0.5], "jaspar_init": False,
                      "jaspar_release": "JASPAR2016"}
    with pytest.raises(DanqError, match="KEY=VALUE"):
        parse_model_args(["lstm_hidden"])


# --------------------------------------------------------------------------- distributed


class RecordSamples:
    """Picklable on_batch hook: each rank appends a hash of every sample it trains on."""

    def __init__(self, folder):
        self.folder = str(folder)

    def __call__(self, step, rank, x, y):
        with open(os.path.join(self.folder, f"rank{rank}.txt"), "a") as handle:
            for row in x.numpy():
                handle.write(f"{step} {hashlib.sha1(row.tobytes()).hexdigest()}\n")


def _ddp_worker(rank, world_size, port, cfg):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world_size),
                      RANK=str(rank), LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world_size))
    train(cfg)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ddp_gloo_two_processes_split_the_data(data, tmp_path):
    out = tmp_path / "ddp"
    cfg = config(data, out, epochs=2, device="cpu", on_batch=RecordSamples(tmp_path))
    torch.multiprocessing.spawn(_ddp_worker, args=(2, _free_port(), cfg), nprocs=2, join=True)

    for epoch in range(2):  # 8 chunks of 32 shared out: 4 steps of 32 per rank and epoch
        seen = []
        for rank in range(2):
            lines = (tmp_path / f"rank{rank}.txt").read_text().splitlines()
            seen.append({h for s, h in map(str.split, lines) if int(s) // 4 == epoch})
        assert len(seen[0]) == len(seen[1]) == 128
        assert not seen[0] & seen[1]  # disjoint shares
        assert len(seen[0] | seen[1]) == 256  # together: the whole training set
    payload = read_checkpoint(out / "last.pt")
    assert payload["training_state"]["world_size"] == 2
    assert payload["header"]["training"]["world_size"] == 2
    assert len(read_metrics(out / "metrics.csv")) == 2
    log = (out / "train.log").read_text()
    assert log.count("epoch 2/2") == 1  # one process logs and writes


# --------------------------------------------------------------------------- CLI


def test_cli_help_lists_options():
    result = CliRunner().invoke(cli, ["train", "--help"])
    assert result.exit_code == 0
    for option in ("--model", "--resume", "--validate-every", "--model-arg", "--precision",
                   "--threads", "--num-workers"):
        assert option in result.output


def test_cli_trains_end_to_end(data, tmp_path):
    out = tmp_path / "cli"
    args = ["train", "--arch", "danq", "--train", str(data[0]), "--valid", str(data[1]),
            "-o", str(out), "--epochs", "1", "--batch-size", "64", "--threads", "1"]
    for pair in ("conv_channels=8", "conv_width=7", "pool_size=5", "lstm_hidden=4",
                 "dense_hidden=8"):
        args += ["--model-arg", pair]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "best epoch 1 of 1" in result.output
    assert load_model(out / "best.pt").info.model_args["conv_channels"] == 8
    assert len(read_metrics(out / "metrics.csv")) == 1


def test_cli_bad_input_exits_1_with_one_line(tmp_path):
    missing = tmp_path / "nope.h5"
    proc = subprocess.run(
        [sys.executable, "-m", "danq", "train", "--arch", "danq", "--train", str(missing),
         "--valid", str(missing), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error:") and "nope.h5" in lines[0]
    assert Path(tmp_path / "out").exists() is False
