"""`--monitor`: early stopping and best.pt follow the chosen validation metric; resume stays exact."""

from __future__ import annotations

import math

import pytest

from danq.errors import DanqError
from danq.training import RunState, resolve, train
from danq.training.state import monitored_score, restore_state
from tests.training.test_loop import (
    Killed,
    assert_same_weights,
    config,
    kill_at,
    make_dataset,
    read_metrics,
    weights,
)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return make_dataset(root / "train.h5", n=128), make_dataset(root / "valid.h5", n=64, seed=1)


def test_monitored_score_is_lower_is_better_and_nan_never_wins():
    valid = {"loss": 0.5, "roc_auc": 0.8, "pr_auc": 0.3}
    assert monitored_score(valid, "loss") == 0.5
    assert monitored_score(valid, "roc_auc") == -0.8 and monitored_score(valid, "pr_auc") == -0.3
    assert monitored_score({**valid, "roc_auc": math.nan}, "roc_auc") == math.inf


def test_best_epoch_follows_the_auc_while_the_loss_rises():
    run = RunState()
    for loss, roc in ((0.50, 0.70), (0.55, 0.75), (0.60, 0.74)):
        run.epoch += 1
        run.record_validation(loss, monitored_score({"loss": loss, "roc_auc": roc}, "roc_auc"))
    assert run.best_epoch == 2 and run.best_valid_loss == 0.55 and run.bad_epochs == 1
    by_loss = RunState()
    for loss in (0.50, 0.55, 0.60):
        by_loss.epoch += 1
        by_loss.record_validation(loss)
    assert by_loss.best_epoch == 1 and by_loss.bad_epochs == 2


def test_a_state_saved_before_monitor_resumes_on_its_loss():
    class NoOptimizer:
        def load_state_dict(self, state):
            pass

    saved = {"run": {"epoch": 3, "best_valid_loss": 0.4, "best_epoch": 2, "bad_epochs": 1},
             "optimizer": {}}
    run = restore_state(saved, NoOptimizer(), None)
    assert run.best_score == 0.4
    assert not run.record_validation(0.45) and run.record_validation(0.3)


def test_monitor_is_validated_and_fixed_on_resume(data, tmp_path):
    with pytest.raises(DanqError, match="--monitor accuracy"):
        resolve(config(data, tmp_path, monitor="accuracy"))
    out = tmp_path / "run"
    train(config(data, out, epochs=1, monitor="pr_auc"))
    with pytest.raises(DanqError, match="monitor = pr_auc in the run being resumed"):
        train(config(data, out, epochs=2, monitor="loss", resume=True))


def test_roc_monitor_picks_the_best_roc_epoch_and_resumes_exactly(data, tmp_path):
    full = train(config(data, tmp_path / "full", epochs=4, monitor="roc_auc", patience=0))
    rocs = [row["valid_roc_auc"] for row in full.history]
    assert full.best_epoch == rocs.index(max(rocs)) + 1
    assert full.best_valid_loss == full.history[full.best_epoch - 1]["valid_loss"]

    out = tmp_path / "killed"
    with pytest.raises(Killed):  # 4 steps per epoch: dies in epoch 3
        train(config(data, out, epochs=4, monitor="roc_auc", on_batch=kill_at(10)))
    resumed = train(config(data, out, epochs=4, monitor="roc_auc", resume=True))
    assert resumed.best_epoch == full.best_epoch
    assert_same_weights(weights(out / "best.pt"), weights(tmp_path / "full" / "best.pt"))
    assert read_metrics(out / "metrics.csv") == read_metrics(tmp_path / "full" / "metrics.csv")
