"""Training curves in the report: each ``danq train`` ``metrics.csv``, its best epoch and why it
stopped (early stopping or the epoch cap, from the ``settings.json`` beside it), and the figure.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.io import require_file
from danq.io.plotting import pyplot, save_figure

#: columns of a ``danq train`` metrics.csv that the training curves need
HISTORY_COLUMNS = ("epoch", "train_loss", "valid_loss")


def read_history(path: str | os.PathLike[str]) -> Any:
    """A ``danq train`` metrics.csv (one row per epoch) as a frame."""
    import pandas as pd

    p = require_file(path, "training history")
    try:
        frame = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable CSV ({exc})") from None
    if "epoch" not in frame.columns:
        raise DanqError(f"{p}: no 'epoch' column (not a danq train metrics.csv?)")
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise DanqError(f"{p}: missing column(s) {', '.join(missing)} (not a danq train "
                        f"metrics.csv, which has {', '.join(HISTORY_COLUMNS)}, ...)")
    for column in HISTORY_COLUMNS:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise DanqError(f"{p}: column {column} holds non-numeric values")
    return frame


def read_training_settings(history_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``settings.json`` beside a ``danq train`` metrics.csv: seed, epoch cap and patience
    ({} when there is none or it cannot be read)."""
    path = Path(history_path).with_name("settings.json")
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        hp = settings.get("hyperparameters") or {}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    return {k: hp.get(k) for k in ("seed", "epochs", "patience")}


def training_outcome(frame: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Best epoch (lowest validation loss), epochs run and why training stopped.

    ``stopped`` is ``"epoch cap"`` when the last epoch is the configured cap (the run might have
    improved further), ``"early stopping"`` when it ended before the cap, ``None`` when the cap
    is unknown.
    """
    epochs = frame["epoch"].dropna()
    losses = frame[["epoch", "valid_loss"]].dropna()
    best = int(losses.loc[losses["valid_loss"].idxmin(), "epoch"]) if len(losses) else None
    last = int(epochs.max()) if len(epochs) else None
    cap = settings.get("epochs")
    stopped = None
    if cap is not None and last is not None:
        stopped = "epoch cap" if last >= int(cap) else "early stopping"
    return {"best_epoch": best, "epochs_run": last, "epoch_cap": cap,
            "patience": settings.get("patience"), "seed": settings.get("seed"),
            "stopped": stopped}


def epochs_text(n: Any) -> str:
    """``"1 epoch"``, ``"4 epochs"``."""
    return f"{n} epoch{'' if n == 1 else 's'}"


def stop_text(outcome: Mapping[str, Any]) -> str:
    """Why the run stopped, as a phrase: the epoch cap, early stopping or just the epochs run."""
    if outcome.get("stopped") == "epoch cap":
        return (f"stopped at the epoch cap ({epochs_text(outcome['epoch_cap'])}), not by early "
                "stopping: more epochs might still help")
    if outcome.get("stopped") == "early stopping":
        return (f"early stopping after epoch {outcome['epochs_run']} (no better validation loss "
                f"for {epochs_text(outcome['patience'])})")
    return f"{epochs_text(outcome.get('epochs_run'))} run"


def plot_training_curves(path: str | os.PathLike[str], histories: Mapping[str, Any],
                         outcomes: Mapping[str, Mapping[str, Any]] | None = None,
                         n_targets: Mapping[str, int] | None = None) -> None:
    """Per model (one column each): the ``*loss`` columns (top) and ``*auc`` columns (bottom) by
    epoch, the best epoch (lowest validation loss) marked and why the run stopped in the title.

    ``n_targets``: per model, the number of targets the validation AUC is the mean over.
    """
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    outcomes = outcomes or {}
    n_targets = n_targets or {}

    n = max(1, len(histories))
    fig, axes = plt.subplots(2, n, figsize=(5.8 * n, 7.6), squeeze=False, layout="constrained")
    try:
        for col, (label, frame) in enumerate(histories.items()):
            outcome = outcomes.get(label, {})
            count = n_targets.get(label)
            auc_label = ("validation AUC (mean over "
                         + (f"{count} targets)" if count else "targets)"))
            for row, (suffix, ylabel) in enumerate((("loss", "loss"), ("auc", auc_label))):
                ax = axes[row, col]
                columns = [c for c in frame.columns if str(c).lower().endswith(suffix)]
                for column in columns:
                    values = frame[["epoch", column]].dropna()
                    ax.plot(values["epoch"], values[column], marker="o", markersize=4,
                            label=column.replace("_", " "))
                best = outcome.get("best_epoch")
                if best is not None:
                    ax.axvline(best, color="grey", ls=":", lw=1.2,
                               label=f"best epoch ({best}, lowest valid loss)")
                if row == 0:
                    ax.set_title(label + "\n" + textwrap.fill(stop_text(outcome), 62),
                                 fontsize=9)
                ax.set_xlabel("epoch")
                epochs = frame["epoch"].dropna()
                if len(epochs):
                    ax.set_xlim(float(epochs.min()) - 0.5, float(epochs.max()) + 0.5)
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
                ax.set_ylabel(ylabel)
                if columns:
                    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.18),
                              ncol=2, frameon=False)
                else:
                    ax.text(0.5, 0.5, f"no *{suffix} columns", ha="center", transform=ax.transAxes)
        if not histories:
            for ax in axes[:, 0]:
                ax.axis("off")
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, Path(path).with_suffix(""), ("png",), dpi=100, tight=True)
