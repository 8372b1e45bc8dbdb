"""JASPAR motifs from pyjaspar's bundled SQLite releases (offline), as plain ACGT count matrices.

Two stages need JASPAR: ``danq motifs`` compares learned filters to it with TOMTOM, and the
DanQ-JASPAR model initialises half its kernels from it. Both go through :func:`load_jaspar`, so
the release names, the filtering (latest version of each matrix only) and the ACGT row order are
the same everywhere. JASPAR2016 is the release the DanQ paper used (519 CORE vertebrate motifs).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from danq.errors import DanqError

#: The release ``danq motifs`` compares against by default: a current one that every supported
#: pyjaspar (>= 3.0) ships. ``JASPAR2016`` reproduces the DanQ paper's database.
DEFAULT_RELEASE = "JASPAR2024"
#: The release the DanQ paper used for TOMTOM and for the DanQ-JASPAR initialisation.
PAPER_RELEASE = "JASPAR2016"


class JasparMotif(NamedTuple):
    """One JASPAR matrix: ``(matrix_id, name, pfm)``; ``pfm`` is (4, L) float64 counts, rows ACGT."""

    matrix_id: str
    name: str
    pfm: np.ndarray


def available_releases() -> list[str]:
    """The JASPAR releases the installed pyjaspar bundles, oldest first (e.g. ``JASPAR2016``)."""
    import pyjaspar

    return sorted(pyjaspar.jaspar_releases)


def normalise_release(release: str | int) -> str:
    """Accept ``"JASPAR2016"``, ``"jaspar2016"``, ``"2016"`` or ``2016``; return ``"JASPAR2016"``.

    Raises DanqError naming the releases this pyjaspar ships when the release is unknown.
    """
    text = str(release).strip()
    name = f"JASPAR{text}" if text.isdigit() else text.upper()
    known = available_releases()
    if name not in known:
        raise DanqError(f"--release {release}: unknown JASPAR release (available: {', '.join(known)})")
    return name


@functools.lru_cache(maxsize=8)
def _load_cached(release: str, collection: str, tax_group: str) -> tuple[JasparMotif, ...]:
    from pyjaspar import jaspardb

    database = jaspardb(release=release)
    fetched = database.fetch_motifs(collection=collection, tax_group=[tax_group])
    motifs = []
    for motif in fetched:
        pfm = np.array([motif.counts[letter] for letter in "ACGT"], dtype=np.float64)
        pfm.setflags(write=False)  # shared through the cache: nobody may change it
        motifs.append(JasparMotif(str(motif.matrix_id), str(motif.name), pfm))
    return tuple(motifs)


def load_jaspar(
    release: str | int = DEFAULT_RELEASE,
    collection: str = "CORE",
    tax_group: str = "vertebrates",
) -> list[JasparMotif]:
    """Every matrix of a JASPAR collection and taxonomic group (latest version of each ID).

    Parameters
    ----------
    release
        Release name or year (see :func:`normalise_release`); read from pyjaspar's bundled SQLite
        file, so nothing is downloaded.
    collection, tax_group
        JASPAR filters, e.g. ``"CORE"`` and ``"vertebrates"`` as in the DanQ paper.

    Returns
    -------
    list of JasparMotif
        ``(matrix_id, name, pfm)`` with ``pfm`` a read-only (4, L) count matrix in ACGT row
        order. Loaded once per process and release (JASPAR2026 takes seconds to read).
    """
    motifs = _load_cached(normalise_release(release), collection, tax_group)
    if not motifs:
        raise DanqError(
            f"JASPAR {release}: no motifs in collection {collection!r}, tax group {tax_group!r}"
        )
    return list(motifs)
