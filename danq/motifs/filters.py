"""First-layer filters as sequence motifs, matched to JASPAR with TOMTOM (DanQ's method).

For every first-layer convolution filter of a trained model:

1. scan a set of sequences; keep each sequence's maximum activation and its position
   (:func:`filter_activations`, in batches, so memory holds (N, F) maxima, never (N, F, L));
2. where that maximum passes the threshold, take the kernel-wide subsequence at that position and
   count it into a position frequency matrix (:func:`site_counts`). The threshold is DanQ's
   ``activation > 0`` by default (the ReLU output is positive), or ``activation > fraction × the
   filter's maximum over the set`` (the stricter rule others used, e.g. 0.5);
3. turn counts into probabilities and information content (:func:`pfm_to_ppm`,
   :func:`information_content`) and write them all in MEME format (:func:`write_meme`);
4. compare every filter with at least ``min_sites`` sites to JASPAR CORE vertebrates with
   TOMTOM as the DanQ paper ran it (:mod:`danq.motifs.tomtom`, shared with ``danq tomtom``): flanks
   below 0.25 bit trimmed, filters with too little information left reported as
   ``uninformative``, Pearson column scores, min overlap 5; filters with fewer sites are listed
   with the status ``too_few_sites`` (or ``no_sites``) instead of being dropped silently;
5. draw information-content logos with logomaker for the matched filters (:func:`plot_match_logo`,
   :func:`plot_overview`).

:func:`run_motifs` ties these together for ``danq motifs`` and writes one output directory
(atomically: it appears complete or not at all)::

    motifs.meme        every filter with at least one site (MEME version 4, with nsites)
    filters.tsv        one row per filter: sites, information content, status, best match, p/E/q
    tomtom.tsv         the best ``top_matches`` JASPAR matches of every tested filter
    summary.json       counts (filters with sites, uninformative, tested, matched at E < 0.01 and
                       at q < 0.05), the matching settings, the decoy false-match rates, the
                       JASPAR release and its size, the threshold, the number of sequences
    logos/filter_NNN.png   a matched filter's logo above its best JASPAR motif, aligned
    logos_overview.png     the best matches (by p-value) on one page

TOMTOM statistics (see :mod:`danq.motifs.tomtom`): E = p × number of database motifs; q-values are
computed per filter over that filter's comparisons, as MEME does. A filter *matches* when its best
E-value is below 0.01 (the DanQ paper's criterion: 163 of 320 DanQ filters). ``summary.json``
also reports the false-match rate of that criterion on decoys of the tested filters (columns
shuffled; matrices counted from background-only sites), ``decoys``.

When ``--dist euclidean`` selects memelite's TOMTOM, memelite compiles its kernels with numba
(about a minute) on first use and caches the machine code on disk; :func:`danq.runtime.configure_numba_cache`
makes sure that cache lands somewhere writable.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.formats.jaspar import DEFAULT_RELEASE, load_jaspar, normalise_release
from danq.io import atomic_directory
from danq.io.plotting import pyplot, save_figure
from danq.motifs.tomtom import (  # noqa: F401  (benjamini_hochberg: part of this module's API)
    MATCH_COLUMNS,
    STATUS_UNINFORMATIVE,
    Database,
    MatchSettings,
    benjamini_hochberg,
    decoy_false_match_rate,
    information_content,
    match_motifs,
)

ACGT = "ACGT"

DEFAULT_MAX_SEQUENCES = 20_000
DEFAULT_MIN_SITES = 10
DEFAULT_TOP_MATCHES = 5
DEFAULT_BATCH_SIZE = 256
EVALUE_THRESHOLD = 0.01
QVALUE_THRESHOLD = 0.05
OVERVIEW_ROWS = 12

STATUS_TESTED = "tested"
STATUS_TOO_FEW = "too_few_sites"
STATUS_NO_SITES = "no_sites"

TOMTOM_COLUMNS = ["filter", *MATCH_COLUMNS]


# --------------------------------------------------------------------------------------------
# Scanning: maxima, sites, matrices


def conv_weights(conv: Any, alphabet: str = ACGT) -> tuple[Any, Any]:
    """Return ``(weight (F, 4, k), bias (F,))`` of a first-layer Conv1d, channels reordered to ACGT.

    ``alphabet`` is the letter order of the convolution's input channels (the model's training
    alphabet). The padding and stride of the layer are ignored on purpose: a motif is the window
    where the whole kernel lies on the sequence, scanned at every position.
    """
    import torch
    from torch import nn

    if not isinstance(conv, nn.Conv1d):
        raise DanqError(f"expected a first-layer nn.Conv1d, got {type(conv).__name__}")
    if conv.in_channels != 4 or conv.groups != 1:
        raise DanqError(
            f"first-layer convolution has {conv.in_channels} input channels in "
            f"{conv.groups} group(s); a DNA filter needs 4 in one group"
        )
    if conv.dilation[0] != 1:
        raise DanqError(f"first-layer convolution is dilated ({conv.dilation[0]}); not supported")
    alphabet = alphabet.upper()
    if sorted(alphabet) != sorted(ACGT):
        raise DanqError(f"model alphabet {alphabet!r} is not a permutation of ACGT")
    order = [alphabet.index(letter) for letter in ACGT]
    weight = conv.weight.detach()[:, order, :].float()
    bias = conv.bias.detach().float() if conv.bias is not None else torch.zeros(weight.shape[0])
    return weight, bias


def model_first_conv(model: Any, source: str | os.PathLike[str] = "model") -> Any:
    """The model's first-layer ``nn.Conv1d`` (4 input channels); DanqError naming ``source`` if none."""
    from danq.models import first_conv

    try:
        return first_conv(model)
    except DanqError as exc:
        raise DanqError(f"{source}: {exc}") from None


