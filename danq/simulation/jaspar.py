"""The planted motifs: JASPAR matrices read offline from the release bundled with pyjaspar.

:func:`load_motifs` turns matrix IDs into :class:`Motif` objects (counts and column
probabilities, ACGT order); IDs of the built-in set fall back to another version or the same TF
name when a release lacks them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.simulation.config import DEFAULT_MOTIFS

ALPHABET = "ACGT"
_DEFAULT_NAME_BY_ID = dict(DEFAULT_MOTIFS)


@dataclass(frozen=True)
class Motif:
    """A JASPAR matrix as used here: ``probs`` is (length, 4) in ACGT order, rows summing to 1."""

    matrix_id: str
    name: str
    requested_id: str
    counts: np.ndarray  # (4, length), ACGT rows, JASPAR counts
    probs: np.ndarray  # (length, 4)

    @property
    def length(self) -> int:
        return int(self.probs.shape[0])

    @property
    def consensus(self) -> str:
        return "".join(ALPHABET[i] for i in self.probs.argmax(axis=1))


def available_releases() -> list[str]:
    """JASPAR releases shipped inside the installed pyjaspar (offline SQLite files)."""
    import pyjaspar

    return sorted(pyjaspar.jaspar_releases)


def load_motifs(ids: Sequence[str], release: str, *, source: str = "simulate") -> list[Motif]:
    """Fetch ``ids`` from the bundled JASPAR ``release`` as :class:`Motif` objects, in order.

    IDs of the built-in set fall back to the latest version of their base ID, then to the latest
    CORE vertebrate matrix with their TF name, when the release lacks them; any other ID that is
    missing raises DanqError, as do duplicate motifs.
    """
    if release not in available_releases():
        raise DanqError(
            f"{source}: unknown JASPAR release {release!r} "
            f"(pyjaspar has {', '.join(available_releases())})"
        )
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    motifs: list[Motif] = []
    try:
        for requested in ids:
            record = _fetch(db, requested)
            if record is None and requested in _DEFAULT_NAME_BY_ID:
                record = _fetch(db, requested.split(".")[0]) or _fetch_by_name(
                    db, _DEFAULT_NAME_BY_ID[requested]
                )
            if record is None:
                raise DanqError(f"{source}: motif {requested!r} is not in {release}")
            motifs.append(_to_motif(record, requested))
    finally:
        db.conn.close()
    seen: dict[str, str] = {}
    for motif in motifs:
        if motif.matrix_id in seen:
            raise DanqError(
                f"{source}: motif {motif.matrix_id} is listed twice "
                f"(as {seen[motif.matrix_id]!r} and {motif.requested_id!r})"
            )
        seen[motif.matrix_id] = motif.requested_id
    return motifs


def _fetch(db: Any, matrix_id: str) -> Any:
    """One JASPAR record by full or base matrix ID, or None (pyjaspar warns instead of raising)."""
    if not re.fullmatch(r"[A-Z]{2}\d{4}(\.\d+)?", matrix_id):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return db.fetch_motif_by_id(matrix_id)


def _fetch_by_name(db: Any, name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = list(db.fetch_motifs(collection="CORE", tf_name=name, tax_group="vertebrates"))
    records.sort(key=lambda r: r.matrix_id)
    return records[-1] if records else None


def _to_motif(record: Any, requested: str) -> Motif:
    counts = np.array([[float(v) for v in record.counts[b]] for b in ALPHABET], dtype=np.float64)
    totals = counts.sum(axis=0)
    if counts.shape[1] == 0 or np.any(totals <= 0):
        raise DanqError(f"{record.matrix_id}: JASPAR matrix has an empty column")
    probs = (counts / totals).T.copy()
    return Motif(str(record.matrix_id), str(record.name), requested, counts, probs)

