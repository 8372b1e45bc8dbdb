"""DanQ / DanQ-JASPAR: Keras 0.2 save_weights files against a numpy reference of the original equations.

The reference is numpy of the original equations: Theano ``conv2d`` (kernel flipped), Keras 0.2 LSTM with
hard-sigmoid gates, the bidirectional concatenation ``[forward, backward]``, step-major flatten.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from torch import nn

from danq.inference.predictor import load_predictor
from danq.models.checkpoint import load_model, read_checkpoint
from tests.models.published.reference import (
    N_SEQUENCES,
    TOLERANCE,
    agct_one_hot,
    assert_one_line_error,
    danq_probs,
    random_tokens,
    run_cli,
)

KERAS_GATES = ("i", "c", "f", "o")  # the order of Keras 0.2's LSTM.params triples


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def keras_lstm(x, p, gate=hard_sigmoid):
    """Keras 0.2 LSTM over x (B, T, C), return_sequences=True; p maps 'W_i', 'U_i', 'b_i', ... to arrays."""
    batch, steps, _ = x.shape
    hidden = p["U_i"].shape[0]
    h = np.zeros((batch, hidden))
    c = np.zeros((batch, hidden))
    out = np.zeros((batch, steps, hidden))
    for t in range(steps):
        xt = x[:, t]
        i = gate(xt @ p["W_i"] + p["b_i"] + h @ p["U_i"])
        f = gate(xt @ p["W_f"] + p["b_f"] + h @ p["U_f"])
        c = f * c + i * np.tanh(xt @ p["W_c"] + p["b_c"] + h @ p["U_c"])
        o = gate(xt @ p["W_o"] + p["b_o"] + h @ p["U_o"])
        h = o * np.tanh(c)
        out[:, t] = h
    return out


def theano_conv1d(x, w, b, flip=True):
    """Keras 0.2 Convolution1D, valid: Theano conv2d is a true convolution (kernel reversed)."""
    filters, _, width, _ = w.shape
    kernel = w[:, :, ::-1, 0] if flip else w[:, :, :, 0]  # (F, C, K)
    steps = x.shape[1] - width + 1
    out = np.zeros((x.shape[0], steps, filters))
    for k in range(width):
        out += x[:, k:k + steps, :] @ kernel[:, :, k].T
    return out + b


def keras_danq_reference(
    x, params, pool, *, flip=True, gate=hard_sigmoid, reverse_axis=0, backward_second=True,
    realign=True,
):
    """The DanQ forward pass on (B, L, 4) A,G,C,T input; ``params`` as written to the HDF5 file.

    seya's Bidirectional reverses axis 0 of the second LSTM's (batch, steps, features) input and
    output (``X[::-1]``, ``reverse_axis=0``); ``reverse_axis=1`` reverses the steps instead;
    ``realign=False`` leaves the second LSTM's output unreversed.
    """
    h = np.maximum(theano_conv1d(x, params["conv_W"], params["conv_b"], flip), 0.0)
    steps = h.shape[1] // pool
    h = h[:, : steps * pool].reshape(h.shape[0], steps, pool, -1).max(axis=2)
    forward = keras_lstm(h, params["forward"], gate)
    backward = keras_lstm(np.flip(h, reverse_axis), params["backward"], gate)
    backward = np.flip(backward, reverse_axis) if realign else backward
    pair = [forward, backward] if backward_second else [backward, forward]
    h = np.concatenate(pair, axis=2).reshape(h.shape[0], -1)  # Flatten: step-major
    h = np.maximum(h @ params["dense1_W"] + params["dense1_b"], 0.0)
    return sigmoid(h @ params["dense2_W"] + params["dense2_b"])


def random_danq_params(rng, filters, width, hidden, dense, targets, steps):
    def lstm():
        p = {}
        for g in KERAS_GATES:
            p[f"W_{g}"] = rng.normal(0, 0.4, (filters, hidden))
            p[f"U_{g}"] = rng.normal(0, 0.4, (hidden, hidden))
            p[f"b_{g}"] = rng.normal(0, 0.5, hidden)
        return p

    return {
        "conv_W": rng.normal(0, 0.5, (filters, 4, width, 1)),
        "conv_b": rng.normal(0, 0.5, filters),
        "forward": lstm(), "backward": lstm(),
        "dense1_W": rng.normal(0, 1.0 / np.sqrt(steps * 2 * hidden), (steps * 2 * hidden, dense)),
        "dense1_b": rng.normal(0, 0.2, dense),
        "dense2_W": rng.normal(0, 1.5, (dense, targets)),
        "dense2_b": rng.normal(0, 0.5, targets),
    }


def write_keras02(path: Path, params: dict, jaspar: bool) -> None:
    """Keras 0.2 ``Sequential.save_weights``: one ``layer_<k>`` group per layer, ``param_<n>`` datasets."""
    lstm = [params[d][f"{kind}_{g}"] for d in ("forward", "backward")
            for g in KERAS_GATES for kind in ("W", "U", "b")]
    dense1 = [params["dense1_W"], params["dense1_b"]]
    dense2 = [params["dense2_W"], params["dense2_b"]]
    conv = [params["conv_W"], params["conv_b"]]
    if jaspar:  # conv, pool, dropout, brnn, dropout, flatten, dense(relu), dense(sigmoid)
        layers = [conv, [], [], lstm, [], [], dense1, dense2]
    else:  # ... dense, activation, dense, activation
        layers = [conv, [], [], lstm, [], [], dense1, [], dense2, []]
    with h5py.File(path, "w") as f:
        f.attrs["nb_layers"] = len(layers)
        for k, weights in enumerate(layers):
            group = f.create_group(f"layer_{k}")
            group.attrs["nb_params"] = len(weights)
            for n, value in enumerate(weights):
                group.create_dataset(f"param_{n}", data=np.asarray(value, dtype=np.float32))


KERAS_CASES = {  # format: (width, pool, jaspar)
    "danq-keras": (26, 13, False),
    "danq-jaspar-keras": (30, 15, True),
}


@pytest.fixture(scope="module", params=list(KERAS_CASES))
def keras_import(request, tmp_path_factory):
    fmt = request.param
    width, pool, jaspar = KERAS_CASES[fmt]
    rng = np.random.default_rng(5)
    steps = (1000 - width + 1) // pool
    params = random_danq_params(rng, filters=5, width=width, hidden=4, dense=6, targets=919, steps=steps)
    # float32 as stored, so the reference sees exactly the file's values
    params = {k: ({kk: np.float32(vv).astype(np.float64) for kk, vv in v.items()}
                  if isinstance(v, dict) else np.asarray(v, np.float32).astype(np.float64))
              for k, v in params.items()}
    folder = tmp_path_factory.mktemp(fmt)
    path = folder / ("DanQ-JASPAR_bestmodel.hdf5" if jaspar else "DanQ_bestmodel.hdf5")
    write_keras02(path, params, jaspar)
    out = folder / "model.pt"
    result = run_cli(path, "-o", out)
    assert result.exit_code == 0, result.output
    tokens = random_tokens(rng, N_SEQUENCES, 1000)
    return fmt, params, pool, out, tokens, danq_probs(out, tokens)


def test_keras_danq_matches_numpy_reference(keras_import):
    fmt, params, pool, out, tokens, got = keras_import
    expected = keras_danq_reference(agct_one_hot(tokens), params, pool)
    assert expected.std() > 0.05
    assert np.abs(got - expected).max() <= TOLERANCE
    header = read_checkpoint(out)["header"]
    assert header["arch"] == ("danq-jaspar" if "jaspar" in fmt else "danq")
    assert header["model_args"]["gate_activation"] == "hard_sigmoid"
    assert header["model_args"]["lstm_second_direction"] == "forward"
    assert header["provenance"]["format"] == fmt and header["provenance"]["second_lstm"] == "forward"
    assert header["target_names"][576] == "NA|NA|NA"


def test_keras_danq_true_bilstm_option(keras_import, tmp_path):
    """--second-lstm backward: the second LSTM reads the steps in reverse (a true BiLSTM)."""
    fmt, params, pool, out, tokens, _ = keras_import
    source = next(out.parent.glob("*.hdf5"))
    result = run_cli(source, "-o", tmp_path / "bi.pt", "--second-lstm", "backward")
    assert result.exit_code == 0, result.output
    expected = keras_danq_reference(agct_one_hot(tokens), params, pool, reverse_axis=1)
    assert np.abs(danq_probs(tmp_path / "bi.pt", tokens) - expected).max() <= TOLERANCE


def test_keras_danq_reversed_input_unaligned_output_option(keras_import, tmp_path):
    """--second-lstm backward-unaligned: steps reversed on the way in, the output left as read."""
    fmt, params, pool, out, tokens, _ = keras_import
    source = next(out.parent.glob("*.hdf5"))
    result = run_cli(source, "-o", tmp_path / "u.pt", "--second-lstm", "backward-unaligned")
    assert result.exit_code == 0, result.output
    expected = keras_danq_reference(agct_one_hot(tokens), params, pool, reverse_axis=1, realign=False)
    got = danq_probs(tmp_path / "u.pt", tokens)
    assert np.abs(got - expected).max() <= TOLERANCE
    aligned = keras_danq_reference(agct_one_hot(tokens), params, pool, reverse_axis=1)
    assert np.abs(got - aligned).max() > 1e-3  # a layout of its own


@pytest.mark.parametrize(
    "wrong", ["no_flip", "sigmoid_gates", "directions_swapped", "steps_reversed", "acgt_input"]
)
def test_keras_reference_detects_each_convention(keras_import, wrong):
    """Each convention matters: getting any one wrong moves the outputs far beyond the tolerance."""
    fmt, params, pool, _, tokens, got = keras_import
    x = agct_one_hot(tokens)
    kwargs = {}
    if wrong == "no_flip":
        kwargs["flip"] = False
    elif wrong == "sigmoid_gates":
        kwargs["gate"] = sigmoid
    elif wrong == "directions_swapped":
        kwargs["backward_second"] = False
    elif wrong == "steps_reversed":
        kwargs["reverse_axis"] = 1
    else:  # feeding A,C,G,T to the A,G,C,T-trained weights
        x = x[:, :, [0, 2, 1, 3]]
    assert np.abs(got - keras_danq_reference(x, params, pool, **kwargs)).max() > 1e-3


def test_hard_sigmoid_gates_keep_the_state_dict(keras_import):
    """gate_activation changes only the forward pass: the same tensors load into a sigmoid DanQ."""
    from danq.models import build_model

    _, _, _, out, tokens, got = keras_import
    model = load_model(out)
    args = dict(model.info.model_args, gate_activation="sigmoid")
    plain = build_model(model.info.arch, **args)
    plain.load_state_dict(model.state_dict(), strict=True)
    sigmoid_probs = load_predictor(plain, device="cpu", rc_average=False).from_tokens(tokens)
    assert np.abs(np.asarray(sigmoid_probs) - got).max() > 1e-3


def test_bad_keras_files(tmp_path):
    rng = np.random.default_rng(6)
    params = random_danq_params(rng, filters=5, width=26, hidden=4, dense=6, targets=919, steps=75)
    good = tmp_path / "DanQ_bestmodel.hdf5"
    write_keras02(good, params, jaspar=False)
    out = tmp_path / "o.pt"

    truncated = tmp_path / "truncated.hdf5"
    truncated.write_bytes(good.read_bytes()[:3000])
    assert_one_line_error(run_cli(truncated, "-o", out), "corrupt or truncated", out=out)

    assert_one_line_error(run_cli(good, "-o", out, "--format", "danq-jaspar-keras"),
                          "10 layers, but danq-jaspar-keras has 8", out=out)

    bad_lstm = dict(params, forward=dict(params["forward"], U_f=np.zeros((4, 5))))
    path = tmp_path / "bad_lstm.hdf5"
    write_keras02(path, bad_lstm, jaspar=False)
    assert_one_line_error(run_cli(path, "-o", out), "forward LSTM U_f has shape (4, 5)", out=out)

    bad_dense = dict(params, dense1_W=np.zeros((599, 6)))
    path = tmp_path / "bad_dense.hdf5"
    write_keras02(path, bad_dense, jaspar=False)
    assert_one_line_error(run_cli(path, "-o", out), "fc1.weight converts to shape (6, 599)", out=out)

    missing = tmp_path / "missing.hdf5"
    write_keras02(missing, params, jaspar=False)
    with h5py.File(missing, "a") as f:
        del f["layer_3/param_23"]
    assert_one_line_error(run_cli(missing, "-o", out), "layer_3 holds", out=out)


def test_step_by_step_lstm_with_sigmoid_gates_equals_torch_lstm():
    """The step-by-step LSTM used for imports is PyTorch's LSTM when given PyTorch's gates."""
    from danq.models.danq import bidirectional_lstm

    torch.manual_seed(0)
    lstm = nn.LSTM(5, 4, batch_first=True, bidirectional=True)
    x = torch.randn(3, 9, 5)
    with torch.no_grad():
        expected, _ = lstm(x)
        got = bidirectional_lstm(lstm, x, gate="sigmoid", second="backward")
    assert torch.allclose(got, expected, atol=1e-6)
