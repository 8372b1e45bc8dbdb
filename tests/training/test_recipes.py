"""danq.training settings: recipes, the optimiser registry, Keras RMSprop, early stopping."""

from __future__ import annotations

import dataclasses
import math
import random
import subprocess
import sys

import pytest
import torch

from danq.errors import DanqError
from danq.training import RECIPES, Hyperparameters, RunState, TrainConfig, resolve
from danq.training.keras_rmsprop import KerasRMSprop
from danq.training.optimizers import OPTIMIZERS, build_optimizer
from danq.training.recipes import keras_patience, resolve_with_origins
from danq.training.state import patience_exhausted


def config(model: str, **given) -> TrainConfig:
    return TrainConfig(model, "train.h5", "valid.h5", "out", **given)


# --------------------------------------------------------------------------- Keras RMSprop


def test_keras_rmsprop_step_matches_hand_computation() -> None:
    # constant gradient g = (0.5, -1e-4); lr 0.01, rho 0.9, eps 1e-6; a starts at 0
    #   step 1: a = 0.1 g^2 = (0.025, 1e-9)
    #           p0 = 1 - 0.01 * 0.5 / sqrt(0.025001) = 0.96837785...
    #           p1 = -2 + 0.01 * 1e-4 / sqrt(1.001e-6) = -1.99900049...
    #   step 2: a = 0.9 a + 0.1 g^2 = (0.0475, 1.9e-9)
    #           p0 = 0.96837785 - 0.005 / sqrt(0.047501) = 0.94543652...
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    optimizer = KerasRMSprop([p], lr=0.01, rho=0.9, eps=1e-6)
    expected = [(0.9683778558348752, -1.9990004996253121), (0.9454365239342523, -1.998001448273702)]
    for want in expected:
        p.grad = torch.tensor([0.5, -1e-4], dtype=torch.float64)
        optimizer.step()
        assert p.detach().tolist() == pytest.approx(list(want), rel=1e-12)
    assert optimizer.state[p]["square_avg"].tolist() == pytest.approx([0.0475, 1.9e-9], rel=1e-12)


def test_keras_rmsprop_parameters_of_different_sizes_share_no_results() -> None:
    # the update reuses one scratch buffer for sqrt(a + eps): a large then a small parameter (and
    # back) must each get their own update, a = (1 - rho) g^2, p -= lr g / sqrt(a + eps)
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(5, 3, dtype=torch.float64)),
              torch.nn.Parameter(torch.randn(4, dtype=torch.float64))]
    grads = [torch.randn_like(p) for p in params]
    start = [p.detach().clone() for p in params]
    optimizer = KerasRMSprop(params, lr=0.01, rho=0.9, eps=1e-6)
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    optimizer.step()
    for p, g, p0 in zip(params, grads, start, strict=True):
        want = p0 - 0.01 * g / torch.sqrt(0.1 * g * g + 1e-6)
        torch.testing.assert_close(p.detach(), want, rtol=1e-12, atol=0)
    assert set(optimizer.state_dict()["state"][0]) == {"square_avg"}  # the scratch is not saved


def test_keras_rmsprop_differs_from_torch_where_gradients_are_tiny() -> None:
    # eps inside the root bounds the step by lr * g / sqrt(eps); PyTorch's sqrt(a) + eps does not
    ours = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    theirs = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    for p in (ours, theirs):
        p.grad = torch.tensor([1e-4], dtype=torch.float64)
    KerasRMSprop([ours], lr=1.0, rho=0.9, eps=1e-6).step()
    torch.optim.RMSprop([theirs], lr=1.0, alpha=0.9, eps=1e-6).step()
    assert -ours.item() == pytest.approx(1e-4 / math.sqrt(1e-9 + 1e-6), rel=1e-9)
    assert -theirs.item() == pytest.approx(1e-4 / (math.sqrt(1e-9) + 1e-6), rel=1e-9)
    assert theirs.item() / ours.item() > 30


def test_keras_rmsprop_weight_decay_adds_to_the_gradient() -> None:
    p = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
    p.grad = torch.tensor([0.0], dtype=torch.float64)
    KerasRMSprop([p], lr=0.1, rho=0.5, eps=0.0, weight_decay=0.25).step()
    # g = 0.25 * 2 = 0.5, a = 0.5 * 0.25 = 0.125, p = 2 - 0.1 * 0.5 / sqrt(0.125)
    assert p.item() == pytest.approx(2 - 0.05 / math.sqrt(0.125), rel=1e-12)


# --------------------------------------------------------------------------- recipes


