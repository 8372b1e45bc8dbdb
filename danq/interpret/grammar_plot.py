"""The grammar experiment's figure: a target's response vs spacing, one line per order/strand.

Two panels share the spacing axis: the pair's effect over the background (``delta_ab``) and the
interaction term (``f(AB) - f(A) - f(B) + f(bg)``), each the mean over backgrounds and over the
orientations drawn (the rule is strand-symmetric, so both orientations are one arrangement), with
a band of ± one standard deviation over backgrounds. The rule's window is shaded on the line the
rule names ("A then B, same strand"; "B then A" for a rule that names B first).
"""

from __future__ import annotations

import os
from typing import Any

from danq.io.plotting import pyplot, save_figure

_LINES = (("AB", "same"), ("AB", "opposite"), ("BA", "same"), ("BA", "opposite"))
_STYLE = {("AB", "same"): ("C0", "-"), ("AB", "opposite"): ("C0", "--"),
          ("BA", "same"): ("C3", "-"), ("BA", "opposite"): ("C3", "--")}


def plot_marginalization(
    stem: str | os.PathLike[str],
    rows: Any,
    window: tuple[int, int, str] | None,
    name_a: str,
    name_b: str,
) -> None:
    """Draw one target's rows of the ``marginalize.tsv`` table to ``<stem>.png``."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 6.0), sharex=True)
    try:
        target = str(rows["target"].iloc[0]) if len(rows) else ""
        for ax, key, label in ((axes[0], "delta_ab", "Δ logit, A+B vs background"),
                               (axes[1], "interaction", "interaction, AB − A − B + bg")):
            if window is not None:
                ax.axvspan(window[0], window[1], color="0.85", zorder=0,
                           label=f"rule window {window[0]}–{window[1]} bp")
            for order, strand in _LINES:
                part = rows[(rows["order"] == order) & (rows["strand"] == strand)]
                if not len(part):
                    continue
                mean = part.groupby("spacing")[f"{key}_mean"].mean()
                sd = part.groupby("spacing")[f"{key}_sd"].mean()
                colour, style = _STYLE[(order, strand)]
                first, second = (name_a, name_b) if order == "AB" else (name_b, name_a)
                rule = window is not None and strand == "same" and order == (
                    "AB" if window[2] == "A" else "BA")
                ax.plot(mean.index, mean.to_numpy(), color=colour, linestyle=style,
                        linewidth=2.2 if rule else 1.4,
                        label=f"{first} → {second}, {strand} strand" + (" (rule)" if rule else ""))
                ax.fill_between(mean.index, (mean - sd).to_numpy(), (mean + sd).to_numpy(),
                                color=colour, alpha=0.08, linewidth=0)
            ax.axhline(0, color="0.4", linewidth=0.6)
            ax.set_ylabel(label)
            ax.spines[["top", "right"]].set_visible(False)
        axes[1].set_xlabel("spacing: bases between the two motifs (the rule's gap)")
        axes[0].set_title(f"{target}: {name_a} and {name_b} planted", loc="left", fontsize=10)
        axes[0].legend(fontsize=8, frameon=False, loc="best")
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, stem, ("png",), dpi=100)
