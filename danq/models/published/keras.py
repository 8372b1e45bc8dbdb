"""DanQ and DanQ-JASPAR: Keras 0.2 ``save_weights`` HDF5 files -> danq models.

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
    copy reversed the steps on the way in and out; ``second_lstm="backward-unaligned"`` reverses the
    steps on the way in only (the output stays in reading order), what a fix that moved the input
    reversal to the time axis but dropped the output reversal would compute. Which one the published
    weights need is settled without published figures by :mod:`danq.models.published.layout_check`
    (reverse-complement consistency and validation loss per layout), or by evaluating each on
    DeepSEA's test set: the published DanQ's mean ROC AUC is 0.9384 (DanQ-JASPAR 0.9417).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from torch import nn

from danq.errors import DanqError
from danq.io.hdf5 import open_h5
from danq.models.published.layouts import (
    FORMAT_ARCH,
    POOL_SIZE,
    SEQUENCE_LENGTH,
    ForeignWeights,
    build_for_file,
    load_into,
    to_danq_alphabet,
)

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


def read_keras02_weights(path: Path) -> ForeignWeights:
    """Read a Keras 0.2 ``save_weights`` file into ``{"layer_<k>/param_<n>": array}``.

    Checks the layout itself (root ``nb_layers``, each ``layer_<k>`` group's ``nb_params`` and
    ``param_<n>`` datasets); which layers are expected is checked later, per format.
    """
    try:
        with open_h5(path) as handle:
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


def detect_keras_format(n_layers: int, path: Path) -> str:
    """10 layers is DanQ, 8 is DanQ-JASPAR."""
    for name, layout in KERAS_LAYER_PARAMS.items():
        if n_layers == len(layout):
            return name
    raise DanqError(
        f"{path}: a Keras 0.2 file with {n_layers} layers; DanQ has 10 and "
        "DanQ-JASPAR 8: not a DanQ weight file"
    )


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
    as seya's code computes it, ``"backward"`` for a true BiLSTM, ``"backward-unaligned"`` for
    reversed input with unaligned output (see the module docstring).
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
    model = build_for_file(
        FORMAT_ARCH[fmt], path,
        sequence_length=SEQUENCE_LENGTH[fmt], n_targets=dense2_w.shape[1],
        conv_channels=filters, conv_width=width, pool_size=POOL_SIZE[fmt],
        lstm_hidden=max(hidden, 1), dense_hidden=dense1_w.shape[1],
        gate_activation="hard_sigmoid", lstm_second_direction=second_lstm,
        **({"jaspar_init": False} if fmt == "danq-jaspar-keras" else {}),
    )
    # Theano's conv2d is a true convolution: reverse the kernel along its width.
    params = {
        "conv.weight": to_danq_alphabet(conv_w[:, :, ::-1, 0]),
        "conv.bias": conv_b,
        "fc1.weight": dense1_w.T, "fc1.bias": dense1_b,
        "fc2.weight": dense2_w.T, "fc2.bias": dense2_b,
    }
    for suffix, tensors, where in (("", birnn[:12], "forward"), ("_reverse", birnn[12:], "backward")):
        converted = keras_lstm_to_torch(tensors, f"layer_{KERAS_BIRNN} {where}", hidden, filters, path)
        params.update({f"lstm.{name}_l0{suffix}": value for name, value in converted.items()})
    load_into(model, params, fmt, path)
    return model
