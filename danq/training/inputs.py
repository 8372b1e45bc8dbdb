"""What a run is given: the datasets (checked against each other), model arguments from the CLI."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from danq.errors import DanqError


@dataclass
class DataInfo:
    """What the datasets say about the model the run needs."""

    sequence_length: int
    target_names: list[str]
    target_categories: list[str]
    alphabet: str
    n_train: int
    n_valid: int


def parse_model_args(pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``["conv_channels=64", "dropout=0.1,0.1,0.3"]`` into constructor keyword arguments.

    Values become int, float or bool where they parse as such; a comma makes a list.
    """
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise DanqError(f"--model-arg {pair!r}: expected KEY=VALUE, e.g. lstm_hidden=32")
        parts = [_parse_scalar(v.strip()) for v in text.split(",")]
        parsed[key] = parts if "," in text else parts[0]
    return parsed


def _parse_scalar(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


def inspect_datasets(
    train_path: str | os.PathLike[str], valid_path: str | os.PathLike[str]
) -> DataInfo:
    """Check that both datasets are labelled, non-empty and agree; return what the model needs."""
    from danq.formats.dataset import open_dataset

    with open_dataset(train_path) as tr, open_dataset(valid_path) as va:
        for ds in (tr, va):
            if not ds.has_labels or ds.n_targets == 0:
                raise DanqError(f"{ds.path}: dataset has no labels; training needs labelled data")
            if len(ds) == 0:
                raise DanqError(f"{ds.path}: dataset is empty")
        if va.sequence_length != tr.sequence_length:
            raise DanqError(
                f"{va.path}: sequences are {va.sequence_length} bp but the training set "
                f"{tr.path} has {tr.sequence_length} bp"
            )
        if va.target_names != tr.target_names:
            raise DanqError(
                f"{va.path}: target names differ from the training set {tr.path} "
                f"({va.n_targets} vs {tr.n_targets} targets{_first_difference(tr, va)})"
            )
        if va.alphabet != tr.alphabet:
            raise DanqError(
                f"{va.path}: alphabet {va.alphabet} differs from {tr.path} ({tr.alphabet})"
            )
        return DataInfo(
            sequence_length=tr.sequence_length, target_names=list(tr.target_names),
            target_categories=list(tr.target_categories), alphabet=tr.alphabet,
            n_train=len(tr), n_valid=len(va),
        )


def _first_difference(tr: Any, va: Any) -> str:
    for i, (a, b) in enumerate(zip(tr.target_names, va.target_names, strict=False)):
        if a != b:
            return f"; first difference at target {i}: {a!r} vs {b!r}"
    return ""


def model_args_for_data(
    arch: str, model_args: dict[str, Any], info: DataInfo, train_path: Any, seed: int
) -> dict[str, Any]:
    """Constructor arguments with the data's length and target count; a conflict is an error.

    An architecture whose constructor takes a ``seed`` (its own initialisation draws, e.g.
    DanQ-JASPAR's motif offsets) gets the run's seed unless one is given.
    """
    from danq.models.registry import get_architecture

    args = dict(model_args)
    for key, value in (("sequence_length", info.sequence_length),
                       ("n_targets", len(info.target_names))):
        if key in args and int(args[key]) != value:
            raise DanqError(
                f"{train_path}: the data has {key} {value} but the model expects {args[key]}"
            )
        args[key] = value
    if "seed" in inspect.signature(get_architecture(arch).model_class).parameters:
        args.setdefault("seed", seed)
    return args
