"""The architecture registry: the one list of model names anyone reads.

One :class:`Architecture` record per model holds what the rest of danq needs to know about it: its
class, the label figures and reports show, the name of its published training recipe, the one-hot
alphabet its inputs use and its default input length. The CLI's ``--arch`` choices, ``danq train``'s
recipes, checkpoint loading and the workflow's labels all read this registry, so adding an
architecture means writing its model file and adding one record here (naming an existing recipe of
:mod:`danq.training.recipes`, or adding one there when it was trained differently).

The module imports neither torch nor the model classes (``danq train --help`` stays fast); a record
imports its class on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from types import MappingProxyType
from typing import Any

from danq.errors import DanqError


@dataclass(frozen=True)
class Architecture:
    """What danq knows about one model architecture.

    Attributes
    ----------
    name
        Registry name, used on the command line and in checkpoints (``danq``, ``deepsea``...).
    class_path
        ``"module:Class"`` of the ``torch.nn.Module``; imported lazily by :attr:`model_class`.
    label
        Display label for figures and reports (``"DanQ"``).
    recipe
        Name of its published training settings in :mod:`danq.training.recipes` (the values and
        where each comes from live there: training knowledge stays in ``danq.training``).
    alphabet
        One-hot channel order the model's inputs use (danq feeds ``ACGT``).
    sequence_length
        Default input length in bp.
    citation
        Where the architecture comes from.
    """

    name: str
    class_path: str
    label: str
    recipe: str
    alphabet: str = "ACGT"
    sequence_length: int = 1000
    citation: str = ""

    @property
    def model_class(self) -> type:
        """The model class (imported on first use)."""
        module_name, class_name = self.class_path.split(":")
        return getattr(import_module(module_name), class_name)

    def build(self, **model_args: Any) -> Any:
        """Construct the model; bad constructor arguments are a one-line DanqError."""
        from danq.models.validation import check_model_args

        try:
            check_model_args(model_args)
            return self.model_class(**model_args)
        except DanqError as error:
            raise DanqError(f"{self.name}: bad model arguments: {error}") from None
        except (TypeError, ValueError, RuntimeError) as error:
            raise DanqError(f"{self.name}: bad model arguments: {error}") from None


ARCHITECTURES: Mapping[str, Architecture] = MappingProxyType({
    arch.name: arch
    for arch in (
        Architecture(
            name="deepsea",
            class_path="danq.models.deepsea:DeepSEA",
            label="DeepSEA",
            recipe="deepsea",
            citation="Zhou & Troyanskaya, Nature Methods 2015",
        ),
        Architecture(
            name="danq",
            class_path="danq.models.danq:DanQ",
            label="DanQ",
            recipe="danq",
            citation="Quang & Xie, Nucleic Acids Research 2016",
        ),
        Architecture(
            name="danq-jaspar",
            class_path="danq.models.danq:DanQJaspar",
            label="DanQ-JASPAR",
            recipe="danq-jaspar",
            citation="Quang & Xie, Nucleic Acids Research 2016",
        ),
        Architecture(
            name="beluga",
            class_path="danq.models.beluga:Beluga",
            label="Beluga",
            # Beluga's own training settings were not published with its weights: DeepSEA's recipe
            # (its predecessor's) is the default when it is trained here.
            recipe="deepsea",
            sequence_length=2000,
            citation="Zhou et al., Nature Genetics 2018 (ExPecto)",
        ),
    )
})

#: Registered architecture names, in registry order.
NAMES: tuple[str, ...] = tuple(ARCHITECTURES)


def get_architecture(name: str) -> Architecture:
    """The record for ``name``; an unknown name is a DanqError listing the valid ones."""
    try:
        return ARCHITECTURES[name]
    except (KeyError, TypeError):
        raise DanqError(
            f"{name}: unknown model architecture (valid: {', '.join(NAMES)})"
        ) from None


def build_model(name: str, **model_args: Any) -> Any:
    """Construct the registered architecture ``name`` with constructor arguments ``model_args``."""
    return get_architecture(name).build(**model_args)
