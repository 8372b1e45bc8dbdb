"""Shared by the published-weights tests: the CLI runner, danq's predictions, and the peers' Torch models.

The published files cannot be downloaded here, so each test writes a file in the exact layout (Kipoi's
``nn.Sequential`` state dicts via ``torch.save``; Keras 0.2 ``save_weights`` groups via h5py) with random
weights and small hidden sizes, imports it with the CLI, and compares the checkpoint's predictions (through
danq's own Predictor, on A,C,G,T tokens) with a reference forward pass written from the originals:

* DeepSEA and Beluga: the peers' ``nn.Sequential`` re-typed from kipoi/models (Conv2d on ``(N, 4, 1, L)``,
  ``nn.Threshold(0, 1e-6)`` for DeepSEA), fed one-hot A,G,C,T (here);
* DanQ and DanQ-JASPAR: numpy of the original equations (``test_keras.py``).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from danq.cli import main
from danq.inference.predictor import load_predictor

TOLERANCE = 1e-5
N_SEQUENCES = 6
# A,C,G,T token (0..3; 4 = N) -> channel in the published A,G,C,T one-hot.
TOKEN_TO_AGCT = {0: 0, 1: 2, 2: 1, 3: 3}


def random_tokens(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """Random A,C,G,T tokens with a few N (token 4) sprinkled in."""
    tokens = rng.integers(0, 4, size=(n, length)).astype(np.uint8)
    tokens[rng.random((n, length)) < 0.01] = 4
    return tokens


def agct_one_hot(tokens: np.ndarray) -> np.ndarray:
    """(N, L) tokens -> (N, L, 4) one-hot in A,G,C,T order (N gives zeros), as the originals were fed."""
    out = np.zeros(tokens.shape + (4,), dtype=np.float64)
    for token, channel in TOKEN_TO_AGCT.items():
        out[..., channel][tokens == token] = 1.0
    return out


@dataclass
class CliResult:
    exit_code: int
    output: str  # stderr: where danq writes its log and error lines


def run_cli(*args: object) -> CliResult:
    """Run ``danq import-weights ARGS`` through the real entry point (its one-line error handling)."""
    stderr = io.StringIO()
    code = 0
    with contextlib.redirect_stderr(stderr):
        try:
            main(["import-weights", *map(str, args)])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return CliResult(code, stderr.getvalue())


def danq_probs(checkpoint: Path, tokens: np.ndarray) -> np.ndarray:
    """Predictions of the imported checkpoint through danq's Predictor (forward strand only)."""
    predictor = load_predictor(checkpoint, device="cpu", precision="fp32", rc_average=False)
    return np.asarray(predictor.from_tokens(tokens), dtype=np.float64)


def randomise(module: nn.Module, rng: np.random.Generator, scale: float) -> None:
    """Fill every parameter with N(0, scale^2 / fan_in)-like values so outputs spread over (0, 1)."""
    with torch.no_grad():
        for parameter in module.parameters():
            fan_in = int(np.prod(parameter.shape[1:])) if parameter.ndim > 1 else 1
            values = rng.normal(0.0, scale / np.sqrt(fan_in), size=tuple(parameter.shape))
            parameter.copy_(torch.from_numpy(values))


# ---------------------------------------------------------------------------------------------------
# DeepSEA (kipoi/models DeepSEA/model_architecture.py, re-typed) and Beluga (DeepSEA/beluga/model.py)


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


def kipoi_deepsea(channels=(6, 8, 10), hidden=12, targets=919) -> nn.Sequential:
    """Kipoi's ``deepsea_cpu`` nn.Sequential (same module indices, so the same state-dict keys)."""
    c1, c2, c3 = channels
    return nn.Sequential(
        nn.Conv2d(4, c1, (1, 8), (1, 1)), nn.Threshold(0, 1e-06), nn.MaxPool2d((1, 4), (1, 4)),
        nn.Dropout(0.2),
        nn.Conv2d(c1, c2, (1, 8), (1, 1)), nn.Threshold(0, 1e-06), nn.MaxPool2d((1, 4), (1, 4)),
        nn.Dropout(0.2),
        nn.Conv2d(c2, c3, (1, 8), (1, 1)), nn.Threshold(0, 1e-06), nn.Dropout(0.5),
        Flatten(),
        nn.Sequential(nn.Identity(), nn.Linear(c3 * 53, hidden)), nn.Threshold(0, 1e-06),
        nn.Sequential(nn.Identity(), nn.Linear(hidden, targets)), nn.Sigmoid(),
    ).eval()


class Beluga(nn.Module):
    """ExPecto/Kipoi's Beluga module layout (``model.0.*`` convolutions, ``model.1.*.1`` linears)."""

    def __init__(self, channels=(4, 4, 6, 6, 8, 8), hidden=10, targets=7):
        super().__init__()
        a, b, c, d, e, f = channels
        self.model = nn.Sequential(
            nn.Sequential(
                nn.Conv2d(4, a, (1, 8)), nn.ReLU(), nn.Conv2d(a, b, (1, 8)), nn.ReLU(),
                nn.Dropout(0.2), nn.MaxPool2d((1, 4), (1, 4)),
                nn.Conv2d(b, c, (1, 8)), nn.ReLU(), nn.Conv2d(c, d, (1, 8)), nn.ReLU(),
                nn.Dropout(0.2), nn.MaxPool2d((1, 4), (1, 4)),
                nn.Conv2d(d, e, (1, 8)), nn.ReLU(), nn.Conv2d(e, f, (1, 8)), nn.ReLU(),
            ),
            nn.Sequential(
                nn.Dropout(0.5), Flatten(),
                nn.Sequential(nn.Identity(), nn.Linear(f * 106, hidden)), nn.ReLU(),
                nn.Sequential(nn.Identity(), nn.Linear(hidden, targets)),
            ),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.model(x)


def reference_torch(model: nn.Module, tokens: np.ndarray) -> np.ndarray:
    """The peers' forward pass on (N, 4, 1, L) A,G,C,T one-hot."""
    x = torch.from_numpy(agct_one_hot(tokens).transpose(0, 2, 1)[:, :, None, :].astype(np.float32))
    with torch.no_grad():
        return model(x).double().numpy()


def assert_one_line_error(result, *fragments: str, out: Path | None = None) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    if out is not None:
        assert not out.exists() and not list(out.parent.glob(f".{out.name}.*"))
