"""Checkpoint files: model weights plus a plain-data header, loaded with ``weights_only=True``.

One file is a ``torch.save`` of::

    {"format": "danq-checkpoint", "format_version": 1,
     "header": {...plain data...}, "state_dict": {...tensors...},
     "training_state": {...plain data and tensors...} or None}

The header carries everything needed to rebuild and use the model — the fields of
:class:`danq.models.info.ModelInfo` (``arch``, ``model_args``, ``target_names``,
``target_categories``, ``alphabet``, ``sequence_length``, ``provenance``) — plus ``extra_state``
(what the model keeps outside its state dict, e.g. DanQ-JASPAR's motif ids), ``training``
(settings), ``metrics`` and ``danq_version``.
Loading never unpickles arbitrary objects: ``torch.load(..., weights_only=True)`` refuses
files that carry code, and every failure becomes a one-line :class:`DanqError`.
"""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from torch import nn

from danq.errors import DanqError, DanqWarning
from danq.io import atomic_path, require_file
from danq.models.info import ModelInfo

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
    """The checkpoint header of ``model``: its :class:`ModelInfo` fields, its own extra state and
    ``header`` on top (target names, training settings, metrics...).

    The model says how to rebuild itself (``checkpoint_args``) and what it keeps outside its state
    dict (``extra_checkpoint_state``); the result is checked by :meth:`ModelInfo.from_header`.
    """
    from danq import __version__

    model = unwrap_model(model)
    filled: dict[str, Any] = {
        **ModelInfo.for_model(model).to_header(),
        "target_names": [],
        "target_categories": [],
        "training": {},
        "metrics": {},
        "danq_version": __version__,
        "extra_state": model.extra_checkpoint_state(),
    }
    filled.update(header or {})
    try:
        info = ModelInfo.from_header(filled, where="checkpoint header")
        if info.target_names:
            info.check_outputs(model.n_targets, where="checkpoint header")
    except DanqError as error:
        raise ValueError(str(error)) from None
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


