"""Training curves in `danq report` (danq.report.training): the best epoch, epoch cap or early
stopping, and history files that are not a `danq train` metrics.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from danq.errors import DanqError
from danq.report.training import read_history, stop_text, training_outcome
from tests.report.test_html import build


def test_training_outcome_tells_epoch_cap_from_early_stopping(tmp_path: Path) -> None:
    summary, _ = build(tmp_path)
    capped, stopped = summary["training"]["DeepSEA"], summary["training"]["DanQ"]
    assert (capped["best_epoch"], capped["epochs_run"], capped["stopped"]) == (2, 4, "epoch cap")
    assert stopped["stopped"] == "early stopping"
    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert markdown.startswith("# DanQ vs DeepSEA: run summary")
    assert "stopped at the epoch cap (4 epochs)" in markdown


def test_outcome_without_settings_says_how_many_epochs_ran() -> None:
    frame = pd.DataFrame({"epoch": [1, 2, 3], "valid_loss": [0.5, 0.4, 0.45]})
    outcome = training_outcome(frame, {})
    assert (outcome["best_epoch"], outcome["epochs_run"], outcome["stopped"]) == (2, 3, None)
    assert stop_text(outcome) == "3 epochs run"


@pytest.mark.parametrize(("text", "message"), [
    ("step,loss\n1,0.5\n", "no 'epoch' column"),
    ("epoch,train_loss\n1,0.5\n", "missing column.*valid_loss"),
    ("epoch,train_loss,valid_loss\n1,high,0.5\n", "column train_loss holds non-numeric"),
])
def test_a_history_that_is_not_a_train_metrics_csv_is_an_error(tmp_path: Path, text: str,
                                                               message: str) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(text)
    with pytest.raises(DanqError, match=message):
        read_history(path)


def test_one_epoch_is_singular() -> None:
    assert stop_text({"stopped": "epoch cap", "epoch_cap": 1}).startswith(
        "stopped at the epoch cap (1 epoch),")
    assert stop_text({"stopped": "early stopping", "epochs_run": 3, "patience": 1}).endswith(
        "for 1 epoch)")
    assert stop_text({"epochs_run": 1}) == "1 epoch run"
