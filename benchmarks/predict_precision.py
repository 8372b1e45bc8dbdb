"""`--precision auto` against fp32 for prediction, on a workflow run's test split and models.

Prediction (`danq predict`, `danq evaluate`) keeps `auto` (bf16 where the hardware computes it
natively) only because this error is small: for each trained model of the run, the largest and
median |Δp| over the test set and the largest change of any target's ROC / PR AUC, with reverse-
complement averaging as the workflow evaluates. Usage:
``python benchmarks/predict_precision.py results`` (after ``snakemake --cores 8``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

import danq
from danq.formats.dataset import open_dataset
from danq.runtime import cpu_name, native_bf16


def probabilities(model: torch.nn.Module, x: np.ndarray, precision: str) -> tuple[str, np.ndarray]:
    predictor = danq.load_predictor(model, precision=precision, rc_average=True)
    parts = [predictor.from_one_hot(torch.from_numpy(x[i:i + 256])) for i in range(0, len(x), 256)]
    return predictor.precision, np.concatenate(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the workflow's results folder")
    parser.add_argument("--models", default="deepsea,danq")
    args = parser.parse_args()
    with open_dataset(args.run / "data" / "test.h5") as dataset:
        x, y = dataset[0:len(dataset)]
    print(f"# {cpu_name()}, native bf16: {native_bf16(torch.device('cpu'))}; "
          f"{len(y)} test sequences, RC-averaged")
    for name in args.models.split(","):
        model = danq.load_model(args.run / "models" / name / "best.pt")
        _, exact = probabilities(model, x, "fp32")
        used, fast = probabilities(model, x, "auto")
        delta = np.abs(fast - exact)
        roc = max(abs(roc_auc_score(y[:, t], fast[:, t]) - roc_auc_score(y[:, t], exact[:, t]))
                  for t in range(y.shape[1]))
        pr = max(abs(average_precision_score(y[:, t], fast[:, t])
                     - average_precision_score(y[:, t], exact[:, t])) for t in range(y.shape[1]))
        print(f"{name}: auto = {used}; max |dp| {delta.max():.4f}, median {np.median(delta):.5f}; "
              f"largest |d ROC AUC| of a target {roc:.4f}, |d PR AUC| {pr:.4f}")


if __name__ == "__main__":
    main()
