"""Published (Keras) vs PyTorch-default initialisation of DanQ on a planted-10-mer task (issue 22).

Random 200-bp DNA; half the sequences carry one fixed 10-mer at a random position and are labelled 1
(one target). A published-size DanQ (320 width-26 filters, 320 LSTM units each way, 925 dense units)
is trained with its published recipe (Keras RMSprop, batch 100) for ``--epochs`` epochs, once per
``--init`` and seed, and the validation ROC AUC after every epoch is printed.

    OMP_NUM_THREADS=1 python benchmarks/init_comparison.py --n-train 3000 --epochs 4 --seeds 1
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from danq.formats.dataset_writer import DatasetWriter
from danq.runtime import cpu_name
from danq.training import TrainConfig, train

MOTIF = np.array([0, 2, 3, 1, 0, 1, 2, 3, 2, 0], dtype=np.uint8)  # AGTCACGTGA


def planted_set(path: Path, n: int, length: int, seed: int) -> Path:
    """``n`` random sequences, half with the 10-mer planted (label 1), half without (label 0)."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, (n, length), dtype=np.uint8)
    labels = (np.arange(n) % 2).astype(np.uint8)[:, None]
    rng.shuffle(labels)
    for i in np.flatnonzero(labels[:, 0]):
        start = int(rng.integers(0, length - len(MOTIF) + 1))
        tokens[i, start:start + len(MOTIF)] = MOTIF
    with DatasetWriter(path, length, ["planted"], has_labels=True) as writer:
        writer.append(tokens, labels, [f"s{i}" for i in range(n)])
    return path



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-valid", type=int, default=1000)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per init")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--model-arg", action="append", default=[],
                        help="KEY=INT to shrink the model (default: published size)")
    args = parser.parse_args()
    model_args = {k: int(v) for k, v in (a.split("=", 1) for a in args.model_arg)}
    print(f"CPU: {cpu_name()}; {args.threads} thread(s); DanQ {model_args or 'published size'}, "
          f"{args.length} bp, {args.n_train} train / {args.n_valid} valid, {args.epochs} epochs")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        train_h5 = planted_set(root / "train.h5", args.n_train, args.length, seed=0)
        valid_h5 = planted_set(root / "valid.h5", args.n_valid, args.length, seed=1)
        print("init\tseed\t" + "\t".join(f"roc_e{e + 1}" for e in range(args.epochs))
              + "\tbest_loss_epoch\tseconds")
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for init in ("published", "torch"):
                out = root / f"{init}{seed}"
                started = time.perf_counter()
                train(TrainConfig(
                    model="danq", train=train_h5, valid=valid_h5, output_dir=out,
                    epochs=args.epochs, patience=0, init=init, seed=seed, threads=args.threads,
                    progress=False, model_args=dict(model_args),
                ))
                with open(out / "metrics.csv") as handle:
                    rows = list(csv.DictReader(handle))
                rocs = [float(row["valid_roc_auc"]) for row in rows]
                best = min(range(len(rows)), key=lambda i: float(rows[i]["valid_loss"])) + 1
                print(f"{init}\t{seed}\t" + "\t".join(f"{r:.3f}" for r in rocs)
                      + f"\t{best}\t{time.perf_counter() - started:.0f}", flush=True)


if __name__ == "__main__":
    main()
