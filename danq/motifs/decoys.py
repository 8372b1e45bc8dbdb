"""Decoys: how often does a motif-free matrix "match"? The false-match rate of the criterion.

``danq motifs`` and ``danq tomtom`` report, beside their matches, the share of decoys of the
tested motifs that pass the same criterion (best E below the threshold): one decoy per motif
with its columns shuffled (same columns and information, no motif) and one counted from as many
uniform-background sites (what a filter without a motif would give).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from danq.motifs.matrices import as_ppm
from danq.motifs.tomtom import STATUS_INFORMATIVE, Database, MatchSettings, match_motifs

#: Sites per column of a background decoy when a query's site count is unknown.
DEFAULT_DECOY_SITES = 100
DECOY_KINDS = ("shuffled", "background")


def shuffled_decoy(ppm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The matrix with its columns in random order: same columns and information, no motif."""
    return np.asarray(ppm)[:, rng.permutation(ppm.shape[1])]


def background_decoy(width: int, nsites: int, rng: np.random.Generator) -> np.ndarray:
    """A matrix counted from ``nsites`` uniform-background sites: what a filter without a motif
    would give from the same number of sites (near flat when ``nsites`` is large)."""
    counts = rng.multinomial(max(1, int(nsites)), [0.25] * 4, size=width).T
    return counts / counts.sum(axis=0, keepdims=True)


def make_decoys(
    queries: Mapping[str, np.ndarray], nsites: Mapping[str, int], seed: int = 0,
) -> dict[str, dict[str, np.ndarray]]:
    """One shuffled-column and one background-only decoy per query, of the query's width."""
    rng = np.random.default_rng(seed)
    decoys: dict[str, dict[str, np.ndarray]] = {kind: {} for kind in DECOY_KINDS}
    for name, matrix in queries.items():
        ppm = as_ppm(matrix, f"motif {name}")
        sites = int(nsites.get(name) or DEFAULT_DECOY_SITES)
        decoys["shuffled"][f"{name}~shuffled"] = shuffled_decoy(ppm, rng)
        decoys["background"][f"{name}~background"] = background_decoy(ppm.shape[1], sites, rng)
    return decoys


def decoy_false_match_rate(
    queries: Mapping[str, np.ndarray],
    nsites: Mapping[str, int],
    database: Database,
    settings: MatchSettings | None = None,
    *,
    seed: int = 0,
    threads: int | None = None,
) -> dict[str, Any]:
    """Run decoys of the queries through :func:`match_motifs`; count how many "match".

    Returns, per decoy kind and overall: ``n`` decoys, ``n_informative`` (passed trimming and
    the information filter), ``n_matched`` (best E below the threshold) and ``rate`` =
    n_matched / n, the false-match rate of the criterion on motif-free matrices.
    """
    settings = (settings or MatchSettings()).check()
    summary: dict[str, Any] = {"seed": seed}
    total = {"n": 0, "n_informative": 0, "n_matched": 0}
    for kind, decoys in make_decoys(queries, nsites, seed).items():
        table = match_motifs(decoys, database, settings, threads=threads).queries
        counts = {
            "n": len(table),
            "n_informative": int((table["status"] == STATUS_INFORMATIVE).sum()) if len(table) else 0,
            "n_matched": int(table["matched"].sum()) if len(table) else 0,
        }
        counts["rate"] = counts["n_matched"] / counts["n"] if counts["n"] else None
        summary[kind] = counts
        for key in total:
            total[key] += counts[key]
    total["rate"] = total["n_matched"] / total["n"] if total["n"] else None
    summary["all"] = total
    return summary
