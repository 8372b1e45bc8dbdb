"""Benchmark attribution accuracy: do ISM, IG and saliency put a planted motif ahead of the rest?

A small DanQ (32 filters of 15 bp, BiLSTM 16 each way) is trained on ``--n-train`` random sequences
of ``--length`` bp (A/T-rich background), half of which carry one site sampled from a peaked PWM
(a CTCF-like 15 bp consensus, 0.85 per column) on either strand, labelled 1. On ``--n-eval`` test
positives, each method's per-position score (the observed base's contribution, summed over the
one-hot axis) is ranked against the truth "inside the planted site or not", pooled over the
sequences:

* ``pooled_auroc_abs``: ROC AUC of |contribution|, the score ``danq.interpret.ground_truth`` uses;
* ``pooled_auroc``: ROC AUC of the signed contribution; a planted base that differs from the
  consensus rightly gets a negative contribution, so the signed score ranks it low;
* ``pooled_auroc_consensus_base`` / ``..._non_consensus_base``: signed, with only the planted
  positions holding (or not) the consensus base as the positive class;
* ``mean_per_sequence_auroc``: signed, averaged over sequences.

Then ISM is checked against the model's predictions of 200 sampled mutated sequences (fp32, max
absolute difference of the logit change). Usage: ``python benchmarks/attribution_accuracy.py
[--n-train 6000] [--length 200] [--epochs 6] [--n-eval 100] [--seed 1]``; one thread; the CPU and
the load average are printed with the figures (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

import danq
from danq.encoders import tokens_to_one_hot
from danq.models import DanQ
from danq.runtime import cpu_name

#: The planted motif's consensus; each site is sampled from a PWM peaked at it (0.85 per column).
CONSENSUS = "CCGCGAGGGGGCGCT"
#: A/T-rich background composition (A, C, G, T).
BACKGROUND = np.array([0.295, 0.205, 0.205, 0.295])
METHODS = (("ism", {}), ("ig", {"n_steps": 50}), ("saliency", {}))



def motif_pwm() -> np.ndarray:
    """(W, 4) PWM peaked at :data:`CONSENSUS`."""
    pwm = np.full((len(CONSENSUS), 4), 0.05)
    for i, base in enumerate(CONSENSUS):
        pwm[i, "ACGT".index(base)] = 0.85
    return pwm


def make_sequences(rng: np.random.Generator, n: int, length: int,
                   pwm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens (n, L), labels (n,) and site starts (-1: none) — half carry one site."""
    width = len(pwm)
    tokens = rng.choice(4, size=(n, length), p=BACKGROUND).astype(np.uint8)
    labels = np.zeros(n, dtype=np.float32)
    starts = np.full(n, -1)
    for k in range(n):
        if rng.random() < 0.5:
            start = int(rng.integers(0, length - width + 1))
            site = np.array([rng.choice(4, p=pwm[i]) for i in range(width)], dtype=np.uint8)
            if rng.random() < 0.5:
                site = (3 - site)[::-1]
            tokens[k, start:start + width] = site
            labels[k], starts[k] = 1, start
    return tokens, labels, starts