def test_published_recipes() -> None:
    danq, jaspar, deepsea = RECIPES["danq"], RECIPES["danq-jaspar"], RECIPES["deepsea"]
    assert isinstance(build_optimizer([torch.nn.Parameter(torch.zeros(1))], danq), KerasRMSprop)
    assert (danq.lr, danq.rho, danq.eps, danq.batch_size, danq.epochs) == (1e-3, 0.9, 1e-6, 100, 60)
    assert danq.patience == 6 == keras_patience(5)
    assert danq.max_norm == danq.weight_decay == danq.l1_logits == danq.lr_decay == 0
    assert (jaspar.epochs, jaspar.patience, jaspar.optimizer) == (32, 0, "rmsprop")
    assert (deepsea.optimizer, deepsea.lr, deepsea.momentum, deepsea.dampening) == (
        "sgd", 1.0, 0.9, 0.9)
    assert (deepsea.max_norm, deepsea.l1_logits, deepsea.weight_decay, deepsea.lr_decay) == (
        0.9, 1e-8, 1e-6, 8e-7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        danq.lr = 1.0  # type: ignore[misc]


def test_recipes_import_without_torch() -> None:
    code = "import sys, danq.training.recipes; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


# --------------------------------------------------------------------------- resolution


def test_recipe_is_kept_when_no_optimiser_is_named() -> None:
    hp = resolve(config("deepsea", lr=0.5, epochs=3))
    assert (hp.lr, hp.epochs) == (0.5, 3)
    assert (hp.max_norm, hp.weight_decay, hp.lr_decay, hp.l1_logits) == (0.9, 1e-6, 8e-7, 1e-8)


@pytest.mark.parametrize("model", ["deepsea", "danq"])
def test_naming_an_optimiser_resets_the_recipes_regularisers(model: str) -> None:
    hp, origins = resolve_with_origins(model, {"optimizer": "adam", "lr": 0.003})
    assert hp == Hyperparameters(
        optimizer="adam", lr=0.003, eps=1e-8, batch_size=RECIPES[model].batch_size,
        epochs=RECIPES[model].epochs, patience=RECIPES[model].patience,
    )
    assert (hp.max_norm, hp.weight_decay, hp.lr_decay, hp.l1_logits, hp.momentum) == (0,) * 5
    assert origins["lr"] == "given" and origins["max_norm"] == "optimizer default"
    assert origins["batch_size"] == "recipe"
    # given explicitly, a regulariser stays
    kept = resolve(config(model, optimizer="adam", max_norm=0.5, l1_logits=1e-7))
    assert (kept.max_norm, kept.l1_logits, kept.weight_decay) == (0.5, 1e-7, 0.0)


def test_naming_sgd_resets_even_deepseas_own_optimiser_and_follows_torch7_dampening() -> None:
    hp = resolve(config("deepsea", optimizer="sgd"))
    assert (hp.lr, hp.momentum, hp.dampening, hp.max_norm, hp.weight_decay) == (1e-3, 0, 0, 0, 0)
    hp = resolve(config("danq", optimizer="sgd", momentum=0.8))
    assert (hp.momentum, hp.dampening) == (0.8, 0.8)  # Torch7: dampening defaults to momentum
    hp = resolve(config("danq", optimizer="sgd", momentum=0.8, dampening=0.0))
    assert hp.dampening == 0.0


@pytest.mark.parametrize(
    "model, given, message",
    [
        ("danq", dict(optimizer="adam", momentum=0.9), "adam optimiser does not use momentum"),
        ("deepsea", dict(rho=0.5), "sgd optimiser does not use rho"),
        ("danq", dict(optimizer="lbfgs"), "expected one of rmsprop, sgd, adam"),
        ("danq", dict(lr=0.0), "--lr must be positive"),
        ("danq", dict(max_norm=-1.0), "--max-norm must be 0 or more"),
        ("danq", dict(l1_logits=-1.0), "--l1 must be 0 or more"),
        ("danq", dict(valid_samples=0), "--valid-samples"),
        ("resnet", {}, "unknown architecture"),
    ],
)
def test_bad_settings_are_one_line_errors(model, given, message) -> None:
    with pytest.raises(DanqError, match=message):
        resolve(config(model, **given))


def test_every_registered_optimiser_builds_and_steps() -> None:
    for name in OPTIMIZERS:
        hp = resolve(config("danq", optimizer=name))
        p = torch.nn.Parameter(torch.ones(3))
        optimizer = build_optimizer([p], hp)
        p.grad = torch.ones(3)
        optimizer.step()
        assert torch.all(p < 1), name


def test_ints_from_yaml_or_cli_become_floats() -> None:
    hp = resolve(config("deepsea", lr=2, max_norm=1))
    assert isinstance(hp.lr, float) and isinstance(hp.max_norm, float)
    assert isinstance(hp.batch_size, int)


# --------------------------------------------------------------------------- early stopping


def keras_02_epochs_run(losses: list[float], patience: int) -> int:
    """Epochs Keras 0.2's fit() runs with EarlyStopping(monitor='val_loss', patience)."""
    best, wait = math.inf, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, wait = loss, 0
        else:
            if wait >= patience:
                return epoch  # stop_training is set at the end of this epoch
            wait += 1
    return len(losses)


def danq_epochs_run(losses: list[float], patience: int) -> int:
    run = RunState()
    for loss in losses:
        run.epoch += 1
        run.record_validation(loss)
        if patience_exhausted(run.bad_epochs, patience):
            break
    return run.epoch


def test_keras_patience_is_ours_plus_one() -> None:
    rng = random.Random(0)
    for _ in range(300):
        losses = [rng.choice([1.0, 0.9, 0.8, 0.7]) - 0.01 * i * rng.random() for i in range(25)]
        for patience in range(6):
            assert danq_epochs_run(losses, keras_patience(patience)) == keras_02_epochs_run(
                losses, patience)
    # the plain case: one improvement, then flat: Keras patience 5 runs 1 + 6 epochs
    assert keras_02_epochs_run([1.0] * 20, 5) == 7 == danq_epochs_run([1.0] * 20, 6)
    assert danq_epochs_run([1.0] * 20, 0) == 20  # 0 = never stop


def test_cli_offers_exactly_the_registered_optimisers() -> None:
    from danq.cli.train import command

    option = next(p for p in command.params if p.name == "optimizer")
    assert list(option.type.choices) == list(OPTIMIZERS)
