"""Attribution logos (logomaker) for ``danq attribute --plot K``.

For each target, every sequence's best window (the ``width`` consecutive positions whose observed
bases contribute most to the logit) is scored, and the K best sequences' windows are drawn one
above the other, letters scaled by their signed contribution, into ``logos/<target>.png``. Planted
or known motif sites (``sites``: sequence name -> ``(start, end, label)``) that overlap a window are
shaded and labelled, so one sees whether the model looks where the motif is.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from danq.io.plotting import pyplot, save_figure

#: Width of a logo window in bp (the longest planted JASPAR motifs are ~20 bp).
DEFAULT_WIDTH = 24
ACGT = "ACGT"


def best_windows(contribution: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and score of each row's best window: ``contribution`` ``(N, L)`` summed over
    ``width`` consecutive positions, the largest sum per row."""
    width = max(1, min(width, contribution.shape[1]))
    csum = np.concatenate([np.zeros((len(contribution), 1)), np.cumsum(contribution, axis=1)], axis=1)
    sums = csum[:, width:] - csum[:, :-width]
    starts = sums.argmax(axis=1)
    return starts, sums[np.arange(len(sums)), starts]


def top_windows(attributions: Any, target: int, k: int, width: int,
                chunk: int = 256) -> list[tuple[int, int, float]]:
    """``(sequence, start, score)`` of the ``k`` best windows of one target (one per sequence),
    best first; ``attributions`` is an ``(N, T, 4, L)`` array or HDF5 dataset, read by chunks."""
    rows: list[tuple[int, int, float]] = []
    for lo in range(0, attributions.shape[0], chunk):
        block = np.asarray(attributions[lo:lo + chunk, target], dtype=np.float64).sum(axis=1)
        starts, scores = best_windows(block, width)
        rows.extend((lo + i, int(s), float(v)) for i, (s, v) in enumerate(zip(starts, scores,
                                                                               strict=True)))
    rows.sort(key=lambda row: -row[2])
    return rows[:k]


def draw_target(windows: Sequence[tuple[str, int, np.ndarray, float]], title: str,
                sites: Mapping[str, Sequence[tuple[int, int, str]]] | None, stem: Path) -> Path:
    """One page: a logo per ``(name, start, values (4, width), score)``, sites shaded; returns the
    PNG path."""
    import logomaker
    import pandas as pd

    plt = pyplot()
    fig, axes = plt.subplots(len(windows), 1, figsize=(8, 1.5 * len(windows) + 0.4), squeeze=False)
    for ax, (name, start, values, score) in zip(axes[:, 0], windows, strict=True):
        width = values.shape[1]
        frame = pd.DataFrame(values.T, columns=list(ACGT), index=np.arange(start, start + width))
        with warnings.catch_warnings():  # an all-zero window: logomaker widens its flat y range
            warnings.simplefilter("ignore", UserWarning)
            logomaker.Logo(frame, ax=ax, color_scheme="classic")
        for lo, hi, label in (sites or {}).get(name, ()):
            if hi > start and lo < start + width:
                ax.axvspan(max(lo, start) - 0.5, min(hi, start + width) - 0.5, color="gold",
                           alpha=0.3, zorder=0)
                ax.text(max(lo, start) - 0.5, 1.0, label, transform=ax.get_xaxis_transform(),
                        fontsize=7, va="bottom")
        ax.set_title(f"{name}:{start}-{start + width}  score {score:.3g}", fontsize=8, loc="right")
        ax.set_ylabel("logit")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, stem)[0]


def write_attribution_logos(
    h5_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    k: int,
    *,
    sites: Mapping[str, Sequence[tuple[int, int, str]]] | None = None,
    width: int = DEFAULT_WIDTH,
) -> list[Path]:
    """Draw ``outdir/<NNN>_<target>.png`` for every target of an ``attributions.h5``."""
    from danq.io.hdf5 import open_h5, read_strings
    from danq.io.names import file_stems

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with open_h5(h5_path) as h5:
        data = h5["attributions"]
        names, targets = read_strings(h5["names"]), read_strings(h5["target_names"])
        stems = file_stems(targets)
        method = str(h5.attrs.get("method", ""))
        for t, target in enumerate(targets):
            best = top_windows(data, t, k, width)
            windows = []
            for seq, start, score in best:
                w = min(width, data.shape[-1])
                windows.append((names[seq], start,
                                np.asarray(data[seq, t, :, start:start + w]), score))
            if windows:
                title = f"{target}: top {len(windows)} windows ({method} attributions)"
                stem = out / f"{t:03d}_{stems[t]}"
                written.append(draw_target(windows, title, sites, stem))
    return written
