"""Information-content logos (logomaker) of matched filters beside their JASPAR motifs.

``danq motifs`` draws ``logos/filter_NNN.png`` for every matched filter (its logo above its best
JASPAR motif, aligned as TOMTOM aligned them) and ``logos_overview.png`` with the best matches on
one page (:func:`write_logos`). A match to a motif planted by ``danq simulate`` is marked.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from danq.formats.jaspar import load_jaspar
from danq.io.plotting import pyplot, save_figure
from danq.motifs.filters import FilterMotif
from danq.motifs.matrices import ACGT, information_content, pfm_to_ppm, reverse_complement

#: Rows of logos_overview.png: the best matches by p-value.
OVERVIEW_ROWS = 12


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
        ppm = reverse_complement(ppm)
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


def write_logos(
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
