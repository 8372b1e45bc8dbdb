"""`danq import-weights --check-layouts`: the label-free layout test picks the layout the weights were made for.

Synthetic DanQ weights are built reverse-complement symmetric *for one layout* (filters in reverse-
complement pairs, the second LSTM the first with the pairs swapped, the first dense layer mirrored the
way that layout lines up the two directions), written as a Keras 0.2 file, and labels are drawn from
that model's own predictions. Under the true layout predictions are strand-symmetric and the labels
fit best; the check must pick it by both criteria.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from danq.formats.dataset_writer import DatasetWriter
from danq.models import build_model
from danq.models.checkpoint import read_checkpoint
from danq.models.published.layout_check import LayoutScore, pick_layout
from tests.models.published.reference import assert_one_line_error, run_cli
from tests.models.published.test_keras import write_keras02

F, WIDTH, POOL, HIDDEN, DENSE, TARGETS, LENGTH = 6, 26, 13, 4, 8, 40, 1000
STEPS = (LENGTH - WIDTH + 1) // POOL  # 975 = 75 * 13: pooling windows mirror exactly
TORCH_GATES = ("i", "f", "c", "o")


def symmetric_danq(layout: str, rng: np.random.Generator):
    """A DanQ whose predictions are strand-symmetric under ``layout`` (backward or -unaligned)."""
    model = build_model("danq", sequence_length=LENGTH, n_targets=TARGETS, conv_channels=F,
                        conv_width=WIDTH, pool_size=POOL, lstm_hidden=HIDDEN, dense_hidden=DENSE,
                        gate_activation="hard_sigmoid", lstm_second_direction=layout)
    m = F // 2
    swap = np.r_[np.arange(m, F), np.arange(m)]  # filter k <-> its reverse complement k + m
    half = rng.normal(0, 0.6, (m, 4, WIDTH))
    conv = np.concatenate([half, half[:, ::-1, ::-1]])  # A<->T, C<->G (channel flip), width flip
    conv_b = np.tile(rng.normal(0, 0.3, m), 2)
    w_ih = rng.normal(0, 0.6, (4 * HIDDEN, F))
    w_hh = rng.normal(0, 0.6, (4 * HIDDEN, HIDDEN))
    b_ih = rng.normal(0, 0.5, 4 * HIDDEN)
    fc1 = rng.normal(0, 0.4, (DENSE, STEPS, 2, HIDDEN))
    mirror = fc1[:, ::-1, 0] if layout == "backward" else fc1[:, :, 0]
    fc1[:, :, 1] = mirror  # output step t of one strand meets step T-1-t (or t) of the other
    state = {
        "conv.weight": conv, "conv.bias": conv_b,
        "lstm.weight_ih_l0": w_ih, "lstm.weight_hh_l0": w_hh,
        "lstm.bias_ih_l0": b_ih, "lstm.bias_hh_l0": np.zeros(4 * HIDDEN),
        "lstm.weight_ih_l0_reverse": w_ih[:, swap], "lstm.weight_hh_l0_reverse": w_hh,
        "lstm.bias_ih_l0_reverse": b_ih, "lstm.bias_hh_l0_reverse": np.zeros(4 * HIDDEN),
        "fc1.weight": fc1.reshape(DENSE, -1), "fc1.bias": rng.normal(0, 0.2, DENSE),
        "fc2.weight": rng.normal(0, 1.0, (TARGETS, DENSE)), "fc2.bias": rng.normal(-0.5, 0.5, TARGETS),
    }
    model.load_state_dict({k: torch.tensor(np.ascontiguousarray(v), dtype=torch.float32)
                           for k, v in state.items()})
    return model.eval()


def keras_params(model) -> dict:
    """The inverse of the import: danq tensors -> the Keras 0.2 file's (A,G,C,T, flipped kernel)."""
    s = {k: v.double().numpy() for k, v in model.state_dict().items()}

    def lstm(suffix):
        out = {}
        for n, gate in enumerate(TORCH_GATES):
            rows = slice(n * HIDDEN, (n + 1) * HIDDEN)
            out[f"W_{gate}"] = s[f"lstm.weight_ih_l0{suffix}"][rows].T
            out[f"U_{gate}"] = s[f"lstm.weight_hh_l0{suffix}"][rows].T
            out[f"b_{gate}"] = (s[f"lstm.bias_ih_l0{suffix}"] + s[f"lstm.bias_hh_l0{suffix}"])[rows]
        return out

    return {
        "conv_W": s["conv.weight"][:, [0, 2, 1, 3], ::-1][..., None], "conv_b": s["conv.bias"],
        "forward": lstm(""), "backward": lstm("_reverse"),
        "dense1_W": s["fc1.weight"].T, "dense1_b": s["fc1.bias"],
        "dense2_W": s["fc2.weight"].T, "dense2_b": s["fc2.bias"],
    }


