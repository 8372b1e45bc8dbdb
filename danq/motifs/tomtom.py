"""Motif-to-database comparison as the MEME suite's TOMTOM does it: named queries, trimming, tables.

The scores and statistics are :mod:`danq.motifs.scoring`'s (TOMTOM with Pearson column scores as
the DanQ paper ran it, or memelite's Euclidean TOMTOM); this module puts them behind one entry
point, :func:`match_motifs`, used by ``danq motifs`` and ``danq tomtom`` alike, and by
:func:`tomtom`, the same comparison for a notebook (``danq.tomtom``). E = p × number of database
motifs (or ``MatchSettings.database_size``, to compare with a run against a larger database);
q-values are Storey's, per query (see :mod:`danq.motifs.scoring`).

Low-information flanks are trimmed from each query before it is compared (a column is a flank
while its information content is below ``trim_bits``), and a query whose trimmed matrix holds
less than ``min_bits`` bits in total, or fewer than ``min_width`` columns, is reported as
``uninformative`` and not compared: a flat matrix has no motif to match.
:func:`danq.motifs.decoys.decoy_false_match_rate` measures what is left of false matches on
decoys of the queries' widths (columns shuffled, and matrices counted from background-only sites).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from danq.errors import DanqError
from danq.motifs.matrices import as_ppm, information_content, trim_bounds
from danq.motifs.scoring import DEFAULT_DIST, DEFAULT_MIN_OVERLAP, DISTANCES, compare

if TYPE_CHECKING:
    import pandas as pd

#: A flank column is trimmed while its information content is below this (bits): about the
#: information a uniform column shows by chance when counted from 10 sites (~2.16 / n bits).
DEFAULT_TRIM_BITS = 0.25
#: A trimmed query with less information than this (bits) is uninformative: not compared.
DEFAULT_MIN_BITS = 4.0
#: A trimmed query narrower than this is uninformative (TOMTOM would let it align anywhere).
DEFAULT_MIN_WIDTH = 4
DEFAULT_EVALUE = 0.01
DEFAULT_TOP = 5

STATUS_INFORMATIVE = "tested"
STATUS_UNINFORMATIVE = "uninformative"

MATCH_COLUMNS = [
    "rank", "target_id", "target_name", "p_value", "e_value", "q_value",
    "offset", "strand", "overlap", "score",
]


@dataclass(frozen=True)
class MatchSettings:
    """How queries are compared: distance, overlap, trimming, the E-value that counts as a match."""

    dist: str = DEFAULT_DIST
    min_overlap: int = DEFAULT_MIN_OVERLAP
    trim_bits: float = DEFAULT_TRIM_BITS
    min_bits: float = DEFAULT_MIN_BITS
    min_width: int = DEFAULT_MIN_WIDTH
    evalue_threshold: float = DEFAULT_EVALUE
    top: int = DEFAULT_TOP
    #: E = p × this; None: the number of database motifs searched. The DanQ paper's run searched
    #: about 1,748 (JASPAR CORE 2016 vertebrates + Jolma 2013 + UniPROBE mouse).
    database_size: int | None = None

    def evalue_factor(self, n_database: int) -> int:
        """What p is multiplied by to give E: ``database_size``, else the motifs searched."""
        return n_database if self.database_size is None else self.database_size

    def check(self) -> MatchSettings:
        """Raise DanqError for a setting out of range; return self."""
        if self.dist not in DISTANCES:
            raise DanqError(f"--dist {self.dist}: choose one of {', '.join(DISTANCES)}")
        if self.min_overlap < 1:
            raise DanqError(f"--min-overlap {self.min_overlap}: must be at least 1")
        if not 0 <= self.trim_bits <= 2:
            raise DanqError(f"--trim-bits {self.trim_bits}: must be in [0, 2]")
        if self.min_bits < 0:
            raise DanqError(f"--min-bits {self.min_bits}: must be >= 0")
        if self.min_width < 1:
            raise DanqError(f"--min-width {self.min_width}: must be at least 1")
        if self.evalue_threshold <= 0:
            raise DanqError(f"--evalue {self.evalue_threshold}: must be > 0")
        if self.top < 1:
            raise DanqError(f"--top-matches {self.top}: must be at least 1")
        if self.database_size is not None and self.database_size < 1:
            raise DanqError(f"--database-size {self.database_size}: must be at least 1")
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "dist": self.dist, "min_overlap": self.min_overlap, "trim_bits": self.trim_bits,
            "min_bits": self.min_bits, "min_width": self.min_width,
            "evalue_threshold": self.evalue_threshold, "top_matches": self.top,
            "database_size": self.database_size,
        }


@dataclass
class Database:
    """Named database motifs (e.g. JASPAR): ids, names and (4, L) probability matrices."""

    ids: list[str]
    names: list[str]
    ppms: list[np.ndarray]

    @classmethod
    def from_jaspar(cls, release: str | int) -> Database:
        """JASPAR CORE vertebrates of a release bundled with pyjaspar (nothing is downloaded)."""
        from danq.formats.jaspar import load_jaspar

        motifs = load_jaspar(release)
        return cls([m.matrix_id for m in motifs], [m.name for m in motifs],
                   [as_ppm(m.pfm, m.matrix_id) for m in motifs])

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class MatchResult:
    """What :func:`match_motifs` found: per-query rows and the best matches of each query."""

    queries: Any  # pandas.DataFrame, one row per query
    matches: Any  # pandas.DataFrame, the best ``top`` matches of every informative query
    n_database: int
    settings: MatchSettings


def trim_queries(
    queries: Mapping[str, np.ndarray], settings: MatchSettings
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Trim every query's flanks; return its row (bounds, bits, status) and the informative ones."""
    rows, informative = [], {}
    for name, matrix in queries.items():
        ppm = as_ppm(matrix, f"motif {name}")
        start, stop = trim_bounds(ppm, settings.trim_bits)
        bits = float(information_content(ppm[:, start:stop]).sum()) if stop > start else 0.0
        ok = bits >= settings.min_bits and stop - start >= settings.min_width
        rows.append({
            "width": ppm.shape[1], "trim_start": start, "trim_stop": stop,
            "trimmed_width": stop - start,
            "information_content": round(float(information_content(ppm).sum()), 4),
            "trimmed_information_content": round(bits, 4),
            "status": STATUS_INFORMATIVE if ok else STATUS_UNINFORMATIVE,
        })
        if ok:
            informative[name] = ppm[:, start:stop]
    return rows, informative


