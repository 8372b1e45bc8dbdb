"""`danq import-weights`: the published DeepSEA, Beluga, DanQ and DanQ-JASPAR weights -> danq checkpoints.

Four published layouts are read (none is downloaded here: the files are public downloads, see the README):

``deepsea-kipoi``
    Kipoi's conversion of the Torch7 DeepSEA: ``deepsea_cpu.pth``, the state dict of an ``nn.Sequential``
    (``0.*`` Conv2d(4,320,(1,8)), ``4.*`` Conv2d(320,480,(1,8)), ``8.*`` Conv2d(480,960,(1,8)),
    ``12.1.*`` Linear(50880,925), ``14.1.*`` Linear(925,919)), or the same wrapped by Kipoi's
    alphabet recoding and reverse-complement averaging (``deepsea_predict.pth``, keys prefixed ``2.``;
    ``1.`` for the variant-effect wrapper). Activations are Torch7's ``nn.Threshold(0, 1e-6)``, so the
    model is built with ``activation="threshold"``.
``beluga``
    ExPecto's Beluga as Kipoi/ExPecto ship it (``deepsea.beluga.pth``): keys ``model.0.{0,2,6,8,12,14}.*``
    for the six Conv2d(…, (1,8)) and ``model.1.{2,4}.1.*`` for the two Linear layers; ReLU; 2,000 bp.
``danq-keras`` / ``danq-jaspar-keras``
    Keras 0.2 ``save_weights`` HDF5 (``DanQ_bestmodel.hdf5``, ``DanQ-JASPAR_bestmodel.hdf5``): root
    attribute ``nb_layers``, groups ``layer_<k>`` with attribute ``nb_params`` and datasets
    ``param_<n>``. DanQ has 10 layers (Convolution1D, MaxPooling1D, Dropout, Bidirectional, Dropout,
    Flatten, Dense, Activation, Dense, Activation), DanQ-JASPAR 8 (the Dense layers carry their
    activations). Convolution1D stores ``W`` as ``(filters, 4, width, 1)`` and Theano's ``conv2d``
    flips it along the width (a true convolution), so the kernel is reversed for PyTorch's
    cross-correlation. The Bidirectional layer holds the forward then the backward LSTM's 12 tensors,
    each in Keras 0.2's order ``W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o`` (``W``
    ``(input, hidden)``, ``U`` ``(hidden, hidden)``); they become PyTorch's gate blocks i, f, g, o with
    ``bias_hh = 0``. Its gates used ``hard_sigmoid``, so the model is built with
    ``gate_activation="hard_sigmoid"``. Dense ``W`` is ``(inputs, outputs)``. Keras' ``Flatten`` of the
    ``(steps, 2·hidden)`` LSTM output is step-major, which is how danq's DanQ flattens too.

    The Bidirectional layer is seya's (DanQ installed its own, modified copy, which is not public in a
    form we could read). Every seya version we could read wraps two LSTMs and reverses axis 0 of the
    ``(batch, steps, features)`` input of the second one, and of its output, before concatenating
    ``[first, second]`` per step. Axis 0 is the batch axis, so the second LSTM reads each sequence from
    its start, like the first (seya issue #32 reports this). ``second_lstm="forward"`` (the default)
    reproduces that; ``second_lstm="backward"`` builds a true bidirectional LSTM instead, in case DanQ's
    copy reversed the steps. Which one the published weights need is settled by evaluating both on
    DeepSEA's test set: the published DanQ's mean ROC AUC is 0.9384 (DanQ-JASPAR 0.9417).

Alphabet: all four were trained on one-hot A,G,C,T input; danq feeds A,C,G,T. The importer permutes the
first convolution's input channels (AGCT -> ACGT swaps channels 1 and 2), which is exact, so the model
takes danq's usual input and nothing changes at prediction time.

Sizes (channels, hidden units, targets, kernel width) are read from the tensors' shapes; the input length
(1,000 bp; Beluga 2,000) and pooling (4; DanQ 13; DanQ-JASPAR 15) are the published ones, and the first
dense layer's input size must agree with them.

Targets: DeepSEA, DanQ and DanQ-JASPAR predict DeepSEA's 919 targets; their names ship with danq
(``danq/resources/deepsea_predictor.names``, CC-BY 3.0, see ``ATTRIBUTION.md``) with the categories 125
DNase, 690 TF, 104 histone. Beluga's 2,002 names may not be redistributed: give them with ``--names``
(as for any model whose target count is not 919). ``--names`` always overrides the shipped names.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from danq.encoders import ACGT, reorder
from danq.errors import DanqError
from danq.formats.sources import is_hdf5
from danq.io import require_file

PathLike = str | os.PathLike[str]

FORMATS = ("deepsea-kipoi", "beluga", "danq-keras", "danq-jaspar-keras")
#: Registry architecture each format becomes.
FORMAT_ARCH = {
    "deepsea-kipoi": "deepsea",
    "beluga": "beluga",
    "danq-keras": "danq",
    "danq-jaspar-keras": "danq-jaspar",
}
#: The published training alphabet of all four models; danq's is ACGT.
PUBLISHED_ALPHABET = "AGCT"
#: Index into an A,G,C,T channel axis for each of danq's A,C,G,T channels.

DEEPSEA_NAMES_RESOURCE = "deepsea_predictor.names"
DEEPSEA_N_TARGETS = 919

# Published input length and pooling per format.
SEQUENCE_LENGTH = {"deepsea-kipoi": 1000, "beluga": 2000, "danq-keras": 1000, "danq-jaspar-keras": 1000}
POOL_SIZE = {"deepsea-kipoi": 4, "beluga": 4, "danq-keras": 13, "danq-jaspar-keras": 15}

# Kipoi's nn.Sequential module indices of DeepSEA's layers (conv1..3, fc1, fc2).
DEEPSEA_LAYERS = ("0", "4", "8", "12.1", "14.1")
# Beluga's: model.0.<i> convolutions, model.1.<i>.1 linears.
BELUGA_LAYERS = (
    "model.0.0", "model.0.2", "model.0.6", "model.0.8", "model.0.12", "model.0.14",
    "model.1.2.1", "model.1.4.1",
)
STATE_DICT_KEYS = {
    "deepsea-kipoi": [f"{layer}.{p}" for layer in DEEPSEA_LAYERS for p in ("weight", "bias")],
    "beluga": [f"{layer}.{p}" for layer in BELUGA_LAYERS for p in ("weight", "bias")],
}
# Kipoi wraps deepsea_cpu in nn.Sequential(ReCodeAlphabet(), deepsea_cpu) ("1.") or with the
# reverse-complement modules (deepsea_predict.pth, "2.").
KIPOI_WRAPPER_PREFIXES = ("1.", "2.")

# Keras 0.2 layer list: number of parameter tensors per layer.
KERAS_LAYER_PARAMS = {
    "danq-keras": (2, 0, 0, 24, 0, 0, 2, 0, 2, 0),
    "danq-jaspar-keras": (2, 0, 0, 24, 0, 0, 2, 2),
}
KERAS_CONV, KERAS_BIRNN, KERAS_DENSE1 = 0, 3, 6
KERAS_DENSE2 = {"danq-keras": 8, "danq-jaspar-keras": 7}
# Keras 0.2 LSTM.params order, and PyTorch's gate-block order (input, forget, cell, output).
KERAS_LSTM_PARAMS = ("W_i", "U_i", "b_i", "W_c", "U_c", "b_c", "W_f", "U_f", "b_f", "W_o", "U_o", "b_o")
TORCH_GATES = ("i", "f", "c", "o")
#: How the Keras files' second LSTM reads the sequence (see the module docstring).
SECOND_LSTM_CHOICES = ("forward", "backward")


@dataclass
class ForeignWeights:
    """The tensors of one published weight file, by name, with the file's container type."""

    container: str  # "torch" or "keras-hdf5"
    tensors: dict[str, np.ndarray]
    n_layers: int = 0  # Keras files: the root nb_layers attribute


