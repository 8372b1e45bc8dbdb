"""Checkpoint files: model weights plus a plain-data header, loaded with ``weights_only=True``.

One file is a ``torch.save`` of::

    {"format": "danq-checkpoint", "format_version": 1,
     "header": {...plain data...}, "state_dict": {...tensors...},
     "training_state": {...plain data and tensors...} or None}

The header carries everything needed to rebuild and use the model: ``arch`` (registry name),
``model_args`` (constructor arguments), ``target_names``, ``target_categories``, ``alphabet``,
``sequence_length``, ``training`` (settings), ``metrics`` and ``danq_version``.
Loading never unpickles arbitrary objects: ``torch.load(..., weights_only=True)`` refuses
files that carry code, and every failure becomes a one-line :class:`DanqError`.
"""

from __future__ import annotations

import os
import pickle
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from danq.errors import DanqError, DanqWarning
from danq.io import atomic_path, require_file

FORMAT = "danq-checkpoint"
FORMAT_VERSION = 1

PathLike = str | os.PathLike[str]


def unwrap_model(model: nn.Module) -> nn.Module:
    """Return the plain model inside DistributedDataParallel / DataParallel / torch.compile."""
    while True:
        if hasattr(model, "_orig_mod"):
            model = model._orig_mod
        elif isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        else:
            return model


def to_plain(value: Any, *, allow_tensors: bool, where: str = "header") -> Any:
    """Convert ``value`` to data that ``torch.load(weights_only=True)`` accepts.

    numpy scalars become Python numbers and numpy arrays become nested lists; dicts, lists,
    tuples, str, int, float, bool and None pass through; tensors pass through when
    ``allow_tensors`` (moved to the CPU). Anything else is a programming error (TypeError):
    it would make the checkpoint unloadable.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, torch.Tensor):
        if not allow_tensors:
            raise TypeError(f"checkpoint {where} must be plain data, got a tensor")
        return value.detach().cpu()
    if isinstance(value, Mapping):
        return {
            key: to_plain(item, allow_tensors=allow_tensors, where=f"{where}[{key!r}]")
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        items = [
            to_plain(item, allow_tensors=allow_tensors, where=f"{where}[{i}]")
            for i, item in enumerate(value)
        ]
        return items if isinstance(value, list) else tuple(items)
    raise TypeError(f"checkpoint {where} holds a {type(value).__name__}, which is not plain data")


def make_header(model: nn.Module, header: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Fill in the header fields the model itself knows, then apply ``header`` on top.

    ``arch``, ``model_args`` and ``sequence_length`` come from the model (a ``danq.models``
    module); ``jaspar_init`` is forced to False in ``model_args`` because the weights come from
    the state dict. The model's ``jaspar_motif_ids``, if any, are kept too.
    """
    from danq import __version__
    from danq.models import MODELS

    model = unwrap_model(model)
    model_args = dict(getattr(model, "model_args", {}))
    if "jaspar_init" in model_args:
        model_args["jaspar_init"] = False
    filled: dict[str, Any] = {
        "arch": getattr(model, "arch", None),
        "model_args": model_args,
        "target_names": [],
        "target_categories": [],
        "alphabet": "ACGT",
        "sequence_length": getattr(model, "sequence_length", None),
        "training": {},
        "metrics": {},
        "danq_version": __version__,
    }
    if getattr(model, "jaspar_motif_ids", None) is not None:
        filled["jaspar_motif_ids"] = list(model.jaspar_motif_ids)
    filled.update(header or {})
    if filled["arch"] not in MODELS:
        raise ValueError(f"checkpoint header: unknown arch {filled['arch']!r}")
    return filled