def _as_one_hot(batch: np.ndarray) -> np.ndarray:
    from danq.encoders import tokens_to_one_hot

    return tokens_to_one_hot(batch) if batch.ndim == 2 else np.asarray(batch, dtype=np.float32)


def filter_activations(
    conv: Any,
    x: np.ndarray,
    *,
    alphabet: str = ACGT,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "cpu",
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sequence's maximum activation of every filter, and where it is.

    Parameters
    ----------
    conv
        The first-layer ``nn.Conv1d`` (4 input channels in ``alphabet`` order).
    x
        Sequences as tokens ``(N, L)`` uint8 (A,C,G,T = 0..3, N = 4) or one-hot ``(N, 4, L)``
        in ACGT order. Scanned ``batch_size`` at a time.

    Returns
    -------
    max_values : (N, F) float32
        The convolution output (bias included, before the ReLU) at its best position; ``> 0``
        here is the same as ``> 0`` after the ReLU.
    positions : (N, F) int32
        The start of that best window (0 ≤ position ≤ L − k).
    """
    import torch
    import torch.nn.functional as F

    weight, bias = conv_weights(conv, alphabet)
    n_filters, _, width = weight.shape
    x = np.asarray(x)
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[1] != 4):
        raise DanqError(f"sequences must be tokens (N, L) or one-hot (N, 4, L), got {x.shape}")
    if x.shape[0] == 0:
        raise DanqError("no sequences to scan")
    length = x.shape[-1]
    if length < width:
        raise DanqError(
            f"sequences are {length} bp, shorter than the first-layer kernel ({width} bp)"
        )
    device = torch.device(device)
    weight, bias = weight.to(device), bias.to(device)
    n = x.shape[0]
    max_values = np.empty((n, n_filters), dtype=np.float32)
    positions = np.empty((n, n_filters), dtype=np.int32)
    starts = range(0, n, batch_size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="scanning filters", unit="batch", leave=False)
    with torch.no_grad():
        for start in starts:
            stop = min(start + batch_size, n)
            batch = torch.from_numpy(_as_one_hot(x[start:stop])).to(device)
            best, where = F.conv1d(batch, weight, bias).max(dim=2)
            max_values[start:stop] = best.cpu().numpy()
            positions[start:stop] = where.cpu().numpy()
    return max_values, positions


def site_thresholds(
    max_values: np.ndarray, threshold: float = 0.0, fraction: float | None = None
) -> np.ndarray:
    """Per-filter activation a site must exceed (strictly).

    ``fraction`` None: every filter uses ``threshold`` (DanQ: 0). Otherwise filter f uses
    ``max(threshold, fraction × its maximum activation over all sequences)``.
    """
    if threshold < 0:
        raise DanqError(f"--threshold {threshold}: must be >= 0 (activations pass a ReLU)")
    n_filters = max_values.shape[1]
    if fraction is None:
        return np.full(n_filters, float(threshold))
    if not 0.0 <= fraction < 1.0:
        raise DanqError(f"--threshold-fraction {fraction}: must be in [0, 1)")
    overall_max = max_values.max(axis=0).astype(np.float64)
    return np.maximum(float(threshold), fraction * overall_max)


def site_counts(
    tokens: np.ndarray,
    max_values: np.ndarray,
    positions: np.ndarray,
    kernel_width: int,
    thresholds: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Count the kernel-wide windows at each passing maximum into position frequency matrices.

    Parameters
    ----------
    tokens
        ``(N, L)`` uint8 sequences (A,C,G,T = 0..3, N = 4), the ones :func:`filter_activations`
        scanned. An ``N`` inside a window adds nothing to its column.
    max_values, positions
        ``(N, F)`` output of :func:`filter_activations`.
    thresholds
        A scalar or ``(F,)``; sequence i is a site of filter f when ``max_values[i, f] > thr[f]``.

    Returns
    -------
    pfms : (F, 4, k) float64
        Counts, rows ACGT.
    nsites : (F,) int64
        Number of sequences that passed (one site at most per sequence, as in DanQ).
    """
    tokens = np.asarray(tokens, dtype=np.uint8)
    n_seq, n_filters = max_values.shape
    if tokens.shape[0] != n_seq:
        raise DanqError(f"{tokens.shape[0]} sequences but activations for {n_seq}")
    thr = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (n_filters,))
    columns = np.arange(kernel_width)
    pfms = np.zeros((n_filters, 4, kernel_width), dtype=np.float64)
    nsites = np.zeros(n_filters, dtype=np.int64)
    for f in range(n_filters):
        rows = np.flatnonzero(max_values[:, f] > thr[f])
        nsites[f] = rows.size
        if rows.size == 0:
            continue
        windows = tokens[rows[:, None], positions[rows, f][:, None] + columns].astype(np.int64)
        flat = np.bincount((windows * kernel_width + columns).ravel(), minlength=5 * kernel_width)
        pfms[f] = flat.reshape(5, kernel_width)[:4]
    return pfms, nsites