def match_motifs(
    queries: Mapping[str, np.ndarray],
    database: Database,
    settings: MatchSettings | None = None,
    *,
    name_column: str = "query",
    threads: int | None = None,
) -> MatchResult:
    """Trim, filter and compare every query to the database; tabulate the best matches.

    Parameters
    ----------
    queries
        ``{name: (4, k) matrix}`` (counts or probabilities, rows ACGT).
    database
        The motifs to compare against (:meth:`Database.from_jaspar`).
    settings
        Distance, overlap, trimming and match criterion (defaults: the DanQ paper's TOMTOM run
        plus trimming).
    name_column
        The name of the query column in both tables (``filter`` for ``danq motifs``).

    Returns
    -------
    MatchResult
        ``queries``: one row per query with its trimming, information content, status, best
        match, p/E/q and ``matched`` (best E below the threshold). ``matches``: the best
        ``top`` database motifs per informative query (rank 1 = lowest p), ``offset`` in the
        untrimmed query's columns (target column − query column).
    """
    import pandas as pd

    settings = (settings or MatchSettings()).check()
    if not len(database):
        raise DanqError("no database motifs to compare against")
    rows, trimmed = trim_queries(queries, settings)
    result = (
        compare(list(trimmed.values()), database.ppms, settings.dist, settings.min_overlap, threads)
        if trimmed else None
    )
    match_rows = []
    best: dict[str, dict[str, Any]] = {}
    starts = {name: row["trim_start"] for name, row in zip(queries, rows, strict=True)}
    for i, name in enumerate(trimmed):
        p = result["p_value"][i]
        order = np.lexsort((-result["score"][i], p))[: settings.top]
        for rank, j in enumerate(order, start=1):
            row = {
                name_column: name, "rank": rank, "target_id": database.ids[j],
                "target_name": database.names[j], "p_value": float(p[j]),
                "e_value": float(p[j] * settings.evalue_factor(len(database))), "q_value": float(result["q_value"][i, j]),
                "offset": int(result["offset"][i, j]) - starts[name],
                "strand": str(result["strand"][i, j]), "overlap": int(result["overlap"][i, j]),
                "score": float(result["score"][i, j]),
            }
            match_rows.append(row)
            if rank == 1:
                best[name] = row
    table = []
    for name, row in zip(queries, rows, strict=True):
        hit = best.get(name)
        entry = {name_column: name, **row}
        for key in ("target_id", "target_name"):
            entry[f"best_{key}"] = hit[key] if hit else None
        for key in ("p_value", "e_value", "q_value", "offset", "strand", "overlap"):
            entry[key] = hit[key] if hit else None
        entry["matched"] = bool(hit is not None and hit["e_value"] < settings.evalue_threshold)
        table.append(entry)
    return MatchResult(
        pd.DataFrame(table),
        pd.DataFrame(match_rows, columns=[name_column, *MATCH_COLUMNS]),
        len(database), settings,
    )


