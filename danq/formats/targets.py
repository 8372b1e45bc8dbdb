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