@pytest.mark.parametrize("truth", ["backward", "backward-unaligned"])
def test_check_picks_the_layout_the_weights_were_made_for(truth, tmp_path):
    rng = np.random.default_rng(11)
    model = symmetric_danq(truth, rng)
    tokens = rng.integers(0, 4, (100, LENGTH)).astype(np.uint8)
    with torch.no_grad():
        x = torch.from_numpy(np.eye(4, dtype=np.float32)[tokens].transpose(0, 2, 1).copy())
        p = torch.sigmoid(model(x)).numpy()
    assert p.std() > 0.1
    labels = (rng.random(p.shape) < p).astype(np.uint8)
    data = tmp_path / "valid.h5"
    with DatasetWriter(data, LENGTH, [f"t{i}" for i in range(TARGETS)]) as writer:
        writer.append(tokens, labels, [f"s{i}" for i in range(len(tokens))])
    weights = tmp_path / "DanQ_bestmodel.hdf5"
    write_keras02(weights, keras_params(model), jaspar=False)
    names = tmp_path / "names.txt"
    names.write_text("".join(f"t{i}\n" for i in range(TARGETS)))

    result = run_cli(weights, "-o", tmp_path / "danq.pt", "--names", names, "--check-layouts", data)
    assert result.exit_code == 0, result.output
    assert f"layout check: {truth} fits best" in result.output
    header = read_checkpoint(tmp_path / "danq.pt")["header"]
    check = header["provenance"]["layout_check"]
    assert check["best"] == truth and check["criteria_agree"]
    assert header["model_args"]["lstm_second_direction"] == truth
    scores = {s["layout"]: s for s in check["scores"]}
    assert set(scores) == {"forward", "backward", "backward-unaligned"}
    assert scores[truth]["rc_gap"] < 1e-5  # exactly symmetric under the true layout only
    assert min(s["rc_gap"] for name, s in scores.items() if name != truth) > 1e-3

    # --second-lstm still wins over the check
    result = run_cli(weights, "-o", tmp_path / "f.pt", "--names", names, "--check-layouts", data,
                     "--check-samples",
                     "4", "--second-lstm", "forward")
    assert result.exit_code == 0, result.output
    assert read_checkpoint(tmp_path / "f.pt")["header"]["provenance"]["second_lstm"] == "forward"

    # data of another length is a one-line error naming the data, and nothing is written
    short = tmp_path / "short.h5"
    with DatasetWriter(short, 500, [f"t{i}" for i in range(TARGETS)]) as writer:
        writer.append(tokens[:2, :500], labels[:2], ["a", "b"])
    result = run_cli(weights, "-o", tmp_path / "s.pt", "--names", names, "--check-layouts", short)
    assert_one_line_error(result, "short.h5: sequences of 500 bp, the model reads 1000 bp",
                          out=tmp_path / "s.pt")


def test_pick_layout_prefers_the_loss_and_reports_disagreement():
    nan = float("nan")
    scores = [LayoutScore("forward", 0.01, 0.20, 0.9, 10), LayoutScore("backward", 0.05, 0.30, 0.8, 10),
              LayoutScore("backward-unaligned", 0.02, 0.25, 0.85, 10)]
    assert pick_layout(scores) == ("forward", True)
    scores[0] = LayoutScore("forward", 0.10, 0.20, 0.9, 10)
    assert pick_layout(scores) == ("forward", False)  # the RC gap would say backward-unaligned
    unlabelled = [LayoutScore(s.layout, s.rc_gap, nan, nan, 10) for s in scores]
    assert pick_layout(unlabelled) == ("backward-unaligned", True)


def test_check_refuses_torch_files(deepsea_file, tmp_path):
    path, _ = deepsea_file
    data = tmp_path / "d.h5"
    with DatasetWriter(data, 1000, [f"t{i}" for i in range(TARGETS)]) as writer:
        writer.append(np.zeros((2, 1000), np.uint8), np.zeros((2, TARGETS), np.uint8), ["a", "b"])
    result = run_cli(path, "-o", tmp_path / "x.pt", "--check-layouts", data)
    assert result.exit_code == 1 and "--check-layouts applies to the DanQ Keras files" in result.output
