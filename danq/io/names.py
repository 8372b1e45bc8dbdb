"""File names made from names the user chose (target names, pattern names)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_stems(names: Sequence[str]) -> list[str]:
    """One safe, unique file stem per name, in order: runs of unsafe characters become ``_``; a
    name that is empty or starts with ``.`` once cleaned gets ``target_<i>``; repeats get ``_2``,
    ``_3`` (compared case-insensitively, for case-insensitive file systems).

    >>> file_stems(["8988T|DNase|None", "a", "A", ".hidden", ""])
    ['8988T_DNase_None', 'a', 'A_2', 'target_3_hidden', 'target_4']
    """
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        stem = _UNSAFE.sub("_", name).strip("_")
        if not stem or stem.startswith("."):
            stem = f"target_{i}" + (f"_{stem.lstrip('.')}" if stem.lstrip(".") else "")
        candidate, n = stem, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{stem}_{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out
