"""Summaries written as JSON that every program can read back: NaN and infinity become null.

Python's :mod:`json` writes ``NaN`` and ``Infinity`` by default, which are not JSON (a browser,
``jq`` or R's jsonlite refuse them), and refuses numpy scalars outright. Every stage whose summary
can hold a not-scored AUC or a numpy number writes it through :func:`write_json`, so the rule lives
in one place.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np

from danq.io.atomic import atomic_path


def json_safe(value: Any) -> Any:
    """``value`` with NaN and ±inf turned into ``None``, numpy scalars into Python numbers and
    tuples into lists (recursively through dicts and lists), ready for :func:`json.dumps`."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def write_json(data: Any, path: str | os.PathLike[str]) -> None:
    """Write ``data`` as indented JSON, atomically (NaN and ±inf never appear: they become null)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(json_safe(data), indent=2) + "\n", encoding="utf-8")