def save_checkpoint(
    path: PathLike,
    model: nn.Module,
    header: Mapping[str, Any] | None = None,
    training_state: Mapping[str, Any] | None = None,
) -> None:
    """Write ``model``'s weights, a header and optional training state to ``path`` atomically.

    Parameters
    ----------
    path
        Output file; replaced only once fully written.
    model
        A ``danq.models`` module (wrappers such as DDP or ``torch.compile`` are unwrapped).
    header
        Header fields (see the module docstring); fields the model knows are filled in.
    training_state
        Optional state to resume training: optimizer/scheduler state dicts, epoch counters,
        RNG states. Plain data and tensors only; numpy arrays are stored as lists.
    """
    full_header = to_plain(make_header(model, header), allow_tensors=False)
    state = None
    if training_state is not None:
        state = to_plain(training_state, allow_tensors=True, where="training_state")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "header": full_header,
        "state_dict": unwrap_model(model).state_dict(),
        "training_state": state,
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def _torch_load(path: PathLike, map_location: Any) -> Any:
    """``torch.load`` with ``weights_only=True``; every failure becomes a one-line DanqError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pickle-protocol warnings from foreign files
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if "GLOBAL" in str(error):
            raise DanqError(
                f"{path}: refuses to load: the file contains pickled Python objects "
                f"(possibly code); danq loads weights only"
            ) from None
        raise DanqError(f"{path}: not a danq checkpoint (corrupt or truncated)") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        raise DanqError(f"{path}: not a danq checkpoint (corrupt or truncated)") from None


def read_checkpoint(path: PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Load and validate a checkpoint file; return its payload dict.

    The dict has keys ``"format"``, ``"format_version"``, ``"header"``, ``"state_dict"`` and
    ``"training_state"`` (None when the file holds no training state).

    Raises
    ------
    DanqError
        Missing file, unreadable/corrupt/truncated file, a file carrying pickled code, a file
        that is not a danq checkpoint, a newer format version, or an unknown architecture.
    """
    from danq.models import MODELS

    require_file(path, "checkpoint")
    payload = _torch_load(path, map_location)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DanqError(f"{path}: not a danq checkpoint (no '{FORMAT}' format marker)")
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise DanqError(
            f"{path}: checkpoint format version {version!r} is not supported "
            f"(this danq reads version {FORMAT_VERSION}); upgrade danq"
        )
    header = payload.get("header")
    if not isinstance(header, dict) or not isinstance(payload.get("state_dict"), dict):
        raise DanqError(f"{path}: not a danq checkpoint (header or weights missing)")
    arch = header.get("arch")
    if arch not in MODELS:
        valid = ", ".join(sorted(MODELS))
        raise DanqError(f"{path}: unknown model architecture {arch!r} (valid: {valid})")
    if not isinstance(header.get("model_args", {}), dict):
        raise DanqError(f"{path}: checkpoint header has malformed model_args")
    payload.setdefault("training_state", None)
    return payload


def _one_line(text: str, limit: int = 300) -> str:
    """Collapse a multi-line error message to one line of at most ``limit`` characters."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def load_model(path: PathLike, map_location: Any = "cpu") -> nn.Module:
    """Rebuild the model stored in a checkpoint, load its weights and put it in eval mode.

    The returned module carries the checkpoint header as ``model.danq_header``. When
    ``map_location`` is a device (string or ``torch.device``) the model is moved there.

    Raises
    ------
    DanqError
        Everything :func:`read_checkpoint` raises, bad model arguments, or weights whose names
        or shapes do not match the architecture.
    """
    from danq.models import build_model

    payload = read_checkpoint(path, map_location=map_location)
    header = payload["header"]
    arch = header["arch"]
    model_args = dict(header.get("model_args", {}))
    if arch == "danq-jaspar":
        model_args["jaspar_init"] = False  # weights come from the state dict
    try:
        model = build_model(arch, **model_args)
    except DanqError as error:
        raise DanqError(f"{path}: {error}") from None
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except (RuntimeError, KeyError, TypeError) as error:
        raise DanqError(
            f"{path}: weights do not match architecture {arch}: {_one_line(str(error))}"
        ) from None
    if isinstance(map_location, (str, torch.device)):
        model.to(map_location)
    if "jaspar_motif_ids" in header and hasattr(model, "jaspar_motif_ids"):
        model.jaspar_motif_ids = list(header["jaspar_motif_ids"])
    model.danq_header = header
    model.eval()
    warn_if_not_finite(model, path)
    return model


def warn_if_not_finite(model: nn.Module, where: PathLike) -> None:
    """Warn (DanqWarning) when weights hold NaN or infinity: every prediction would be NaN."""
    bad = [name for name, value in model.state_dict().items()
           if value.is_floating_point() and not bool(torch.isfinite(value).all())]
    if bad:
        warnings.warn(
            f"{where}: {len(bad)} weight tensor(s) hold NaN or infinite values (first: {bad[0]}); "
            "predictions will be NaN (did training diverge?)",
            DanqWarning, stacklevel=2,
        )