# ---------------------------------------------------------------------------------------------------
# reading the files


def file_sha256(path: PathLike, block: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in blocks (the weight files are 200-300 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def read_torch_state_dict(path: Path) -> ForeignWeights:
    """Load a ``torch.save``'d state dict with ``weights_only=True``; every failure is one line."""
    from danq.models.checkpoint import torch_load_weights_only

    payload = torch_load_weights_only(
        path, what="PyTorch weight file",
        advice="give the published state-dict file of tensors (e.g. deepsea_cpu.pth)",
    )
    if isinstance(payload, Mapping) and payload.get("format") == "danq-checkpoint":
        raise DanqError(f"{path}: is already a danq checkpoint; nothing to import")
    if not isinstance(payload, Mapping) or not payload:
        raise DanqError(
            f"{path}: holds a {type(payload).__name__}, not a state dict of tensors"
        )
    tensors: dict[str, np.ndarray] = {}
    for key, value in payload.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise DanqError(f"{path}: entry {key!r} is not a named tensor; not a state dict")
        tensors[key] = value.detach().cpu().float().numpy()
    return ForeignWeights("torch", tensors)


def read_keras02_weights(path: Path) -> ForeignWeights:
    """Read a Keras 0.2 ``save_weights`` file into ``{"layer_<k>/param_<n>": array}``.

    Checks the layout itself (root ``nb_layers``, each ``layer_<k>`` group's ``nb_params`` and
    ``param_<n>`` datasets); which layers are expected is checked later, per format.
    """
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            if "nb_layers" not in handle.attrs:
                newer = "layer_names" in handle.attrs or "model_weights" in handle
                hint = " (it looks like a Keras >= 1 file)" if newer else ""
                raise DanqError(
                    f"{path}: HDF5 file without the root attribute 'nb_layers': not a Keras 0.2 "
                    f"save_weights file{hint}"
                )
            n_layers = int(handle.attrs["nb_layers"])
            groups = [name for name in handle if name.startswith("layer_")]
            tensors: dict[str, np.ndarray] = {}
            for k in range(n_layers):
                name = f"layer_{k}"
                if name not in handle:
                    raise DanqError(f"{path}: group {name} is missing (nb_layers is {n_layers})")
                group = handle[name]
                n_params = int(group.attrs.get("nb_params", -1))
                params = sorted(group)
                expected = [f"param_{n}" for n in range(n_params)]
                if n_params < 0 or sorted(expected) != params:
                    raise DanqError(
                        f"{path}: {name} holds {params or 'nothing'} but its nb_params says "
                        f"{n_params}; not a Keras 0.2 save_weights layout"
                    )
                for param in expected:
                    tensors[f"{name}/{param}"] = np.asarray(group[param][()], dtype=np.float32)
            extra = sorted(set(groups) - {f"layer_{k}" for k in range(n_layers)})
            if extra:
                raise DanqError(f"{path}: unexpected group {extra[0]} (nb_layers is {n_layers})")
    except DanqError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DanqError(f"{path}: unreadable HDF5 file (corrupt or truncated): {detail}") from None
    return ForeignWeights("keras-hdf5", tensors, n_layers)


def read_weight_file(path: Path) -> ForeignWeights:
    """Read ``path`` as a Keras 0.2 HDF5 file (by its signature) or a PyTorch state dict."""
    if is_hdf5(path):
        return read_keras02_weights(path)
    return read_torch_state_dict(path)


# ---------------------------------------------------------------------------------------------------
# format detection


def strip_kipoi_wrapper(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop Kipoi's wrapper prefix (``1.`` or ``2.``) when every key carries the same one."""
    for prefix in KIPOI_WRAPPER_PREFIXES:
        if all(key.startswith(prefix) for key in tensors):
            return {key[len(prefix):]: value for key, value in tensors.items()}
    return tensors


def detect_format(weights: ForeignWeights, path: Path) -> str:
    """Name the published format of ``weights`` from its container, keys and layer count.

    PyTorch files: the format whose expected keys overlap most with the file's (so a file with
    one key missing is still recognised, and then reported precisely). Keras files: 10 layers is
    DanQ, 8 is DanQ-JASPAR.
    """
    if weights.container == "keras-hdf5":
        for name, layout in KERAS_LAYER_PARAMS.items():
            if weights.n_layers == len(layout):
                return name
        raise DanqError(
            f"{path}: a Keras 0.2 file with {weights.n_layers} layers; DanQ has 10 and "
            "DanQ-JASPAR 8: not a DanQ weight file"
        )
    keys = set(strip_kipoi_wrapper(weights.tensors))
    overlap = {name: len(keys & set(expected)) for name, expected in STATE_DICT_KEYS.items()}
    best = max(overlap, key=lambda name: overlap[name])
    if overlap[best] == 0:
        shown = ", ".join(sorted(keys)[:3])
        raise DanqError(
            f"{path}: state dict with keys {shown}{', ...' if len(keys) > 3 else ''} matches no "
            "published layout (deepsea-kipoi: 0.weight ... 14.1.bias; beluga: model.0.0.weight ...)"
        )
    return best


def require_container(weights: ForeignWeights, fmt: str, path: Path) -> None:
    """An explicit ``--format`` must match the file type: HDF5 for Keras, a state dict otherwise."""
    wanted = "keras-hdf5" if fmt.endswith("-keras") else "torch"
    if weights.container != wanted:
        kind = "a Keras HDF5 file" if weights.container == "keras-hdf5" else "a PyTorch state dict"
        expected = "a Keras 0.2 HDF5 file" if wanted == "keras-hdf5" else "a PyTorch state dict"
        raise DanqError(f"{path}: is {kind}, but --format {fmt} expects {expected}")


# ---------------------------------------------------------------------------------------------------
# tensors -> danq models


def _tensor(tensors: Mapping[str, np.ndarray], key: str, ndim: int, path: Path) -> np.ndarray:
    """``tensors[key]`` checked for its number of dimensions (the first shape check)."""
    value = tensors[key]
    if value.ndim != ndim:
        raise DanqError(f"{path}: {key} has shape {tuple(value.shape)}, expected {ndim} dimensions")
    return value


def check_keys(tensors: Mapping[str, np.ndarray], expected: list[str], fmt: str, path: Path) -> None:
    """Exactly the expected keys: report the first missing, then the first unexpected one."""
    missing = [key for key in expected if key not in tensors]
    if missing:
        raise DanqError(f"{path}: {fmt} weights: missing key {missing[0]!r}")
    extra = sorted(set(tensors) - set(expected))
    if extra:
        raise DanqError(f"{path}: {fmt} weights: unexpected key {extra[0]!r}")


def conv2d_to_conv1d(weight: np.ndarray, key: str, path: Path, first: bool) -> np.ndarray:
    """Kipoi/Torch7 Conv2d kernel ``(out, in, 1, w)`` -> Conv1d ``(out, in, w)`` (AGCT->ACGT if first)."""
    if weight.ndim != 4 or weight.shape[2] != 1:
        raise DanqError(
            f"{path}: {key} has shape {tuple(weight.shape)}, expected a Conv2d kernel (out, in, 1, width)"
        )
    kernel = weight[:, :, 0, :]
    return reorder(kernel, PUBLISHED_ALPHABET, ACGT) if first else kernel


def load_into(model: nn.Module, params: Mapping[str, np.ndarray], fmt: str, path: Path) -> None:
    """Copy converted arrays into ``model``'s state dict, checking every shape first."""
    state = model.state_dict()
    for name, value in params.items():
        target = state[name]
        if tuple(value.shape) != tuple(target.shape):
            raise DanqError(
                f"{path}: {fmt} weights: {name} converts to shape {tuple(value.shape)}, but the "
                f"model built from the file's other shapes needs {tuple(target.shape)}"
            )
    missing = set(state) - set(params)
    if missing:  # a programming error in the converters, not a user error
        raise AssertionError(f"converter left {sorted(missing)} unset")
    model.load_state_dict(
        {name: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
         for name, value in params.items()},
        strict=True,
    )


def _build(arch: str, path: Path, **kwargs: Any) -> nn.Module:
    """Build a registry model; a size that leaves no sequence is reported against the file."""
    from danq.models import build_model

    try:
        return build_model(arch, **kwargs)
    except DanqError as error:
        raise DanqError(f"{path}: shapes do not fit the published layout: {error}") from None


def convert_deepsea(tensors: dict[str, np.ndarray], path: Path) -> nn.Module:
    """Kipoi's DeepSEA state dict -> :class:`danq.models.DeepSEA` with the Torch7 threshold."""
    fmt = "deepsea-kipoi"
    tensors = strip_kipoi_wrapper(tensors)
    check_keys(tensors, STATE_DICT_KEYS[fmt], fmt, path)
    convs = [
        conv2d_to_conv1d(tensors[f"{layer}.weight"], f"{layer}.weight", path, first=(i == 0))
        for i, layer in enumerate(DEEPSEA_LAYERS[:3])
    ]
    fc1 = _tensor(tensors, "12.1.weight", 2, path)
    fc2 = _tensor(tensors, "14.1.weight", 2, path)
    model = _build(
        "deepsea", path,
        sequence_length=SEQUENCE_LENGTH[fmt], n_targets=fc2.shape[0],
        conv_channels=[c.shape[0] for c in convs], conv_width=convs[0].shape[2],
        pool_size=POOL_SIZE[fmt], dense_hidden=fc1.shape[0], activation="threshold",
    )
    params = {f"conv{i + 1}.weight": conv for i, conv in enumerate(convs)}
    for i, layer in enumerate(DEEPSEA_LAYERS[:3]):
        params[f"conv{i + 1}.bias"] = tensors[f"{layer}.bias"]
    params.update({
        "fc1.weight": fc1, "fc1.bias": tensors["12.1.bias"],
        "fc2.weight": fc2, "fc2.bias": tensors["14.1.bias"],
    })
    load_into(model, params, fmt, path)
    return model


def convert_beluga(tensors: dict[str, np.ndarray], path: Path) -> nn.Module:
    """ExPecto's Beluga state dict -> :class:`danq.models.Beluga`."""
    fmt = "beluga"
    check_keys(tensors, STATE_DICT_KEYS[fmt], fmt, path)
    conv_layers, (fc1_layer, fc2_layer) = BELUGA_LAYERS[:6], BELUGA_LAYERS[6:]
    convs = [
        conv2d_to_conv1d(tensors[f"{layer}.weight"], f"{layer}.weight", path, first=(i == 0))
        for i, layer in enumerate(conv_layers)
    ]
    fc1 = _tensor(tensors, f"{fc1_layer}.weight", 2, path)
    fc2 = _tensor(tensors, f"{fc2_layer}.weight", 2, path)
    model = _build(
        "beluga", path,
        sequence_length=SEQUENCE_LENGTH[fmt], n_targets=fc2.shape[0],
        conv_channels=[c.shape[0] for c in convs], conv_width=convs[0].shape[2],
        pool_size=POOL_SIZE[fmt], dense_hidden=fc1.shape[0],
    )
    params: dict[str, np.ndarray] = {}
    for i, layer in enumerate(conv_layers):
        params[f"convs.{i}.weight"] = convs[i]
        params[f"convs.{i}.bias"] = tensors[f"{layer}.bias"]
    params.update({
        "fc1.weight": fc1, "fc1.bias": tensors[f"{fc1_layer}.bias"],
        "fc2.weight": fc2, "fc2.bias": tensors[f"{fc2_layer}.bias"],
    })
    load_into(model, params, fmt, path)
    return model


def keras_lstm_to_torch(
    params: list[np.ndarray], where: str, hidden: int, inputs: int, path: Path
) -> dict[str, np.ndarray]:
    """One Keras 0.2 LSTM's 12 tensors -> PyTorch ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""
    named = dict(zip(KERAS_LSTM_PARAMS, params, strict=True))
    expected = {"W": (inputs, hidden), "U": (hidden, hidden), "b": (hidden,)}
    for name, value in named.items():
        if tuple(value.shape) != expected[name[0]]:
            raise DanqError(
                f"{path}: {where} LSTM {name} has shape {tuple(value.shape)}, expected "
                f"{expected[name[0]]}"
            )
    return {
        "weight_ih": np.concatenate([named[f"W_{g}"].T for g in TORCH_GATES], axis=0),
        "weight_hh": np.concatenate([named[f"U_{g}"].T for g in TORCH_GATES], axis=0),
        "bias_ih": np.concatenate([named[f"b_{g}"] for g in TORCH_GATES], axis=0),
        "bias_hh": np.zeros(4 * hidden, dtype=np.float32),
    }


def convert_danq_keras(
    weights: ForeignWeights, fmt: str, path: Path, second_lstm: str = "forward"
) -> nn.Module:
    """A DanQ / DanQ-JASPAR Keras 0.2 file -> :class:`danq.models.DanQ` / ``DanQJaspar``.

    ``second_lstm`` is how the Bidirectional layer's second LSTM reads the sequence: ``"forward"``
    as seya's code computes it, ``"backward"`` for a true BiLSTM (see the module docstring).
    """
    layout = KERAS_LAYER_PARAMS[fmt]
    if weights.n_layers != len(layout):
        raise DanqError(
            f"{path}: {weights.n_layers} layers, but {fmt} has {len(layout)}; try --format auto"
        )
    for k, n_params in enumerate(layout):
        present = sum(key.startswith(f"layer_{k}/") for key in weights.tensors)
        if present != n_params:
            raise DanqError(
                f"{path}: layer_{k} holds {present} parameter tensors, {fmt} has {n_params} there"
            )

    def layer(k: int) -> list[np.ndarray]:
        return [weights.tensors[f"layer_{k}/param_{n}"] for n in range(layout[k])]

    conv_w, conv_b = layer(KERAS_CONV)
    if conv_w.ndim != 4 or conv_w.shape[1] != 4 or conv_w.shape[3] != 1:
        raise DanqError(
            f"{path}: layer_{KERAS_CONV}/param_0 has shape {tuple(conv_w.shape)}, expected a Keras 0.2 "
            "Convolution1D kernel (filters, 4, width, 1)"
        )
    dense1_w, dense1_b = layer(KERAS_DENSE1)
    dense2_w, dense2_b = layer(KERAS_DENSE2[fmt])
    for k, w in ((KERAS_DENSE1, dense1_w), (KERAS_DENSE2[fmt], dense2_w)):
        if w.ndim != 2:
            raise DanqError(f"{path}: layer_{k}/param_0 has shape {tuple(w.shape)}, expected 2 dimensions")
    birnn = layer(KERAS_BIRNN)
    filters, width = conv_w.shape[0], conv_w.shape[2]
    hidden = birnn[1].shape[0] if birnn[1].ndim == 2 else -1
    model = _build(
        FORMAT_ARCH[fmt], path,
        sequence_length=SEQUENCE_LENGTH[fmt], n_targets=dense2_w.shape[1],
        conv_channels=filters, conv_width=width, pool_size=POOL_SIZE[fmt],
        lstm_hidden=max(hidden, 1), dense_hidden=dense1_w.shape[1],
        gate_activation="hard_sigmoid", lstm_second_direction=second_lstm,
        **({"jaspar_init": False} if fmt == "danq-jaspar-keras" else {}),
    )
    # Theano's conv2d is a true convolution: reverse the kernel along its width.
    params = {
        "conv.weight": reorder(conv_w[:, :, ::-1, 0], PUBLISHED_ALPHABET, ACGT),
        "conv.bias": conv_b,
        "fc1.weight": dense1_w.T, "fc1.bias": dense1_b,
        "fc2.weight": dense2_w.T, "fc2.bias": dense2_b,
    }
    for suffix, tensors, where in (("", birnn[:12], "forward"), ("_reverse", birnn[12:], "backward")):
        converted = keras_lstm_to_torch(tensors, f"layer_{KERAS_BIRNN} {where}", hidden, filters, path)
        params.update({f"lstm.{name}_l0{suffix}": value for name, value in converted.items()})
    load_into(model, params, fmt, path)
    return model


# ---------------------------------------------------------------------------------------------------
# targets


def shipped_deepsea_names() -> list[str]:
    """The 919 DeepSEA target names shipped with danq (``predictor.names``; CC-BY 3.0, see ATTRIBUTION.md)."""
    text = resources.files("danq").joinpath("resources", DEEPSEA_NAMES_RESOURCE).read_text("utf-8")
    return text.splitlines()


def deepsea_categories() -> list[str]:
    """DeepSEA's 919 categories by output index: 125 DNase, 690 TF, 104 histone."""
    from danq.datasets.deepsea import DEEPSEA_CATEGORY_BOUNDS

    categories = [""] * DEEPSEA_N_TARGETS
    for category, lo, hi in DEEPSEA_CATEGORY_BOUNDS:
        categories[lo:hi] = [category] * (hi - lo)
    return categories


def target_metadata(
    fmt: str, n_targets: int, names_file: PathLike | None
) -> tuple[list[str], list[str]]:
    """Names and categories for the imported model's ``n_targets`` outputs.

    ``--names`` wins (its length must match); else DeepSEA's shipped names for the three models
    that predict DeepSEA's 919 targets; else an error asking for ``--names``.
    """
    from danq.datasets.deepsea import category_from_name, read_target_names, unique_names

    deepsea_family = fmt != "beluga" and n_targets == DEEPSEA_N_TARGETS
    if names_file is not None:
        raw = read_target_names(names_file)
        if len(raw) != n_targets:
            raise DanqError(
                f"{names_file}: {len(raw)} names, but the model has {n_targets} targets"
            )
        if deepsea_family:
            return unique_names(raw), deepsea_categories()
        derived = [category_from_name(name) for name in raw]
        return unique_names(raw), derived if all(derived) else [""] * n_targets
    if deepsea_family:
        return unique_names(shipped_deepsea_names()), deepsea_categories()
    why = (
        "Beluga's target names are not redistributable"
        if fmt == "beluga" else f"danq ships names only for DeepSEA's {DEEPSEA_N_TARGETS} targets"
    )
    raise DanqError(f"{fmt} model with {n_targets} targets: {why}; give them with --names FILE")


# ---------------------------------------------------------------------------------------------------
# the import


def convert(
    weights: ForeignWeights, fmt: str, path: Path, second_lstm: str = "forward"
) -> nn.Module:
    """Dispatch to the converter of ``fmt`` and return the model in eval mode."""
    if fmt == "deepsea-kipoi":
        model = convert_deepsea(weights.tensors, path)
    elif fmt == "beluga":
        model = convert_beluga(weights.tensors, path)
    else:
        model = convert_danq_keras(weights, fmt, path, second_lstm)
    return model.eval()


def import_weights(
    source: PathLike,
    output: PathLike,
    fmt: str = "auto",
    names: PathLike | None = None,
    log: Callable[[str], None] | None = None,
    second_lstm: str = "forward",
) -> dict[str, Any]:
    """Convert a published weight file into a danq checkpoint written atomically at ``output``.

    Parameters
    ----------
    source
        The published file (``deepsea_cpu.pth``, ``deepsea_predict.pth``, ``deepsea.beluga.pth``,
        ``DanQ_bestmodel.hdf5``, ``DanQ-JASPAR_bestmodel.hdf5``).
    output
        Checkpoint to write (see :mod:`danq.models.checkpoint`); never ``source`` itself.
    fmt
        ``"auto"`` (detect from the file's keys/layers) or one of :data:`FORMATS`.
    names
        Optional target-names file (one per line); required for Beluga.
    log
        Where to send progress lines (e.g. ``click.echo`` to stderr); silent when None.
    second_lstm
        DanQ / DanQ-JASPAR only: ``"forward"`` (seya's Bidirectional as its code computes it) or
        ``"backward"`` (a true BiLSTM); see the module docstring.

    Returns
    -------
    dict
        ``format``, ``arch``, ``n_targets``, ``sequence_length``, ``sha256``, ``output``.
    """
    from danq.models.checkpoint import save_checkpoint

    path = require_file(source, "weight file")
    if fmt != "auto" and fmt not in FORMATS:
        raise DanqError(f"--format {fmt}: expected auto or one of {', '.join(FORMATS)}")
    if second_lstm not in SECOND_LSTM_CHOICES:
        raise DanqError(f"--second-lstm {second_lstm}: expected one of {', '.join(SECOND_LSTM_CHOICES)}")
    out = Path(output)
    if out.exists() and out.resolve() == path.resolve():
        raise DanqError(f"{out}: the output would overwrite the input weight file")
    weights = read_weight_file(path)
    if fmt == "auto":
        fmt = detect_format(weights, path)
    else:
        require_container(weights, fmt, path)
    model = convert(weights, fmt, path, second_lstm)
    n_targets = int(model.n_targets)
    target_names, target_categories = target_metadata(fmt, n_targets, names)
    digest = file_sha256(path)
    header = {
        "target_names": target_names,
        "target_categories": target_categories,
        "provenance": {
            "source": path.name,
            "sha256": digest,
            "format": fmt,
            "published_alphabet": PUBLISHED_ALPHABET,
            "alphabet_conversion": "first convolution's input channels permuted AGCT -> ACGT",
            **({"second_lstm": second_lstm} if fmt.endswith("-keras") else {}),
            "target_names_source": (
                str(names) if names is not None
                else f"danq/resources/{DEEPSEA_NAMES_RESOURCE} (DeepSEA, CC-BY 3.0)"
            ),
        },
    }
    save_checkpoint(out, model, header=header)
    if log is not None:
        log(
            f"{out}: {FORMAT_ARCH[fmt]} ({fmt}) from {path.name}, {n_targets} targets, "
            f"{model.sequence_length} bp input, sha256 {digest[:12]}..."
        )
    return {
        "format": fmt,
        "arch": FORMAT_ARCH[fmt],
        "n_targets": n_targets,
        "sequence_length": int(model.sequence_length),
        "sha256": digest,
        "output": str(out),
    }
