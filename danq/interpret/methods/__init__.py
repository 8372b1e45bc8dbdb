"""The attribution methods, one module each, and the one registry that names them.

Every method module defines ``run(predictor, tokens, targets, options) -> dict`` returning float32
arrays ``(B, T, 4, L)``: always ``"attributions"`` (the observed base's contribution, zero at absent
bases), ``"hypothetical"`` where the method defines the contribution of every base, and extra
method-specific arrays (ISM's ``"ism"``). A module may also define ``refuse(model) -> str | None``: a
reason the method cannot explain that model (DeepLIFT/SHAP through an LSTM), else ``None``.

Adding a method is its module plus one :class:`Method` record below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from types import MappingProxyType, ModuleType
from typing import Any

from danq.errors import DanqError


@dataclass(frozen=True)
class Method:
    """One attribution method: its name on the command line, its module and its settings.

    Attributes
    ----------
    name
        ``--method`` spelling (``ism``, ``saliency``, ``ig``, ``deeplift-shap``).
    module
        Module under :mod:`danq.interpret.methods` that computes it (imported on first use).
    datasets
        Arrays it returns besides ``attributions`` (written to ``attributions.h5``).
    defaults
        Its settings and their defaults (overridable by keyword; stored as HDF5 attributes).
    summary
        One line for ``--help`` and the HDF5 attributes.
    """

    name: str
    module: str
    datasets: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""

    def implementation(self) -> ModuleType:
        """The method's module (imported on first use, so torch and captum load only when run)."""
        return import_module(f"danq.interpret.methods.{self.module}")


METHODS: Mapping[str, Method] = MappingProxyType({
    method.name: method
    for method in (
        Method("ism", "ism", ("hypothetical", "ism"), {},
               "in-silico mutagenesis: every single-base substitution, on danq's inference core"),
        Method("saliency", "saliency", ("hypothetical",), {},
               "input gradient of the logit (captum Saliency); attributions = gradient x input"),
        Method("ig", "integrated_gradients", ("hypothetical",),
               {"n_steps": 50, "baseline": "zeros"},
               "integrated gradients (captum) from the all-N (zero) baseline"),
        Method("deeplift-shap", "deeplift_shap", ("hypothetical",),
               {"n_shuffles": 20, "seed": 0},
               "DeepLIFT/SHAP (tangermeme) against dinucleotide-shuffled references"),
    )
})


def get_method(name: str) -> Method:
    """The registered method ``name``, or a one-line DanqError listing the known ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise DanqError(f"--method {name}: unknown attribution method; expected one of "
                        f"{', '.join(METHODS)}") from None
