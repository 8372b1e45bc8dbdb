"""The ``danq motifs`` and ``danq tomtom`` stages: orchestration and the tables they write.

:func:`run_motifs` turns every first-layer filter of a model into a motif
(:mod:`danq.motifs.filters`), compares those with enough sites to JASPAR CORE vertebrates with
TOMTOM as the DanQ paper ran it (:mod:`danq.motifs.tomtom`: flanks below 0.25 bit trimmed,
filters with too little information left reported as ``uninformative``, Pearson column scores,
min overlap 5; filters with fewer than ``min_sites`` sites are listed with the status
``too_few_sites`` (or ``no_sites``) instead of being dropped silently) and draws logos
(:mod:`danq.motifs.logos`). It writes one output directory (atomically: it appears complete or
not at all)::

    motifs.meme        every filter with at least one site (MEME version 4, with nsites)
    filters.tsv        one row per filter: sites, information content, status, best match, p/E/q
    tomtom.tsv         the best ``top_matches`` JASPAR matches of every tested filter
    summary.json       counts (filters with sites, uninformative, tested, matched at E < 0.01 and
                       at q < 0.05), the matching settings, the decoy false-match rates, the
                       JASPAR release and its size, the threshold, the number of sequences
    logos/filter_NNN.png   a matched filter's logo above its best JASPAR motif, aligned
    logos_overview.png     the best matches (by p-value) on one page

TOMTOM statistics (see :mod:`danq.motifs.scoring`): E = p × number of database motifs; q-values
are computed per filter over that filter's comparisons, as MEME does. A filter *matches* when its
best E-value is below 0.01 (the DanQ paper's criterion: 163 of 320 DanQ filters).
``summary.json`` also reports the false-match rate of that criterion on decoys of the tested
filters (columns shuffled; matrices counted from background-only sites), ``decoys``
(:mod:`danq.motifs.decoys`).

:func:`run_tomtom` compares the motifs of any MEME file the same way and writes ``tomtom.tsv``,
``queries.tsv`` and ``summary.json``.

When ``--dist euclidean`` selects memelite's TOMTOM, memelite compiles its kernels with numba
(about a minute) on first use and caches the machine code on disk; :func:`danq.runtime.configure_numba_cache`
makes sure that cache lands somewhere writable.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.formats.jaspar import DEFAULT_RELEASE, normalise_release
from danq.io import atomic_directory
from danq.motifs.decoys import decoy_false_match_rate
from danq.motifs.filters import DEFAULT_BATCH_SIZE, FilterMotif, extract_motifs, model_first_conv
from danq.motifs.logos import write_logos
from danq.motifs.meme import read_meme, write_meme
from danq.motifs.tomtom import (
    MATCH_COLUMNS,
    STATUS_INFORMATIVE,
    STATUS_UNINFORMATIVE,
    Database,
    MatchSettings,
    match_motifs,
)

DEFAULT_MAX_SEQUENCES = 20_000
DEFAULT_MIN_SITES = 10
DEFAULT_TOP_MATCHES = 5
EVALUE_THRESHOLD = 0.01
QVALUE_THRESHOLD = 0.05

STATUS_TESTED = "tested"
STATUS_TOO_FEW = "too_few_sites"
STATUS_NO_SITES = "no_sites"

TOMTOM_COLUMNS = ["filter", *MATCH_COLUMNS]


# --------------------------------------------------------------------------------------------
# `danq motifs`


def filter_table(
    motifs: Sequence[FilterMotif], compared: Any, min_sites: int, evalue_threshold: float
) -> Any:
    """One row per filter: sites, information content, trimming, status and its best match.

    ``compared`` is the ``queries`` table of :func:`danq.motifs.tomtom.match_motifs` for the filters
    with at least ``min_sites`` sites (column ``filter`` = the filter's name). Status: ``no_sites``,
    ``too_few_sites``, ``uninformative`` (too little information after trimming: not compared)
    or ``tested``.
    """
    import pandas as pd

    by_name = compared.set_index("filter") if len(compared) else None
    rows = []
    for motif in motifs:
        status = (
            STATUS_NO_SITES if motif.nsites == 0
            else STATUS_TOO_FEW if motif.nsites < min_sites else STATUS_TESTED
        )
        row: dict[str, Any] = {
            "filter": motif.index, "name": motif.name, "nsites": motif.nsites,
            "max_activation": motif.max_activation, "site_threshold": motif.site_threshold,
            "information_content": round(motif.information_content, 4), "status": status,
        }
        hit = by_name.loc[motif.name] if by_name is not None and motif.name in by_name.index else None
        if hit is not None:
            row["status"] = hit["status"]
        for column in ("trim_start", "trim_stop", "trimmed_information_content",
                       "best_target_id", "best_target_name", "p_value", "e_value", "q_value",
                       "offset", "strand", "overlap"):
            row[column] = hit[column] if hit is not None else None
        e_value = row["e_value"]
        row["matched"] = bool(e_value is not None and float(e_value) < evalue_threshold)
        rows.append(row)
    return pd.DataFrame(rows)


def check_motif_options(
    evalue_threshold: float, threshold_fraction: float | None, max_sequences: int,
    top_matches: int,
) -> None:
    """Reject option values that cannot select anything, before the model or data are read."""
    if not evalue_threshold > 0:
        raise DanqError(f"--evalue {evalue_threshold:g}: must be positive (the paper's 0.01)")
    if threshold_fraction is not None and not 0 < threshold_fraction <= 1:
        raise DanqError(f"--threshold-fraction {threshold_fraction:g}: must be in (0, 1]")
    if max_sequences < 1:
        raise DanqError(f"--max-sequences {max_sequences}: must be at least 1")
    if top_matches < 1:
        raise DanqError(f"--top-matches {top_matches}: must be at least 1")


def run_motifs(
    model_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    threshold: float = 0.0,
    threshold_fraction: float | None = None,
    max_sequences: int = DEFAULT_MAX_SEQUENCES,
    min_sites: int = DEFAULT_MIN_SITES,
    release: str = DEFAULT_RELEASE,
    top_matches: int = DEFAULT_TOP_MATCHES,
    evalue_threshold: float = EVALUE_THRESHOLD,
    match_settings: MatchSettings | None = None,
    decoys: bool = True,
    positives_of: str | None = None,
    logos: bool = True,
    planted: Collection[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: str = "auto",
    precision: str = "fp32",
    threads: int | None = None,
    progress: bool | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """``danq motifs``: extract, write, compare and draw every first-layer filter's motif.

    ``match_settings`` (distance, trimming, information filter; default Pearson TOMTOM as the
    paper ran it, flanks trimmed) is shared with ``danq tomtom``; ``top_matches`` and
    ``evalue_threshold`` override its ``top`` and ``evalue_threshold``. With ``decoys`` the
    summary also reports the false-match rate of the same criterion on shuffled-column and
    background-only decoys of the tested filters (:func:`danq.motifs.decoys.decoy_false_match_rate`).
    ``planted``: JASPAR IDs planted by ``danq simulate``; logos of matches to them are marked.
    ``device``, ``precision`` (the filter scan's autocast; fp32 by default), ``threads`` and
    ``progress`` are resolved once (:meth:`danq.runtime.InferenceSettings.resolve`).

    Returns the summary written to ``summary.json`` (see the module docstring for the files).
    """
    from danq.formats.sources import sample_tokens
    from danq.io import require_file
    from danq.models.checkpoint import load_model
    from danq.runtime import ALL_CPUS, InferenceSettings

    if min_sites < 1:
        raise DanqError(f"--min-sites {min_sites}: must be at least 1")
    if batch_size < 1:
        raise DanqError(f"--batch-size {batch_size}: must be at least 1")
    check_motif_options(evalue_threshold, threshold_fraction, max_sequences, top_matches)
    settings = replace(match_settings or MatchSettings(), top=top_matches,
                       evalue_threshold=evalue_threshold).check()
    release = normalise_release(release)
    # filters are scanned in ``precision`` (fp32 unless asked: the sites are thresholded
    # activations); threads None means all CPUs here (torch and TOMTOM share them)
    runtime = InferenceSettings.resolve(device, precision,
                                        ALL_CPUS if threads is None else threads, progress)
    n_threads = runtime.threads
    model_file = require_file(model_path, "model checkpoint")
    model = load_model(model_file)
    conv = model_first_conv(model, model_file)
    width = int(conv.weight.shape[-1])
    tokens = sample_tokens(
        data_path, sequence_length=model.info.sequence_length, min_length=width,
        max_sequences=max_sequences, positives_of=positives_of, seed=seed,
    )
    started = time.monotonic()
    # a bar by default only for a long scan; --progress/--no-progress decides otherwise
    show = runtime.progress and (progress is not None or len(tokens) > 20 * batch_size)
    with runtime.autocast():
        motifs = extract_motifs(
            conv, tokens, alphabet=model.info.alphabet, threshold=threshold,
            threshold_fraction=threshold_fraction, batch_size=batch_size, device=runtime.device,
            progress=show,
        )
    scan_seconds = time.monotonic() - started
    tested = {m.name: m.ppm for m in motifs if m.nsites >= min_sites}
    database = Database.from_jaspar(release)
    result = match_motifs(tested, database, settings, name_column="filter", threads=n_threads)
    matches = result.matches
    table = filter_table(motifs, result.queries, min_sites, evalue_threshold)
    summary = {
        "model": str(model_file), "data": str(data_path), "arch": model.info.arch,
        "n_sequences": int(len(tokens)), "sequence_length": int(tokens.shape[1]),
        "n_filters": len(motifs), "kernel_width": width,
        "threshold": threshold, "threshold_fraction": threshold_fraction,
        "positives_of": positives_of, "min_sites": min_sites,
        "n_with_sites": int(sum(m.nsites > 0 for m in motifs)),
        "n_too_few_sites": int((table["status"] == STATUS_TOO_FEW).sum()),
        "n_no_sites": int((table["status"] == STATUS_NO_SITES).sum()),
        "n_uninformative": int((table["status"] == STATUS_UNINFORMATIVE).sum()),
        "n_tested": int((table["status"] == STATUS_TESTED).sum()),
        "release": release, "collection": "CORE", "tax_group": "vertebrates",
        "n_database_motifs": len(database), **settings.as_dict(),
        "qvalue_threshold": QVALUE_THRESHOLD,
        "n_matched_evalue": int(table["matched"].sum()),
        "n_matched_qvalue": int((table["q_value"].astype(float) < QVALUE_THRESHOLD).sum()),
        "n_distinct_jaspar_matched": int(
            table.loc[table["matched"], "best_target_id"].nunique()
        ),
        "scan_seconds": round(scan_seconds, 2),
    }
    if decoys:
        summary["decoys"] = decoy_false_match_rate(
            tested, {m.name: m.nsites for m in motifs}, database, settings, seed=seed,
            threads=n_threads,
        )
    with atomic_directory(outdir) as tmp:
        write_meme(tmp / "motifs.meme", [(m.name, m.ppm, m.nsites) for m in motifs if m.nsites])
        table.to_csv(tmp / "filters.tsv", sep="\t", index=False, float_format="%.6g")
        matches.to_csv(tmp / "tomtom.tsv", sep="\t", index=False, float_format="%.6g")
        if logos:
            write_logos(tmp, motifs, table, matches, release, planted)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# --------------------------------------------------------------------------------------------
# `danq tomtom`


def run_tomtom(
    meme_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    release: str | None = None,
    settings: MatchSettings | None = None,
    decoys: bool = True,
    seed: int = 0,
    threads: int | None = None,
) -> dict[str, Any]:
    """``danq tomtom``: compare a MEME file's motifs to JASPAR CORE vertebrates.

    Writes (atomically) ``tomtom.tsv`` (the best matches per query, the columns of ``danq
    motifs``' tomtom.tsv with ``query`` for ``filter``), ``queries.tsv`` (one row per motif:
    trimming, information, status, best match, ``matched``) and ``summary.json`` (counts, the
    settings, and the decoy false-match rate). Returns the summary.
    """
    settings = (settings or MatchSettings()).check()
    release = normalise_release(release or DEFAULT_RELEASE)
    out = Path(outdir).resolve()
    if out in Path(meme_path).resolve().parents:
        raise DanqError(f"{meme_path}: lies inside the output directory {outdir}, where "
                        "the outputs are written; choose another -o")
    motifs = read_meme(meme_path)
    database = Database.from_jaspar(release)
    queries = {m.name: m.ppm for m in motifs}
    result = match_motifs(queries, database, settings, threads=threads)
    table = result.queries
    summary: dict[str, Any] = {
        "motifs": str(meme_path), "n_motifs": len(motifs),
        "n_informative": int((table["status"] == STATUS_INFORMATIVE).sum()),
        "n_uninformative": int((table["status"] == STATUS_UNINFORMATIVE).sum()),
        "n_matched": int(table["matched"].sum()),
        "n_distinct_targets_matched": int(table.loc[table["matched"], "best_target_id"].nunique()),
        "release": release, "collection": "CORE", "tax_group": "vertebrates",
        "n_database_motifs": len(database), **settings.as_dict(),
    }
    if decoys:
        nsites = {m.name: m.nsites for m in motifs}
        summary["decoys"] = decoy_false_match_rate(
            queries, nsites, database, settings, seed=seed, threads=threads)
    with atomic_directory(outdir) as tmp:
        result.matches.to_csv(Path(tmp) / "tomtom.tsv", sep="\t", index=False, float_format="%.6g")
        table.to_csv(Path(tmp) / "queries.tsv", sep="\t", index=False, float_format="%.6g")
        (Path(tmp) / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
