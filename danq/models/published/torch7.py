"""DeepSEA and Beluga: the Lua Torch7 models as PyTorch state dicts (Kipoi / ExPecto) -> danq models.

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

The Conv2d kernels ``(out, in, 1, width)`` become Conv1d kernels ``(out, in, width)``; the first one's
input channels are permuted from A,G,C,T to A,C,G,T (:mod:`danq.models.published.layouts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from danq.errors import DanqError
from danq.models.published.layouts import (
    POOL_SIZE,
    SEQUENCE_LENGTH,
    ForeignWeights,
    build_for_file,
    load_into,
    to_danq_alphabet,
)

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


def strip_kipoi_wrapper(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop Kipoi's wrapper prefix (``1.`` or ``2.``) when every key carries the same one."""
    for prefix in KIPOI_WRAPPER_PREFIXES:
        if all(key.startswith(prefix) for key in tensors):
            return {key[len(prefix):]: value for key, value in tensors.items()}
    return tensors


def detect_torch_format(tensors: dict[str, np.ndarray], path: Path) -> str:
    """The state-dict format whose expected keys overlap most with the file's (so a file with
    one key missing is still recognised, and then reported precisely)."""
    keys = set(strip_kipoi_wrapper(tensors))
    overlap = {name: len(keys & set(expected)) for name, expected in STATE_DICT_KEYS.items()}
    best = max(overlap, key=lambda name: overlap[name])
    if overlap[best] == 0:
        shown = ", ".join(sorted(keys)[:3])
        raise DanqError(
            f"{path}: state dict with keys {shown}{', ...' if len(keys) > 3 else ''} matches no "
            "published layout (deepsea-kipoi: 0.weight ... 14.1.bias; beluga: model.0.0.weight ...)"
        )
    return best


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
    return to_danq_alphabet(kernel) if first else kernel


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
    model = build_for_file(
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
    model = build_for_file(
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
