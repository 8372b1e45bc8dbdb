"""Matplotlib plumbing shared by every stage that draws: a headless backend and atomic saving."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from danq.io import atomic_path


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, so plots work on machines without a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(
    fig: Any,
    stem: str | os.PathLike[str],
    formats: Sequence[str] = ("png",),
    dpi: int = 150,
    tight: bool = False,
) -> list[Path]:
    """Write ``fig`` as ``<stem>.<format>`` for each format (atomically), close it, return the paths.

    ``tight``: crop to the drawn content, so legends and titles outside the axes are kept whole.
    """
    written = []
    try:
        for fmt in formats:
            path = Path(f"{stem}.{fmt}")
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi,
                            **({"bbox_inches": "tight", "pad_inches": 0.15} if tight else {}))
            written.append(path)
    finally:
        pyplot().close(fig)
    return written
