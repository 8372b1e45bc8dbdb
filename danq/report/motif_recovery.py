"""Motif recovery: which planted motifs the first-layer filters match, and the width confound.

Reads each model's ``danq motifs`` ``tomtom.tsv`` (and the ``summary.json`` beside it) and counts the
planted JASPAR motifs matched by at least one filter at TOMTOM E < 0.01, the DanQ paper's
criterion; matrix IDs are compared by base ID (``MA0139.2`` counts as ``MA0139``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.io import require_file

EVALUE_THRESHOLD = 0.01  # a filter matches a JASPAR motif at TOMTOM E < 0.01 (the DanQ paper)


def base_id(matrix_id: str) -> str:
    """``MA0139.2`` -> ``MA0139``: the JASPAR matrix independent of its version."""
    return matrix_id.split(".", 1)[0].strip().upper()


def read_tomtom_matches(path: str | os.PathLike[str],
                        e_threshold: float = EVALUE_THRESHOLD) -> dict[str, list[str]]:
    """Base JASPAR ID -> filters that match it at TOMTOM E < ``e_threshold`` (a ``danq motifs``
    or ``danq tomtom`` TSV: query names in a ``filter`` or ``query`` column)."""
    import pandas as pd

    p = require_file(path, "TOMTOM table")
    try:
        frame = pd.read_csv(p, sep="\t")
    except pd.errors.EmptyDataError:  # not even the header line: a truncated or wrong file
        raise DanqError(f"{p}: empty file, not a `danq motifs` tomtom.tsv (which has at least "
                        "its header line)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable TSV ({exc})") from None
    name = "filter" if "filter" in frame.columns else "query"
    for column in (name, "target_id", "e_value"):
        if column not in frame.columns:
            raise DanqError(f"{p}: no '{column}' column (not a danq motifs tomtom.tsv?)")
    hits = frame[pd.to_numeric(frame["e_value"], errors="coerce") < e_threshold]
    matches: dict[str, list[str]] = {}
    for filter_name, target_id in zip(hits[name].astype(str), hits["target_id"].astype(str),
                                      strict=True):
        filters = matches.setdefault(base_id(target_id), [])
        if filter_name not in filters:
            filters.append(filter_name)
    return matches


def read_motifs_summary(tomtom_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``summary.json`` beside a ``danq motifs`` tomtom.tsv ({} when there is none)."""
    path = Path(tomtom_path).with_name("summary.json")
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}


def motif_recovery(planted: Sequence[Mapping[str, Any]],
                   matches: Mapping[str, Sequence[str]],
                   kernel_width: int | None = None,
                   decoy_rate: float | None = None) -> dict[str, Any]:
    """Which planted motifs at least one filter matches; the recovered share.

    With the model's first-layer ``kernel_width``, each motif also says whether a filter can
    span it (``spannable``): a filter narrower than the motif can match only part of it, so a
    miss there says as much about the width as about what the model learned.
    """
    per_motif = []
    for motif in planted:
        filters = list(matches.get(base_id(motif["id"]), []))
        length = motif.get("length")
        spannable = None if kernel_width is None or length is None else kernel_width >= length
        per_motif.append({"id": motif["id"], "name": motif["name"], "length": length,
                          "spannable": spannable, "recovered": bool(filters),
                          "n_filters": len(filters), "filters": filters[:10]})
    n = len(per_motif)
    recovered = sum(m["recovered"] for m in per_motif)
    return {"n_planted": n, "n_recovered": recovered,
            "share": recovered / n if n else None, "kernel_width": kernel_width,
            "n_wider_than_kernel": sum(m["spannable"] is False for m in per_motif),
            "decoy_false_match_rate": decoy_rate, "motifs": per_motif}


def width_confound_note(recovery: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One sentence per model whose filters are narrower than some planted motifs."""
    spanning = [f"{label}'s {r['kernel_width']}-bp filters span every motif"
                for label, r in recovery.items()
                if r.get("kernel_width") and r.get("n_wider_than_kernel") == 0
                and all(m.get("spannable") for m in r["motifs"])]
    notes = []
    for label, r in recovery.items():
        wider = [m for m in r["motifs"] if m.get("spannable") is False]
        if not wider:
            continue
        lengths = [m["length"] for m in r["motifs"] if m.get("length")]
        notes.append(
            f"{label}'s {r['kernel_width']}-bp first-layer filters cannot span {len(wider)} of "
            f"the {r['n_planted']} planted motifs ({min(lengths)}–{max(lengths)} bp): they can "
            f"match only part of them, so {label}'s recovery is confounded by filter width"
            + (f" ({'; '.join(spanning)})." if spanning else ".")
        )
    return notes
