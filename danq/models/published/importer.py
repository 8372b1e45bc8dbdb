"""`danq import-weights`: the published DeepSEA, Beluga, DanQ and DanQ-JASPAR weights -> danq checkpoints.

Four published layouts are read (none is downloaded here: the files are public downloads, see the README):
``deepsea-kipoi`` and ``beluga`` (PyTorch state dicts of the Torch7 models,
:mod:`danq.models.published.torch7`), ``danq-keras`` and ``danq-jaspar-keras`` (Keras 0.2 HDF5,
:mod:`danq.models.published.keras`). What they share — sizes, the A,G,C,T -> A,C,G,T permutation — is in
:mod:`danq.models.published.layouts`. This module reads a file, detects its format, converts it and
writes the checkpoint with its target names and provenance.

Targets: DeepSEA, DanQ and DanQ-JASPAR predict DeepSEA's 919 targets; their names ship with danq
(``danq/resources/deepsea_predictor.names``, CC-BY 3.0, see ``ATTRIBUTION.md``) with the categories 125
DNase, 690 TF, 104 histone. Beluga's 2,002 names may not be redistributed: give them with ``--names``
(as for any model whose target count is not 919). ``--names`` always overrides the shipped names.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from danq.errors import DanqError
from danq.formats.sources import is_hdf5
from danq.formats.targets import (
    DEEPSEA_N_TARGETS,
    category_from_name,
    deepsea_categories,
    read_target_names,
    unique_names,
)
from danq.io import require_file
from danq.models.published.keras import (
    convert_danq_keras,
    detect_keras_format,
    read_keras02_weights,
)
from danq.models.published.layout_check import DEFAULT_CHECK_SAMPLES, check_layouts, pick_layout
from danq.models.published.layouts import (
    FORMAT_ARCH,
    FORMATS,
    PUBLISHED_ALPHABET,
    SECOND_LSTM_CHOICES,
    ForeignWeights,
)
from danq.models.published.torch7 import (
    convert_beluga,
    convert_deepsea,
    detect_torch_format,
    read_torch_state_dict,
)

PathLike = str | os.PathLike[str]

DEEPSEA_NAMES_RESOURCE = "deepsea_predictor.names"


def file_sha256(path: PathLike, block: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in blocks (the weight files are 200-300 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def read_weight_file(path: Path) -> ForeignWeights:
    """Read ``path`` as a Keras 0.2 HDF5 file (by its signature) or a PyTorch state dict."""
    if is_hdf5(path):
        return read_keras02_weights(path)
    return read_torch_state_dict(path)


def require_finite(weights: ForeignWeights, path: Path) -> None:
    """Refuse a file whose tensors hold NaN or infinity, naming the first such tensor (by the
    file's own name for it): published weights are finite, so such a file is damaged, and every
    model built from it would predict NaN."""
    for name, value in weights.tensors.items():
        if value.dtype.kind != "f":
            continue
        if np.isfinite(value.sum(dtype=np.float64)) or np.isfinite(value).all():
            continue  # a finite sum proves it without a mask the size of the tensor
        n_nan = int(np.count_nonzero(np.isnan(value)))
        n_inf = int(np.count_nonzero(np.isinf(value)))
        raise DanqError(
            f"{path}: tensor {name} holds {n_nan} NaN and {n_inf} infinite value(s) of "
            f"{value.size}; refusing to import damaged weights"
        )


def detect_format(weights: ForeignWeights, path: Path) -> str:
    """Name the published format of ``weights`` from its container, keys and layer count.

    PyTorch files: the format whose expected keys overlap most with the file's (so a file with
    one key missing is still recognised, and then reported precisely). Keras files: 10 layers is
    DanQ, 8 is DanQ-JASPAR.
    """
    if weights.container == "keras-hdf5":
        return detect_keras_format(weights.n_layers, path)
    return detect_torch_format(weights.tensors, path)


def require_container(weights: ForeignWeights, fmt: str, path: Path) -> None:
    """An explicit ``--format`` must match the file type: HDF5 for Keras, a state dict otherwise."""
    wanted = "keras-hdf5" if fmt.endswith("-keras") else "torch"
    if weights.container != wanted:
        kind = "a Keras HDF5 file" if weights.container == "keras-hdf5" else "a PyTorch state dict"
        expected = "a Keras 0.2 HDF5 file" if wanted == "keras-hdf5" else "a PyTorch state dict"
        raise DanqError(f"{path}: is {kind}, but --format {fmt} expects {expected}")


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


# ---------------------------------------------------------------------------------------------------
# targets


def shipped_deepsea_names() -> list[str]:
    """The 919 DeepSEA target names shipped with danq (``predictor.names``; CC-BY 3.0, see ATTRIBUTION.md)."""
    text = resources.files("danq").joinpath("resources", DEEPSEA_NAMES_RESOURCE).read_text("utf-8")
    return text.splitlines()


def target_metadata(
    fmt: str, n_targets: int, names_file: PathLike | None
) -> tuple[list[str], list[str]]:
    """Names and categories for the imported model's ``n_targets`` outputs.

    ``--names`` wins (its length must match); else DeepSEA's shipped names for the three models
    that predict DeepSEA's 919 targets; else an error asking for ``--names``.
    """
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


def import_weights(
    source: PathLike,
    output: PathLike,
    fmt: str = "auto",
    names: PathLike | None = None,
    log: Callable[[str], None] | None = None,
    second_lstm: str | None = None,
    check_data: PathLike | None = None,
    check_samples: int | None = DEFAULT_CHECK_SAMPLES,
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
        DanQ / DanQ-JASPAR only: ``"forward"`` (seya's Bidirectional as its code computes it),
        ``"backward"`` (a true BiLSTM) or ``"backward-unaligned"`` (reversed input, output not
        re-aligned); see :mod:`danq.models.published.keras`. None: ``"forward"``, or the layout
        ``check_data`` picks.
    check_data
        DanQ / DanQ-JASPAR only: a danq dataset (``valid.h5`` of ``danq import-deepsea``) on which
        every layout is scored (:mod:`danq.models.published.layout_check`); the best one is
        imported unless ``second_lstm`` names one, and the scores go to the provenance.
    check_samples
        Score the layouts on the first this-many sequences of ``check_data`` (None: all).

    Returns
    -------
    dict
        ``format``, ``arch``, ``n_targets``, ``sequence_length``, ``sha256``, ``output``.
    """
    from danq.models.checkpoint import save_checkpoint

    path = require_file(source, "weight file")
    if fmt != "auto" and fmt not in FORMATS:
        raise DanqError(f"--format {fmt}: expected auto or one of {', '.join(FORMATS)}")
    if second_lstm is not None and second_lstm not in SECOND_LSTM_CHOICES:
        raise DanqError(f"--second-lstm {second_lstm}: expected one of {', '.join(SECOND_LSTM_CHOICES)}")
    out = Path(output)
    if out.exists() and out.resolve() == path.resolve():
        raise DanqError(f"{out}: the output would overwrite the input weight file")
    weights = read_weight_file(path)
    if fmt == "auto":
        fmt = detect_format(weights, path)
    else:
        require_container(weights, fmt, path)
    check: dict[str, Any] = {}
    if check_data is not None:
        if not fmt.endswith("-keras"):
            raise DanqError(f"{path}: --check-layouts applies to the DanQ Keras files, not {fmt}")
        require_finite(weights, path)
        scores = check_layouts(
            lambda layout: convert(weights, fmt, path, layout), check_data,
            max_samples=check_samples, log=log,
        )
        best, agree = pick_layout(scores)
        check = {"layout_check": {
            "data": str(check_data), "best": best, "criteria_agree": agree,
            "scores": [score.as_dict() for score in scores],
        }}
        if log is not None:
            log(f"layout check: {best} fits best"
                + ("" if agree else " by validation loss; the reverse-complement gap disagrees"))
        second_lstm = second_lstm or best
    second_lstm = second_lstm or SECOND_LSTM_CHOICES[0]
    model = convert(weights, fmt, path, second_lstm)
    require_finite(weights, path)  # after the layout checks: a wrong file is named as such first
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
            **check,
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