def torch_load_weights_only(
    path: PathLike,
    map_location: Any = "cpu",
    *,
    what: str = "danq checkpoint",
    advice: str = "danq loads weights only",
) -> Any:
    """``torch.load`` with ``weights_only=True``; every failure becomes a one-line DanqError.

    ``what`` names the expected kind of file in the message; ``advice`` follows the refusal of a
    file that carries pickled Python objects (which ``weights_only`` never runs). A zip archive
    (every ``torch.save`` since PyTorch 1.6) is checked against its CRC-32s first
    (:func:`check_archive`).
    """
    check_archive(path, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pickle-protocol warnings from foreign files
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if "global" in str(error).lower():
            raise DanqError(
                f"{path}: refuses to load: the file contains pickled Python objects "
                f"(possibly code); {advice}"
            ) from None
        raise DanqError(f"{path}: not a {what} (corrupt or truncated)") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        raise DanqError(f"{path}: not a {what} (corrupt or truncated)") from None


ZIP_MAGIC = b"PK\x03\x04"  # what torch.load looks for to read a file as a zip archive


def check_archive(path: PathLike, what: str = "danq checkpoint") -> None:
    """Refuse a ``torch.save`` zip archive whose bytes do not match the CRC-32 it stores.

    ``torch.load`` does not verify the checksums, so a weight file damaged on disk or in transfer
    would load damaged weights silently. Reading every entry once costs about 0.1 s for a 260 MB
    file (less than the load itself). Files in the legacy (pre-1.6, non-zip) format carry no
    checksum and are left to ``torch.load``.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
                return
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        detail = _one_line(str(error)) or type(error).__name__
        raise DanqError(f"{path}: not a {what} (corrupt or truncated zip archive: {detail})") from None
    if damaged is not None:
        raise DanqError(
            f"{path}: corrupt {what}: entry {damaged} does not match its stored checksum "
            "(the file was damaged after it was written; copy or download it again)"
        )


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
    require_file(path, "checkpoint")
    payload = torch_load_weights_only(path, map_location)
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
    ModelInfo.from_header(header, where=str(path))  # a header danq cannot use fails here
    payload.setdefault("training_state", None)
    return payload


def _one_line(text: str, limit: int = 300) -> str:
    """Collapse a multi-line error message to one line of at most ``limit`` characters."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def load_model(path: PathLike, map_location: Any = "cpu") -> nn.Module:
    """Rebuild the model stored in a checkpoint, load its weights and put it in eval mode.

    The returned module carries its :class:`~danq.models.info.ModelInfo` as ``model.info`` (target
    names, categories, input length, alphabet, provenance). When ``map_location`` is a device
    (string or ``torch.device``) the model is moved there. The file is read with
    ``weights_only=True``: a checkpoint cannot run code.

    Parameters
    ----------
    path
        A danq checkpoint (``danq train``, ``danq import-weights``, :func:`save_checkpoint`).
    map_location
        Where the weights are loaded (``"cpu"``, ``"cuda"``, a ``torch.device``).

    Returns
    -------
    torch.nn.Module
        The model, in eval mode, with ``model.info``.

    Raises
    ------
    DanqError
        Everything :func:`read_checkpoint` raises, bad model arguments, weights whose names or
        shapes do not match the architecture, or target names that do not match the outputs.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import danq
    >>> from danq.models import DanQ
    >>> from danq.models.checkpoint import save_checkpoint
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "tiny.pt"
    >>> tiny = DanQ(sequence_length=40, n_targets=2, conv_channels=6, conv_width=5, pool_size=4,
    ...             lstm_hidden=4, dense_hidden=8)
    >>> save_checkpoint(path, tiny, {"target_names": ["DNase|K562", "CTCF|K562"]})
    >>> model = danq.load_model(path)
    >>> model.info.arch, model.info.sequence_length, model.info.target_names
    ('danq', 40, ('DNase|K562', 'CTCF|K562'))
    >>> model.training
    False
    >>> folder.cleanup()
    """
    payload = read_checkpoint(path, map_location=map_location)
    model, info = restore_model(payload, where=str(path))
    if not info.target_names:  # older checkpoints and bare models: name the outputs by index
        info = replace(info, target_names=tuple(f"target_{i}" for i in range(model.n_targets)),
                       target_categories=())
    info.check_outputs(model.n_targets, where=str(path))
    if isinstance(map_location, (str, torch.device)):
        model.to(map_location)
    model.info = info
    model.eval()
    warn_if_not_finite(model, path)
    return model


def restore_model(payload: Mapping[str, Any], where: str) -> tuple[nn.Module, ModelInfo]:
    """The model of a checkpoint payload (:func:`read_checkpoint`), weights and extra state
    restored, with its :class:`ModelInfo`."""
    header = payload["header"]
    info = ModelInfo.from_header(header, where=where)
    model = rebuild_model(info, payload["state_dict"], where=where)
    # older checkpoints kept a model's extra state (e.g. jaspar_motif_ids) at the header's top
    model.load_extra_checkpoint_state(dict(header.get("extra_state", header)))
    return model, info


def rebuild_model(info: ModelInfo, state_dict: Mapping[str, Any], where: str) -> nn.Module:
    """Build ``info``'s architecture and load ``state_dict`` into it strictly."""
    from danq.models.registry import get_architecture

    architecture = get_architecture(info.arch)

    def build(device: str) -> nn.Module:
        try:
            with torch.device(device):
                return architecture.build(**info.model_args)
        except DanqError as error:
            raise DanqError(f"{where}: {error}") from None
        except RuntimeError as error:  # e.g. a negative layer size reaching torch
            raise DanqError(f"{where}: bad model arguments: {_one_line(str(error))}") from None

    # Built on the meta device the model gets no initial weights (DanQ's orthogonal LSTM
    # initialisation alone costs seconds); the checkpoint's tensors are then assigned in place.
    try:
        model, assign = build("meta"), True
    except (DanqError, NotImplementedError, RuntimeError):  # its constructor needs real data
        model, assign = build("cpu"), False
    if assign and any(t.is_meta for t in _tensors_outside_state_dict(model)):
        model, assign = build("cpu"), False  # it needs tensors the checkpoint does not hold
    if assign:  # keep the architecture's dtypes, as copying into built weights would
        expected = model.state_dict(keep_vars=True)
        state_dict = {
            name: value.to(expected[name].dtype)
            if name in expected and value.is_floating_point() else value
            for name, value in state_dict.items()
        }
    try:
        model.load_state_dict(state_dict, strict=True, assign=assign)
    except (RuntimeError, KeyError, TypeError) as error:
        raise DanqError(
            f"{where}: weights do not match architecture {info.arch}: {_one_line(str(error))}"
        ) from None
    return model


def _tensors_outside_state_dict(model: nn.Module) -> list[torch.Tensor]:
    """Parameters and buffers of ``model`` that its state dict does not carry (non-persistent)."""
    saved = set(model.state_dict(keep_vars=True))
    return [tensor for name, tensor in [*model.named_parameters(), *model.named_buffers()]
            if name not in saved]


def _all_finite(value: torch.Tensor) -> bool:
    """Whether every element is finite. A finite sum (one pass, no mask of the size of the tensor)
    proves it; only a non-finite sum (NaN/inf inside, or an overflow) needs the element check."""
    with torch.no_grad():
        return bool(torch.isfinite(value.sum())) or bool(torch.isfinite(value).all())


def warn_if_not_finite(model: nn.Module, where: PathLike) -> None:
    """Warn (DanqWarning) when weights hold NaN or infinity: every prediction would be NaN."""
    bad = [name for name, value in model.state_dict().items()
           if value.is_floating_point() and not _all_finite(value)]
    if bad:
        warnings.warn(
            f"{where}: {len(bad)} weight tensor(s) hold NaN or infinite values (first: {bad[0]}); "
            "predictions will be NaN (did training diverge?)",
            DanqWarning, stacklevel=2,
        )
