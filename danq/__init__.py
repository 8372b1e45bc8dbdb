"""danq: DeepSEA and DanQ reproduced in PyTorch.

The Python API a notebook needs, one import away (``dir(danq)`` lists it)::

    import danq
    model = danq.load_model("results/models/danq/best.pt")
    probabilities = danq.predict(model, ["ACGT" * 250])

Everything is imported lazily, on first use, so ``import danq`` and ``danq --help`` stay fast and
load neither torch nor the models.
"""

from __future__ import annotations

from importlib import import_module as _import_module
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

#: The functions and classes of the notebook API: name -> (module, attribute).
API = {
    "load_model": ("danq.models.checkpoint", "load_model"),
    "predict": ("danq.inference.predict", "predict"),
    "variant_effect": ("danq.variants.effect", "variant_effect"),
    "one_hot": ("danq.encoders", "one_hot"),
    "reverse_complement": ("danq.encoders", "reverse_complement"),
    "open_dataset": ("danq.formats.dataset", "open_dataset"),
    "Genome": ("danq.sequence.genome", "Genome"),
    "score_targets": ("danq.evaluation.metrics", "score_targets"),
    "extract_motifs": ("danq.motifs.filters", "extract_motifs"),
    "tomtom": ("danq.motifs.tomtom", "tomtom"),
    "attribute": ("danq.interpret.attribute", "attribute"),
    "marginalize": ("danq.interpret.marginalize", "marginalize"),
}

_LAZY = {
    **API,
    # modules and the inference core, exported before the API above and kept working
    "encoders": ("danq.encoders", None),
    "data": ("danq.formats.dataset", None),
    "models": ("danq.models", None),
    "ModelInfo": ("danq.models.info", "ModelInfo"),
    "Predictor": ("danq.inference.predictor", "Predictor"),
    "load_predictor": ("danq.inference.predictor", "load_predictor"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attribute = _LAZY[name]
        module = _import_module(module_name)
        value = module if attribute is None else getattr(module, attribute)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'danq' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The API, the older exports and the submodules imported so far (not this file's helpers)."""
    loaded = {name for name, value in globals().items()
              if isinstance(value, _ModuleType) and not name.startswith("_")}
    return sorted({*__all__, *loaded})


__all__ = ["API", "__version__", *_LAZY]
