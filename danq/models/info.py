"""ModelInfo: the one typed record of what a model is and what its outputs mean.

Every danq checkpoint carries one (in its header), :func:`danq.load_model` attaches it to the model
it returns as ``model.info``, and every stage that runs a model reads the target names, input length
and alphabet from it — never from ad-hoc attributes or by probing the model with a dummy input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from danq.errors import DanqError

#: The header keys that hold ModelInfo's fields (the rest of a header is training history).
INFO_KEYS = (
    "arch", "model_args", "target_names", "target_categories", "alphabet", "sequence_length",
    "provenance",
)


@dataclass(frozen=True)
class ModelInfo:
    """Architecture, constructor arguments, targets, input format and provenance of a model.

    Attributes
    ----------
    arch
        Registry name (:mod:`danq.models.registry`).
    model_args
        Constructor arguments that rebuild the model (read-only mapping).
    target_names, target_categories
        One entry per output, in output order.
    alphabet
        One-hot channel order of the inputs (danq encodes ``ACGT``).
    sequence_length
        Input length in bp.
    provenance
        Where the weights come from: e.g. ``{"source": "deepsea_cpu.pth", "sha256": ...}`` for an
        import, training settings for a danq-trained model.
    """

    arch: str
    model_args: Mapping[str, Any]
    target_names: tuple[str, ...]
    target_categories: tuple[str, ...]
    sequence_length: int
    alphabet: str = "ACGT"
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_args", MappingProxyType(dict(self.model_args)))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))
        object.__setattr__(self, "target_names", tuple(str(n) for n in self.target_names))
        categories = tuple(str(c) for c in self.target_categories) or ("",) * len(self.target_names)
        object.__setattr__(self, "target_categories", categories)

    def __copy__(self) -> ModelInfo:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ModelInfo:
        """A read-only record is its own copy (its mappings are read-only proxies, which
        ``copy.deepcopy`` cannot copy): so a model carrying ``.info`` deep-copies, as
        ``quantize_dynamic`` does."""
        return self

    @property
    def n_targets(self) -> int:
        return len(self.target_names)

    # ----------------------------------------------------------------------------------------------
    def to_header(self) -> dict[str, Any]:
        """The checkpoint-header fields of this record (plain data)."""
        return {
            "arch": self.arch,
            "model_args": dict(self.model_args),
            "target_names": list(self.target_names),
            "target_categories": list(self.target_categories),
            "alphabet": self.alphabet,
            "sequence_length": self.sequence_length,
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_header(cls, header: Mapping[str, Any], where: str = "checkpoint") -> ModelInfo:
        """Read and check the record from a checkpoint header; problems are one-line errors."""
        from danq.models.registry import ARCHITECTURES, NAMES

        arch = header.get("arch")
        if arch not in ARCHITECTURES:
            raise DanqError(
                f"{where}: unknown model architecture {arch!r} (valid: {', '.join(NAMES)})"
            )
        model_args = header.get("model_args", {})
        if not isinstance(model_args, Mapping):
            raise DanqError(f"{where}: checkpoint header has malformed model_args")
        length = header.get("sequence_length", model_args.get("sequence_length"))
        if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
            raise DanqError(f"{where}: checkpoint header has no valid sequence_length ({length!r})")
        names = _string_list(header.get("target_names", []), "target_names", where)
        categories = _string_list(header.get("target_categories", []), "target_categories", where)
        if categories and len(categories) != len(names):
            raise DanqError(
                f"{where}: {len(categories)} target categories for {len(names)} target names"
            )
        alphabet = str(header.get("alphabet") or "ACGT").upper()
        if sorted(alphabet) != sorted("ACGT"):
            raise DanqError(f"{where}: checkpoint header has an invalid alphabet {alphabet!r}")
        provenance = header.get("provenance", {})
        return cls(
            arch=arch, model_args=model_args, target_names=tuple(names),
            target_categories=tuple(categories), sequence_length=length, alphabet=alphabet,
            provenance=provenance if isinstance(provenance, Mapping) else {},
        )

    @classmethod
    def for_model(
        cls,
        model: Any,
        target_names: Sequence[str] | None = None,
        target_categories: Sequence[str] | None = None,
        provenance: Mapping[str, Any] | None = None,
    ) -> ModelInfo:
        """The record of a freshly built danq model (a :class:`~danq.models.common.DanqModule`).

        Without ``target_names`` the outputs are called ``target_0``, ``target_1``...
        """
        from danq.models.common import DanqModule

        if not isinstance(model, DanqModule):
            raise DanqError(
                f"{type(model).__name__}: not a danq model; build one from danq.models or load a "
                "checkpoint with danq.load_model"
            )
        names = list(target_names) if target_names else [f"target_{i}" for i in range(model.n_targets)]
        return cls(
            arch=model.arch, model_args=model.checkpoint_args(), target_names=tuple(names),
            target_categories=tuple(target_categories or ()),
            sequence_length=int(model.sequence_length),
            provenance=provenance or {},
        )

    def check_outputs(self, n_outputs: int, where: str = "checkpoint") -> None:
        """A DanqError unless there is exactly one target name per model output."""
        if n_outputs != self.n_targets:
            raise DanqError(
                f"{where}: {self.n_targets} target names for a model with {n_outputs} outputs"
            )


def _string_list(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise DanqError(f"{where}: checkpoint header field {key} is not a list")
    return [str(v) for v in value]
