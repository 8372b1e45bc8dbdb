"""Target names files and their categories: the one owner of both.

A names file lists one target per non-blank line (e.g. DeepSEA's ``predictor.names``, lines like
``8988T|DNase|None``). danq needs unique names, so repeats get a ``#2``, ``#3`` suffix. Categories come
from DeepSEA's index ranges for its 919 targets (0-124 DNase, 125-814 TF, 815-918 histone), or from the
factor field of ``cell|factor|treatment`` names (``DNase``; histone marks ``H2A*``, ``H2B*``, ``H3*``,
``H4*``; else ``TF``).

Used by the DeepSEA bundle import (:mod:`danq.datasets.deepsea`) and the published weights import
(:mod:`danq.models.published.importer`), so it lives below both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError

DEEPSEA_N_TARGETS = 919
DEEPSEA_CATEGORY_BOUNDS = (("DNase", 0, 125), ("TF", 125, 815), ("histone", 815, 919))

_HISTONE = re.compile(r"^H(2A|2B|3|4)", re.IGNORECASE)


def read_target_names(path: str | os.PathLike[str]) -> list[str]:
    """Target names, one per non-blank line (e.g. DeepSEA's ``predictor.names``)."""
    p = Path(path)
    if not p.is_file():
        raise DanqError(f"{p}: names file does not exist")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DanqError(f"{p}: names file is not UTF-8 text") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise DanqError(f"{p}: names file is empty")
    return names


def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique by suffixing repeats with ``#2``, ``#3``, ... (the first keeps its name)."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        candidate = name if count == 1 else f"{name}#{count}"
        while count > 1 and candidate in taken:
            count += 1
            candidate = f"{name}#{count}"
        taken.add(candidate)
        out.append(candidate)
    return out


def category_from_name(name: str) -> str:
    """Category of a ``cell|factor|treatment`` name: DNase, histone (H2A/H2B/H3/H4 marks) or TF."""
    fields = name.split("|")
    if len(fields) < 2:
        return ""
    factor = fields[1].strip()
    if factor.lower() == "dnase":
        return "DNase"
    return "histone" if _HISTONE.match(factor) else "TF"


def deepsea_categories() -> list[str]:
    """DeepSEA's 919 categories by output index: 125 DNase, 690 TF, 104 histone."""
    categories = [""] * DEEPSEA_N_TARGETS
    for category, lo, hi in DEEPSEA_CATEGORY_BOUNDS:
        categories[lo:hi] = [category] * (hi - lo)
    return categories


def select_targets(spec: str | Sequence[Any] | None, names: Sequence[str],
                   categories: Sequence[str]) -> np.ndarray:
    """0-based indices of the targets picked by ``spec``, in model order.

    ``spec`` is comma-separated (or a list); each item is a 0-based index, an exact target name, a
    category (every target of it), or else a regular expression searched in the names. An item that
    picks nothing is an error, so a typo never silently yields an empty output.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return np.arange(len(names))
    items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, (int, np.integer)) or (isinstance(item, str) and item.isdigit()):
            index = int(item)
            if not 0 <= index < len(names):
                raise DanqError(f"--targets: index {index} is outside 0..{len(names) - 1}")
            chosen.add(index)
            continue
        item = str(item)
        if not item:
            continue
        exact = [i for i, n in enumerate(names) if n == item]
        if not exact:
            exact = [i for i, c in enumerate(categories) if c == item]
        if not exact:
            try:
                pattern = re.compile(item)
            except re.error as exc:
                raise DanqError(f"--targets: {item!r} is no target, category or valid regex "
                                f"({exc})") from None
            exact = [i for i, n in enumerate(names) if pattern.search(n)]
        if not exact:
            raise DanqError(f"--targets: {item!r} matches no target name or category")
        chosen.update(exact)
    return np.array(sorted(chosen), dtype=np.int64)