def train(model: torch.nn.Module, rng: np.random.Generator, tokens: np.ndarray,
          labels: np.ndarray, test: tuple[np.ndarray, np.ndarray], epochs: int) -> float:
    """Adam, batch 64, BCE on the logit; prints the test ROC AUC per epoch and returns the last."""
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    start, auc = time.perf_counter(), float("nan")
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(tokens))
        for lo in range(0, len(order), 64):
            idx = order[lo:lo + 64]
            loss = loss_fn(model(torch.from_numpy(tokens_to_one_hot(tokens[idx])))[:, 0],
                           torch.from_numpy(labels[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            logit = model(torch.from_numpy(tokens_to_one_hot(test[0])))[:, 0].numpy()
        auc = float(roc_auc_score(test[1], logit))
        print(f"epoch {epoch + 1}: test ROC AUC {auc:.4f} ({time.perf_counter() - start:.0f} s)",
              flush=True)
    return auc


def consensus_mask(tokens: np.ndarray, starts: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Planted positions whose base is the consensus's (on the site's strand)."""
    code = np.array(["ACGT".index(c) for c in CONSENSUS])
    match = np.zeros_like(truth)
    for k, s in enumerate(starts):
        site = tokens[k, s:s + len(code)]
        forward, reverse = site == code, (3 - site)[::-1] == code
        match[k, s:s + len(code)] = forward if forward.sum() >= reverse.sum() else reverse[::-1]
    return match


def score_method(model: torch.nn.Module, tokens: np.ndarray, truth: np.ndarray,
                 match: np.ndarray, method: str, settings: dict) -> dict[str, float]:
    start = time.perf_counter()
    result = danq.attribute(model, tokens, method=method, **settings)
    score = result.attributions[:, 0].sum(axis=1)  # observed-base contribution (N, L)
    out = {
        "pooled_auroc_abs": roc_auc_score(truth.ravel(), np.abs(score).ravel()),
        "pooled_auroc": roc_auc_score(truth.ravel(), score.ravel()),
        "mean_per_sequence_auroc": np.mean([roc_auc_score(t, s) for t, s in zip(truth, score,
                                                                                strict=True)]),
    }
    rest = ~truth
    for name, mask in (("consensus_base", truth & match), ("non_consensus_base", truth & ~match)):
        chosen = mask | rest
        out[f"pooled_auroc_{name}"] = roc_auc_score(mask[chosen], score[chosen])
    out = {key: round(float(value), 4) for key, value in out.items()}
    out["fraction_planted_non_consensus"] = round(float((truth & ~match).sum() / truth.sum()), 3)
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def ism_check(model: torch.nn.Module, tokens: np.ndarray, rng: np.random.Generator,
              n_mutants: int = 200) -> float:
    """Max |ISM − (logit(mutant) − logit(reference))| over sampled single-base mutants."""
    result = danq.attribute(model, tokens, method="ism")
    predictor = danq.load_predictor(model, precision="fp32", rc_average=False)
    reference = predictor.from_tokens(tokens, logits=True)
    worst = 0.0
    for _ in range(n_mutants):
        n, i, b = rng.integers(len(tokens)), rng.integers(tokens.shape[1]), rng.integers(4)
        mutant = tokens[n].copy()
        mutant[i] = b
        change = predictor.from_tokens(mutant[None], logits=True)[0, 0] - reference[n, 0]
        worst = max(worst, abs(float(change - result.ism[n, 0, b, i])))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n-train", type=int, default=6000)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--n-eval", type=int, default=100, help="test positives explained")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    pwm = motif_pwm()
    train_tokens, train_labels, _ = make_sequences(rng, args.n_train, args.length, pwm)
    test_tokens, test_labels, test_starts = make_sequences(rng, 1000, args.length, pwm)
    model = DanQ(sequence_length=args.length, n_targets=1, conv_channels=32, conv_width=15,
                 pool_size=10, lstm_hidden=16, dense_hidden=32)
    start = time.perf_counter()
    auc = train(model, rng, train_tokens, train_labels, (test_tokens, test_labels), args.epochs)
    out = {"cpu": cpu_name(), "load_average": os.getloadavg()[0], "n_train": args.n_train,
           "length": args.length, "epochs": args.epochs,
           "train_s": round(time.perf_counter() - start, 1), "test_roc_auc": round(auc, 4)}
    model.eval()
    positives = np.flatnonzero(test_labels == 1)[:args.n_eval]
    tokens, starts = test_tokens[positives], test_starts[positives]
    truth = np.zeros(tokens.shape, dtype=bool)
    for k, s in enumerate(starts):
        truth[k, s:s + len(CONSENSUS)] = True
    out["n_eval"] = len(positives)
    match = consensus_mask(tokens, starts, truth)
    for method, settings in METHODS:
        out[method] = score_method(model, tokens, truth, match, method, settings)
        print(method, out[method], flush=True)
    out["ism_vs_mutant_prediction_max_abs_diff"] = ism_check(model, tokens[:20], rng)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