def pfm_to_ppm(pfm: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """Counts (…, 4, k) to probabilities per column; a column without counts becomes uniform."""
    counts = np.asarray(pfm, dtype=np.float64) + pseudocount
    totals = counts.sum(axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ppm = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.25)
    return ppm


@dataclass
class FilterMotif:
    """One filter's motif: ``pfm`` (4, k) counts in ACGT order from ``nsites`` sequences."""

    index: int
    pfm: np.ndarray
    nsites: int
    max_activation: float = float("nan")
    site_threshold: float = 0.0

    @property
    def name(self) -> str:
        return filter_name(self.index)

    @property
    def ppm(self) -> np.ndarray:
        return pfm_to_ppm(self.pfm)

    @property
    def information_content(self) -> float:
        """Total information content in bits (0 for a filter without sites)."""
        return float(information_content(self.ppm).sum()) if self.nsites else 0.0


def filter_name(index: int) -> str:
    """The motif name of filter ``index``: ``filter_007`` (sorts in filter order up to 999)."""
    return f"filter_{index:03d}"


def write_meme(path: str | os.PathLike[str], motifs: Sequence[tuple[str, np.ndarray, int]]) -> None:
    """Write ``(name, ppm (4, k), nsites)`` motifs as a MEME version 4 text file (atomically).

    Readable by the MEME suite (tomtom, meme2images) and by ``memelite.io.read_meme``. The
    background is uniform, as for the TOMTOM comparison.
    """
    from danq.io import atomic_path

    lines = [
        "MEME version 4", "", f"ALPHABET= {ACGT}", "", "strands: + -", "",
        "Background letter frequencies", "A 0.25 C 0.25 G 0.25 T 0.25", "",
    ]
    for name, ppm, nsites in motifs:
        ppm = np.asarray(ppm, dtype=np.float64)
        if ppm.ndim != 2 or ppm.shape[0] != 4:
            raise DanqError(f"motif {name}: expected a (4, k) matrix, got {ppm.shape}")
        lines.append(f"MOTIF {name}")
        lines.append(f"letter-probability matrix: alength= 4 w= {ppm.shape[1]} nsites= {nsites} E= 0")
        lines.extend(" ".join(f"{value:.6f}" for value in column) for column in ppm.T)
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------------------------
# TOMTOM against JASPAR (the comparison itself lives in danq.motifs.tomtom, shared with `danq tomtom`)


def tomtom_against_jaspar(
    queries: Mapping[str, np.ndarray],
    release: str = DEFAULT_RELEASE,
    *,
    top: int = DEFAULT_TOP_MATCHES,
    threads: int | None = None,
    settings: MatchSettings | None = None,
) -> tuple[Any, int]:
    """Compare probability matrices to JASPAR CORE vertebrates; return each query's best matches.

    Parameters
    ----------
    queries
        ``{name: ppm (4, k)}`` in ACGT order.
    release
        A pyjaspar release (``JASPAR2016`` reproduces the DanQ paper's database).
    top
        How many matches (lowest p-value first) to keep per query.
    settings
        Distance, trimming and information filter (:class:`danq.motifs.tomtom.MatchSettings`; default:
        Pearson TOMTOM, min overlap 5, flanks trimmed); ``top`` overrides its ``top``.

    Returns
    -------
    matches : pandas.DataFrame
        Columns ``filter, rank, target_id, target_name, p_value, e_value, q_value, offset,
        strand, overlap, score`` for every informative query; ``rank`` 1 is the best match.
        E = p × database size; q per query (see :mod:`danq.motifs.tomtom`).
    n_database : int
        Number of JASPAR motifs compared against.
    """
    settings = replace(settings or MatchSettings(), top=top).check()
    database = Database.from_jaspar(release)
    result = match_motifs(queries, database, settings, name_column="filter", threads=threads)
    return result.matches, len(database)


# --------------------------------------------------------------------------------------------
# Logos


def _logo_frame(ppm: np.ndarray, start: int = 0) -> Any:
    """Information-content letter heights as a DataFrame indexed by x position."""
    import pandas as pd

    heights = ppm * information_content(ppm)[None, :]
    return pd.DataFrame(heights.T, columns=list(ACGT), index=np.arange(start, start + ppm.shape[1]))


def _draw_logo(ax: Any, ppm: np.ndarray, start: int, title: str, xlim: tuple[float, float]) -> None:
    import logomaker

    logomaker.Logo(_logo_frame(ppm, start), ax=ax, color_scheme="classic")
    from matplotlib.ticker import MaxNLocator

    ax.set_xlim(*xlim)
    ax.set_ylim(0, 2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("bits")
    ax.set_title(title, fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)


def _aligned_target(match: Mapping[str, Any], target_pfm: np.ndarray) -> tuple[np.ndarray, int]:
    """The JASPAR motif as TOMTOM aligned it (reverse-complemented on ``-``) and its x start."""
    ppm = pfm_to_ppm(target_pfm)
    if match["strand"] == "-":
        ppm = ppm[::-1, ::-1]
    return ppm, -int(match["offset"])


def _match_title(match: Mapping[str, Any]) -> str:
    return (
        f"{match['target_id']} {match['target_name']} ({match['strand']})  "
        f"p={match['p_value']:.2g}  E={match['e_value']:.2g}  q={match['q_value']:.2g}"
    )


def is_planted(target_id: str, planted: Collection[str] | None) -> bool:
    """Whether a JASPAR matrix (any version: ``MA0139.2`` is ``MA0139``) is a planted motif."""
    if not planted:
        return False
    base = {p.split(".", 1)[0].upper() for p in planted}
    return str(target_id).split(".", 1)[0].upper() in base


def _draw_pair(axes: Sequence[Any], motif: FilterMotif, match: Mapping[str, Any],
               target_pfm: np.ndarray, planted: Collection[str] | None = None) -> None:
    target, start = _aligned_target(match, target_pfm)
    width = motif.pfm.shape[1]
    xlim = (min(0, start) - 0.5, max(width, start + target.shape[1]) - 0.5)
    _draw_logo(axes[0], motif.ppm, 0, f"{motif.name}  ({motif.nsites} sites)", xlim)
    title = _match_title(match)
    if is_planted(match["target_id"], planted):
        title = "\u2605 PLANTED  " + title
    _draw_logo(axes[1], target, start, title, xlim)
    if is_planted(match["target_id"], planted):
        axes[1].set_title(title, fontsize=9, loc="left", color="darkred", weight="bold")


def plot_match_logo(
    path: str | os.PathLike[str], motif: FilterMotif, match: Mapping[str, Any],
    target_pfm: np.ndarray, planted: Collection[str] | None = None,
) -> None:
    """One PNG: the filter's information-content logo above its best JASPAR motif, aligned."""
    plt = pyplot()

    width = max(motif.pfm.shape[1], target_pfm.shape[1])
    fig, axes = plt.subplots(2, 1, figsize=(max(4.0, 0.32 * width + 1.5), 3.6), sharex=True)
    try:
        _draw_pair(axes, motif, match, target_pfm, planted)
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, Path(path).with_suffix(""), ("png",), dpi=100)


def plot_overview(
    path: str | os.PathLike[str], pairs: Sequence[tuple[FilterMotif, Mapping[str, Any], np.ndarray]],
    planted: Collection[str] | None = None,
) -> None:
    """The given (motif, best match, JASPAR counts) pairs side by side, one row each, on one PNG:
    the filter left (under "filter"), its best JASPAR match right (under "JASPAR match"); a
    match that is one of the ``planted`` JASPAR IDs (synthetic benchmark) is marked."""
    plt = pyplot()

    n = max(1, len(pairs))
    fig, axes = plt.subplots(n, 2, figsize=(11, 1.6 * n + 0.95), squeeze=False)
    try:
        if not pairs:
            for ax in axes[0]:
                ax.axis("off")
            axes[0, 0].text(0, 0.5, "no filter matched a JASPAR motif", fontsize=12)
        for row, (motif, match, target_pfm) in zip(axes, pairs, strict=False):
            _draw_pair(row, motif, match, target_pfm, planted)
        if pairs:
            fig.text(0.27, 0.995, "filter", ha="center", va="top", fontsize=12, weight="bold")
            fig.text(0.76, 0.995, "JASPAR match", ha="center", va="top", fontsize=12,
                     weight="bold")
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (1.6 * n + 0.95)))
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, Path(path).with_suffix(""), ("png",), dpi=90)