def tomtom(
    motifs: str | os.PathLike[str] | Mapping[str, np.ndarray],
    database: Database | None = None,
    *,
    release: str | int | None = None,
    settings: MatchSettings | None = None,
    top: int | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Compare motifs with JASPAR CORE vertebrates (or another database) as ``danq tomtom`` does.

    A thin wrapper of :func:`match_motifs` for a notebook: the same trimming, information filter
    and TOMTOM statistics (Pearson column scores, min overlap 5, E = p × database size, q per
    motif), returning the table ``danq tomtom`` writes as ``tomtom.tsv``.

    Parameters
    ----------
    motifs
        A MEME motif file (path), or a mapping ``{name: matrix}`` of (4, w) probability or
        count matrices, rows in ACGT order (counts are normalised per column).
    database
        The motifs to compare against; default JASPAR CORE vertebrates of ``release``.
    release
        A JASPAR release bundled with pyjaspar (nothing is downloaded), e.g. ``"JASPAR2016"``
        (the DanQ paper's database); default ``JASPAR2024``, as ``danq tomtom``. Not with
        ``database``.
    settings
        Distance, overlap, trimming and match criterion (:class:`MatchSettings`; default: the
        DanQ paper's TOMTOM run, flanks trimmed).
    top
        Matches to keep per motif, lowest p-value first; overrides ``settings.top`` (5).
    threads
        CPU threads for memelite's Euclidean TOMTOM (``settings.dist == "euclidean"``).

    Returns
    -------
    pandas.DataFrame
        The best ``top`` matches of every informative motif (uninformative ones are left out):
        columns ``query, rank, target_id, target_name, p_value, e_value, q_value, offset,
        strand, overlap, score``; ``rank`` 1 is the best match, ``offset`` is target column −
        query column (on the target's reverse complement when ``strand`` is ``-``).

    Examples
    --------
    A made-up motif against a two-motif database (its reverse complement matches the first):

    >>> import numpy as np
    >>> from danq.motifs.tomtom import Database, tomtom
    >>> def word(letters):  # a (4, w) matrix with probability 1 on each letter
    ...     return np.eye(4)[:, ["ACGT".index(c) for c in letters]]
    >>> database = Database(ids=["MA1", "MA2"], names=["GATA-like", "E-box"],
    ...                     ppms=[word("AGATAAGGC"), word("CACGTG")])
    >>> hits = tomtom({"mine": word("TTATCT")}, database, top=1)
    >>> hits[["query", "target_id", "strand", "offset", "overlap"]]
      query target_id strand  offset  overlap
    0  mine       MA1      -       3        6
    >>> bool(hits.loc[0, "e_value"] < 0.01)
    True
    """
    if database is not None and release is not None:
        raise DanqError("give a database or a JASPAR release, not both")
    if isinstance(motifs, (str, os.PathLike)):
        from danq.motifs.meme import read_meme

        queries = {m.name: m.ppm for m in read_meme(motifs)}
    else:
        queries = dict(motifs)
    if database is None:
        from danq.formats.jaspar import DEFAULT_RELEASE

        database = Database.from_jaspar(DEFAULT_RELEASE if release is None else release)
    if top is not None:
        settings = replace(settings or MatchSettings(), top=top)
    return match_motifs(queries, database, settings, threads=threads).matches
