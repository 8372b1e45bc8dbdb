"""danq: DeepSEA and DanQ reproduced in PyTorch.

Heavy modules (torch, models) are imported lazily so ``import danq`` and ``danq --help`` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_model": ("danq.models.checkpoint", "load_model"),
    "predict": ("danq.inference.predict", "predict"),
    "variant_effect": ("danq.variants.effect", "variant_effect"),
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
        module = import_module(module_name)
        return module if attribute is None else getattr(module, attribute)
    raise AttributeError(f"module 'danq' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
