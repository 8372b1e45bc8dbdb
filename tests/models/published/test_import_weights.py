"""`danq import-weights`: files in each published layout, with random weights, against independent references.

The published files cannot be downloaded here, so each test writes a file in the exact layout (Kipoi's
``nn.Sequential`` state dicts via ``torch.save``; Keras 0.2 ``save_weights`` groups via h5py) with random
weights and small hidden sizes, imports it with the CLI, and compares the checkpoint's predictions (through
danq's own Predictor, on A,C,G,T tokens) with a reference forward pass written here from the originals:

* DeepSEA and Beluga: the peers' ``nn.Sequential`` re-typed from kipoi/models (Conv2d on ``(N, 4, 1, L)``,
  ``nn.Threshold(0, 1e-6)`` for DeepSEA), fed one-hot A,G,C,T;
* DanQ and DanQ-JASPAR: numpy of the original equations — Theano ``conv2d`` (kernel flipped), Keras 0.2
  LSTM with hard-sigmoid gates, the bidirectional concatenation ``[forward, backward]``, step-major flatten.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from torch import nn

from danq.cli import main
from danq.datasets.deepsea import DEEPSEA_CATEGORY_BOUNDS
from danq.inference.predictor import load_predictor
from danq.models.checkpoint import load_model, read_checkpoint

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
    predictor = load_predictor(checkpoint, device="cpu", rc_average=False)
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


@pytest.fixture(scope="module")
def deepsea_file(tmp_path_factory):
    rng = np.random.default_rng(1)
    reference = kipoi_deepsea()
    randomise(reference, rng, scale=2.0)
    path = tmp_path_factory.mktemp("deepsea") / "deepsea_cpu.pth"
    torch.save(reference.state_dict(), path)
    return path, reference


@pytest.mark.parametrize("wrapper", ["", "2."])
def test_deepsea_kipoi_matches_reference(deepsea_file, tmp_path, wrapper):
    path, reference = deepsea_file
    if wrapper:  # deepsea_predict.pth: the same network inside Kipoi's wrapper, keys prefixed "2."
        path = tmp_path / "deepsea_predict.pth"
        torch.save({wrapper + k: v for k, v in reference.state_dict().items()}, path)
    out = tmp_path / "deepsea.pt"
    result = run_cli(path, "-o", out)
    assert result.exit_code == 0, result.output
    tokens = random_tokens(np.random.default_rng(2), N_SEQUENCES, 1000)
    expected = reference_torch(reference, tokens)
    got = danq_probs(out, tokens)
    assert expected.std() > 0.05  # the test sees a spread of probabilities, not a constant
    assert np.abs(got - expected).max() <= TOLERANCE

    payload = read_checkpoint(out)
    header = payload["header"]
    assert header["arch"] == "deepsea" and header["model_args"]["activation"] == "threshold"
    assert header["provenance"]["format"] == "deepsea-kipoi"
    assert header["provenance"]["source"] == path.name
    assert header["provenance"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    names = header["target_names"]
    assert len(names) == 919 and names[0] == "8988T|DNase|None" and names[576] == "NA|NA|NA"
    assert any("\u00a0" in name for name in names) and len(set(names)) == 919
    counts = {c: header["target_categories"].count(c) for c in set(header["target_categories"])}
    assert counts == {cat: hi - lo for cat, lo, hi in DEEPSEA_CATEGORY_BOUNDS}
    assert counts == {"DNase": 125, "TF": 690, "histone": 104}


def test_deepsea_threshold_is_torch7s_not_relu(tmp_path):
    """With every conv3 unit below zero only the 1e-6 floor reaches the dense layer: ReLU would differ."""
    rng = np.random.default_rng(3)
    reference = kipoi_deepsea()
    randomise(reference, rng, scale=2.0)
    with torch.no_grad():
        reference[8].bias.fill_(-1e3)
        reference[12][1].weight.mul_(1e5)
    path = tmp_path / "deepsea_cpu.pth"
    torch.save(reference.state_dict(), path)
    assert run_cli(path, "-o", tmp_path / "d.pt").exit_code == 0
    tokens = random_tokens(rng, 3, 1000)
    expected = reference_torch(reference, tokens)
    assert np.abs(danq_probs(tmp_path / "d.pt", tokens) - expected).max() <= TOLERANCE
    relu_model = load_model(tmp_path / "d.pt")
    relu_model.act = torch.relu
    relu = load_predictor(relu_model, device="cpu", rc_average=False).from_tokens(tokens)
    assert np.abs(np.asarray(relu) - expected).max() > 1e-3


def test_beluga_matches_reference_and_needs_names(tmp_path):
    rng = np.random.default_rng(4)
    reference = Beluga().eval()
    randomise(reference, rng, scale=2.0)
    path = tmp_path / "deepsea.beluga.pth"
    torch.save(reference.state_dict(), path)
    out = tmp_path / "beluga.pt"

    result = run_cli(path, "-o", out)  # Beluga's names may not ship: --names is required
    assert result.exit_code == 1 and "give them with --names" in result.output
    assert not out.exists()

    names = tmp_path / "beluga.names"
    names.write_text("".join(f"Cell{i}|{m}|None\n" for i, m in enumerate(
        ["DNase", "CTCF", "H3K4me3", "DNase", "EP300", "H3K27ac", "H4K20me1"])))
    result = run_cli(path, "-o", out, "--names", names)
    assert result.exit_code == 0, result.output
    tokens = random_tokens(rng, N_SEQUENCES, 2000)
    expected = reference_torch(reference, tokens)
    assert expected.std() > 0.05
    assert np.abs(danq_probs(out, tokens) - expected).max() <= TOLERANCE
    header = read_checkpoint(out)["header"]
    assert header["arch"] == "beluga" and header["sequence_length"] == 2000
    assert header["target_categories"] == ["DNase", "TF", "histone", "DNase", "TF", "histone", "histone"]


# ---------------------------------------------------------------------------------------------------
# DanQ / DanQ-JASPAR: Keras 0.2 save_weights files and a numpy reference of the original equations

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
    x, params, pool, *, flip=True, gate=hard_sigmoid, reverse_axis=0, backward_second=True
):
    """The DanQ forward pass on (B, L, 4) A,G,C,T input; ``params`` as written to the HDF5 file.

    seya's Bidirectional reverses axis 0 of the second LSTM's (batch, steps, features) input and
    output (``X[::-1]``, ``reverse_axis=0``); ``reverse_axis=1`` reverses the steps instead.
    """
    h = np.maximum(theano_conv1d(x, params["conv_W"], params["conv_b"], flip), 0.0)
    steps = h.shape[1] // pool
    h = h[:, : steps * pool].reshape(h.shape[0], steps, pool, -1).max(axis=2)
    forward = keras_lstm(h, params["forward"], gate)
    backward = np.flip(keras_lstm(np.flip(h, reverse_axis), params["backward"], gate), reverse_axis)
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


# ---------------------------------------------------------------------------------------------------
# bad input: one-line errors, no output written


def assert_one_line_error(result, *fragments: str, out: Path | None = None) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    if out is not None:
        assert not out.exists() and not list(out.parent.glob(f".{out.name}.*"))


def _state_dict(deepsea_file):
    return dict(deepsea_file[1].state_dict())


def test_bad_state_dicts(deepsea_file, tmp_path):
    out = tmp_path / "o.pt"
    cases = {
        "missing": ({k: v for k, v in _state_dict(deepsea_file).items() if k != "14.1.bias"},
                    "missing key '14.1.bias'"),
        "extra": (dict(_state_dict(deepsea_file), **{"16.weight": torch.zeros(3)}),
                  "unexpected key '16.weight'"),
        "conv_shape": (dict(_state_dict(deepsea_file), **{"4.weight": torch.zeros(8, 6, 8)}),
                       "4.weight has shape (8, 6, 8)"),
        "dense_shape": (dict(_state_dict(deepsea_file), **{"12.1.weight": torch.zeros(12, 99)}),
                        "fc1.weight converts to shape (12, 99)"),
        "unrelated": ({"encoder.weight": torch.zeros(2)}, "matches no published layout"),
    }
    for name, (state, message) in cases.items():
        path = tmp_path / f"{name}.pth"
        torch.save(state, path)
        assert_one_line_error(run_cli(path, "-o", out), str(path), message, out=out)


def test_bad_files(deepsea_file, tmp_path):
    out = tmp_path / "o.pt"
    text = tmp_path / "notes.txt"
    text.write_text("not weights\n")
    assert_one_line_error(run_cli(text, "-o", out), "not a PyTorch weight file", out=out)

    data = deepsea_file[0].read_bytes()
    truncated = tmp_path / "deepsea_cpu.pth"
    truncated.write_bytes(data[: len(data) // 2])
    assert_one_line_error(run_cli(truncated, "-o", out), "corrupt or truncated", out=out)

    other_hdf5 = tmp_path / "other.h5"
    with h5py.File(other_hdf5, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    assert_one_line_error(run_cli(other_hdf5, "-o", out), "not a Keras 0.2 save_weights file", out=out)

    # the right file, the wrong --format
    assert_one_line_error(run_cli(deepsea_file[0], "-o", out, "--format", "danq-keras"),
                          "expects a Keras 0.2 HDF5 file", out=out)
    assert_one_line_error(run_cli(deepsea_file[0], "-o", out, "--format", "beluga"),
                          "missing key 'model.0.0.weight'", out=out)
    assert_one_line_error(run_cli(tmp_path / "absent.pth", "-o", out), "does not exist", out=out)


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


def test_names_file_of_wrong_length(deepsea_file, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("a|DNase|None\n" * 918)
    out = tmp_path / "o.pt"
    assert_one_line_error(run_cli(deepsea_file[0], "-o", out, "--names", names),
                          "918 names, but the model has 919 targets", out=out)


def test_names_file_overrides_shipped_names(deepsea_file, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("".join(f"cell{i}|CTCF|None\n" for i in range(919)))
    out = tmp_path / "o.pt"
    assert run_cli(deepsea_file[0], "-o", out, "--names", names).exit_code == 0
    header = read_checkpoint(out)["header"]
    assert header["target_names"][576] == "cell576|CTCF|None"


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