# --------------------------------------------------------------------------------------------
# The whole stage


def extract_motifs(
    conv: Any,
    tokens: np.ndarray,
    *,
    alphabet: str = ACGT,
    threshold: float = 0.0,
    threshold_fraction: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "cpu",
    progress: bool = False,
) -> list[FilterMotif]:
    """Steps 1–2 for every filter: scan ``tokens`` (N, L) and count the passing windows."""
    max_values, positions = filter_activations(
        conv, tokens, alphabet=alphabet, batch_size=batch_size, device=device, progress=progress
    )
    thresholds = site_thresholds(max_values, threshold, threshold_fraction)
    width = int(conv.weight.shape[-1])
    pfms, nsites = site_counts(tokens, max_values, positions, width, thresholds)
    overall = max_values.max(axis=0)
    return [
        FilterMotif(f, pfms[f], int(nsites[f]), float(overall[f]), float(thresholds[f]))
        for f in range(len(nsites))
    ]


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
    threads: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """``danq motifs``: extract, write, compare and draw every first-layer filter's motif.

    ``match_settings`` (distance, trimming, information filter; default Pearson TOMTOM as the
    paper ran it, flanks trimmed) is shared with ``danq tomtom``; ``top_matches`` and
    ``evalue_threshold`` override its ``top`` and ``evalue_threshold``. With ``decoys`` the
    summary also reports the false-match rate of the same criterion on shuffled-column and
    background-only decoys of the tested filters (:func:`danq.motifs.tomtom.decoy_false_match_rate`).
    ``planted``: JASPAR IDs planted by ``danq simulate``; logos of matches to them are marked.

    Returns the summary written to ``summary.json`` (see the module docstring for the files).
    """
    from danq.formats.sources import sample_tokens
    from danq.io import require_file
    from danq.models.checkpoint import load_model
    from danq.runtime import resolve_runtime

    if min_sites < 1:
        raise DanqError(f"--min-sites {min_sites}: must be at least 1")
    if batch_size < 1:
        raise DanqError(f"--batch-size {batch_size}: must be at least 1")
    check_motif_options(evalue_threshold, threshold_fraction, max_sequences, top_matches)
    settings = replace(match_settings or MatchSettings(), top=top_matches,
                       evalue_threshold=evalue_threshold).check()
    release = normalise_release(release)
    runtime = resolve_runtime(device, threads=threads)
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
    motifs = extract_motifs(
        conv, tokens, alphabet=model.info.alphabet, threshold=threshold,
        threshold_fraction=threshold_fraction, batch_size=batch_size, device=runtime.device,
        progress=len(tokens) > 20 * batch_size and runtime.progress,
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
            _write_logos(tmp, motifs, table, matches, release, planted)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _write_logos(
    outdir: Path, motifs: Sequence[FilterMotif], table: Any, matches: Any, release: str,
    planted: Collection[str] | None = None,
) -> None:
    """logos/filter_NNN.png for every matched filter and logos_overview.png of the best ones."""
    counts = {m.matrix_id: m.pfm for m in load_jaspar(release)}
    best = matches[matches["rank"] == 1].set_index("filter")
    matched = table[table["matched"]].sort_values("p_value", kind="stable")
    (outdir / "logos").mkdir()
    pairs = []
    for _, row in matched.iterrows():
        motif = motifs[int(row["filter"])]
        match = best.loc[motif.name]
        target = counts[match["target_id"]]
        plot_match_logo(outdir / "logos" / f"{motif.name}.png", motif, match, target, planted)
        if len(pairs) < OVERVIEW_ROWS:
            pairs.append((motif, match, target))
    plot_overview(outdir / "logos_overview.png", pairs, planted)
