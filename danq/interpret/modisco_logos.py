"""Logos of a TF-MoDISco pattern: its contribution (CWM) logo, its PPM and its best JASPAR match.

``danq modisco`` draws one PNG per pattern (:func:`draw_pattern`): the contribution weight
matrix over the whole pattern with the trimmed span marked, the information-content logo of the
trimmed PPM that TOMTOM compared, and the best JASPAR motif aligned as TOMTOM aligned it
(reverse-complemented on ``-``); a match to a motif planted by ``danq simulate`` is marked.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from danq.io.plotting import pyplot, save_figure
from danq.motifs.logos import is_planted
from danq.motifs.matrices import ACGT, information_content, reverse_complement


def _logo(ax: Any, heights: np.ndarray, start: int, title: str, ylabel: str) -> None:
    import logomaker
    import pandas as pd

    frame = pd.DataFrame(heights.T, columns=list(ACGT),
                         index=np.arange(start, start + heights.shape[1]))
    logomaker.Logo(frame, ax=ax, color_scheme="classic")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)


def draw_pattern(
    stem: str | os.PathLike[str], pattern: Any, match: Mapping[str, Any] | None,
    target_ppm: np.ndarray | None, planted: Collection[str] | None = None,
) -> None:
    """``<stem>.png``: CWM, trimmed PPM and (when there is one) the best JASPAR match."""
    plt = pyplot()
    rows = 3 if match is not None and target_ppm is not None else 2
    width = pattern.ppm.shape[1]
    fig, axes = plt.subplots(rows, 1, figsize=(max(5.0, 0.22 * width + 2), 1.9 * rows))
    try:
        lo, hi = pattern.trim
        _logo(axes[0], pattern.cwm, 0,
              f"{pattern.label}  ({pattern.n_seqlets} seqlets): contribution", "CWM")
        axes[0].axvspan(lo - 0.5, hi - 0.5, color="0.92", zorder=-1)  # logomaker's glyphs: 0
        trimmed = pattern.trimmed
        _logo(axes[1], trimmed * information_content(trimmed)[None, :], 0,
              f"PPM, positions {lo}-{hi - 1} (compared with JASPAR)", "bits")
        axes[1].set_ylim(0, 2)
        if rows == 3:
            ppm = reverse_complement(target_ppm) if match["strand"] == "-" else target_ppm
            start = -int(match["offset"])
            title = (f"{match['target_id']} {match['target_name']} ({match['strand']})  "
                     f"p={match['p_value']:.2g}  E={match['e_value']:.2g}")
            if is_planted(match["target_id"], planted):
                title = "\u2605 PLANTED  " + title
            _logo(axes[2], ppm * information_content(ppm)[None, :], start, title, "bits")
            axes[2].set_ylim(0, 2)
            span = (min(0, start) - 0.5, max(trimmed.shape[1], start + ppm.shape[1]) - 0.5)
            axes[1].set_xlim(*span)
            axes[2].set_xlim(*span)
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, stem, ("png",), dpi=90)
