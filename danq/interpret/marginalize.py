"""The grammar experiment: plant motif A and B into backgrounds over a grid and record the model.

For every background sequence and every cell of the grid (:mod:`danq.interpret.planting`:
order, strand, orientation, spacing) the model's logits are taken for the background alone, A
alone, B alone (each at the position it has in the cell) and A with B, and four responses are
derived per target::

    delta_ab    = f(AB) - f(bg)              the pair's effect
    delta_a     = f(A)  - f(bg)              A alone, B alone: presence
    delta_b     = f(B)  - f(bg)
    interaction = f(AB) - f(A) - f(B) + f(bg)   what the pair adds beyond its parts

A model that learned "A then B, same strand, 50-200 bp" responds more inside that window than
outside it; a presence-only model gives the same ``delta_ab`` in every cell and no interaction.
The model runs through danq's inference core (:class:`~danq.inference.predictor.Predictor`),
logits in fp32 by default, batched; A-alone and B-alone sequences shared by several cells are
predicted once.

``danq marginalize`` (:func:`run_marginalize`) writes::

    marginalize.tsv   one row per target x order x strand x orientation x spacing: coordinates,
                      in_rule (when a rule window is known), n, mean and sd over backgrounds of
                      each response
    marginalize.npz   the raw logits: background (n, T), ab / a_alone / b_alone (cells, n, T),
                      the grid columns and target names
    plots/<target>.png   response vs spacing (the name made safe for a file: danq.io.names), one line per order/strand, rule window shaded
    summary.json      motifs, settings, and per target the mean response inside and outside
                      the rule
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.formats.jaspar import DEFAULT_RELEASE
from danq.interpret.planting import (
    ORDERS,
    ORIENTATIONS,
    PLANTINGS,
    STRANDS,
    PlantMotif,
    grid,
    load_backgrounds,
    plant,
    resolve_motif,
    satisfies_rule,
)

RESPONSES = ("delta_ab", "delta_a", "delta_b", "interaction")
DEFAULT_BACKGROUNDS = 100
DEFAULT_BATCH_SIZE = 128
#: A rule window for one target: (min_gap, max_gap, the motif the rule names first: "A"/"B").
RuleWindow = tuple[int, int, str]


@dataclass
class Marginalization:
    """What :func:`marginalize` measured: the grid, the raw logits and the two motifs.

    ``background`` is (n, T); ``ab``, ``a_alone`` and ``b_alone`` are (cells, n, T) logits, cells
    in the rows of ``grid`` (a DataFrame of :data:`~danq.interpret.planting.GRID_COLUMNS`).
    """

    grid: Any
    target_names: list[str]
    background: np.ndarray
    ab: np.ndarray
    a_alone: np.ndarray
    b_alone: np.ndarray
    motif_a: PlantMotif
    motif_b: PlantMotif
    settings: dict[str, Any] = field(default_factory=dict)

    def responses(self) -> dict[str, np.ndarray]:
        """Each response of :data:`RESPONSES` as a (cells, n, T) float64 array."""
        bg = self.background.astype(np.float64)[None]
        ab, a, b = (v.astype(np.float64) for v in (self.ab, self.a_alone, self.b_alone))
        return {"delta_ab": ab - bg, "delta_a": a - bg, "delta_b": b - bg,
                "interaction": ab - a - b + bg}

    def table(self, windows: Mapping[str, RuleWindow] | None = None) -> Any:
        """The tidy table: one row per target and cell with mean and sd over backgrounds.

        ``windows`` (target name -> ``(min_gap, max_gap, first)``) fills ``in_rule``; targets
        without a window get an empty ``in_rule``.
        """
        import pandas as pd

        stats = self.responses()
        n = self.background.shape[0]
        frames = []
        for t, name in enumerate(self.target_names):
            frame = self.grid.copy()
            frame.insert(0, "target", name)
            window = (windows or {}).get(name)
            frame["in_rule"] = (
                satisfies_rule(frame["order"], frame["strand"], frame["spacing"], window[0],
                               window[1], first=window[2]) if window else pd.NA)
            frame["n"] = n
            for key in RESPONSES:
                values = stats[key][:, :, t]
                frame[f"{key}_mean"] = values.mean(axis=1)
                frame[f"{key}_sd"] = values.std(axis=1, ddof=1) if n > 1 else np.nan
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        table["in_rule"] = table["in_rule"].astype("boolean")
        return table


def _selected(model: Any, targets: Any) -> tuple[list[int], list[str]]:
    from danq.formats.targets import select_targets

    names = list(model.info.target_names)
    index = select_targets(targets, names, list(model.info.target_categories) or [""] * len(names))
    return [int(i) for i in index], [names[int(i)] for i in index]


def _logits(predictor: Any, tokens: np.ndarray, columns: list[int], batch_size: int) -> np.ndarray:
    parts = [predictor.from_tokens(tokens[i:i + batch_size], logits=True)[:, columns]
             for i in range(0, len(tokens), batch_size)]
    return np.concatenate(parts).astype(np.float32, copy=False)


def marginalize(
    model: Any,
    backgrounds: Any,
    motif_a: Any,
    motif_b: Any,
    *,
    spacings: Sequence[int] | None = None,
    orders: Iterable[str] = ORDERS,
    strands: Iterable[str] = STRANDS,
    orientations: Iterable[str] = ORIENTATIONS,
    planting: str = "consensus",
    seed: int = 0,
    n_backgrounds: int = DEFAULT_BACKGROUNDS,
    targets: str | Sequence[Any] | None = None,
    release: str = DEFAULT_RELEASE,
    meme: str | os.PathLike[str] | None = None,
    truth: str | os.PathLike[str] | None = None,
    rc_average: bool = True,
    device: Any = None,
    precision: str = "fp32",
    threads: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
) -> Marginalization:
    """Plant motif A and B into backgrounds over an order/strand/orientation/spacing grid and
    record the model's logits (see the module docstring for the responses).

    Parameters
    ----------
    model
        A danq model (``nn.Module``) or a checkpoint path.
    backgrounds
        An int (that many sequences of the simulation's background), a FASTA / danq HDF5 path
        (up to ``n_backgrounds`` records, dinucleotide-shuffled with tangermeme), strings or a
        (N, L) uint8 token array (used as given).
    motif_a, motif_b
        JASPAR matrix IDs or TF names (``release``, offline), names in ``meme`` or ``truth``,
        (4, w) probability matrices or :class:`~danq.interpret.planting.PlantMotif`.
    spacings
        Bases between the two motifs (the grammar rule's gap); default 0, 10, ... up to 300 or
        as far as the sequence allows. A spacing that does not fit is an error.
    orders, strands, orientations
        Subsets of ``AB``/``BA``, ``same``/``opposite``, ``+``/``-``
        (:mod:`danq.interpret.planting` defines them as the grammar rule does).
    planting
        ``consensus`` (each motif's most likely base per column) or ``sampled`` (one site per
        background drawn from the matrix, seeded by ``seed``; the same site in every cell).
    targets
        The ``--targets`` spec of the targets to keep (default all).
    rc_average, device, precision, threads, batch_size, progress
        How the model runs (:func:`danq.inference.predictor.load_predictor`); logits are those of
        the RC-averaged probability when ``rc_average``.

    Returns
    -------
    Marginalization
        The grid, the raw logits, and ``.table()`` / ``.responses()`` of the four responses.

    Examples
    --------
    Two made-up motifs in 5 simulated backgrounds, 10 or 60 bp apart, on a small untrained DanQ:

    >>> import numpy as np, torch
    >>> import danq
    >>> from danq.models import DanQ
    >>> _ = torch.manual_seed(0)
    >>> model = DanQ(sequence_length=200, n_targets=2, conv_channels=4, conv_width=5,
    ...              pool_size=4, lstm_hidden=4, dense_hidden=8).eval()
    >>> a, b = danq.one_hot("TGACTCA"), danq.one_hot("CACGTG")   # (4, w) probability matrices
    >>> result = danq.marginalize(model, 5, a, b, spacings=[10, 60], device="cpu")
    >>> result.ab.shape                                         # (cells, backgrounds, targets)
    (16, 5, 2)
    >>> table = result.table({"target_0": (50, 200, "A")})
    >>> inside = table["in_rule"].fillna(False)                 # no window for target_1: NA
    >>> table.loc[inside, ["target", "order", "strand", "orientation", "spacing"]]
         target order strand orientation  spacing
    1  target_0    AB   same           +       60
    3  target_0    AB   same           -       60
    """
    from tqdm import tqdm

    from danq.inference.predictor import load_predictor
    from danq.runtime import InferenceSettings

    if planting not in PLANTINGS:
        raise DanqError(f"--planting {planting}: choose from {', '.join(PLANTINGS)}")
    if batch_size < 1 or n_backgrounds < 1:
        raise DanqError("batch size and number of backgrounds must be at least 1")
    a = resolve_motif(motif_a, release=release, meme=meme, truth=truth)
    b = resolve_motif(motif_b, release=release, meme=meme, truth=truth)
    if device is None and hasattr(model, "parameters"):  # a module stays where it is
        first = next(model.parameters(), None)
        device = first.device if first is not None else "cpu"
    settings = InferenceSettings.resolve(device or "auto", precision, threads, progress)
    predictor = load_predictor(model, settings, rc_average=rc_average)
    length = predictor.sequence_length
    cells = grid(a.width, b.width, length, spacings, orders=orders, strands=strands,
                 orientations=orientations)
    columns, names = _selected(predictor, targets)
    bg = load_backgrounds(backgrounds, length, n=n_backgrounds, seed=seed)
    n = len(bg)
    rng = np.random.default_rng(seed)
    sites_a, sites_b = a.sites(n, planting, rng), b.sites(n, planting, rng)

    a_keys = sorted(set(zip(cells["a_start"], cells["a_strand"], strict=True)))
    b_keys = sorted(set(zip(cells["b_start"], cells["b_strand"], strict=True)))
    a_row = {k: i for i, k in enumerate(a_keys)}
    b_row = {k: i for i, k in enumerate(b_keys)}
    layouts = list(zip(cells["a_start"], cells["a_strand"], cells["b_start"], cells["b_strand"],
                       strict=True))
    per_bg = 1 + len(a_keys) + len(b_keys) + len(layouts)
    chunk = max(1, min(n, 8192 // per_bg))
    out_bg = np.empty((n, len(columns)), np.float32)
    out_a = np.empty((len(a_keys), n, len(columns)), np.float32)
    out_b = np.empty((len(b_keys), n, len(columns)), np.float32)
    out_ab = np.empty((len(layouts), n, len(columns)), np.float32)
    with tqdm(total=n, desc="marginalize", unit=" bg", disable=not progress) as bar:
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            x, sa, sb = bg[lo:hi], sites_a[lo:hi], sites_b[lo:hi]
            rows = [x]
            rows += [plant(x, sa, s, d) for s, d in a_keys]
            rows += [plant(x, sb, s, d) for s, d in b_keys]
            rows += [plant(plant(x, sa, s, d), sb, t, e) for s, d, t, e in layouts]
            logits = _logits(predictor, np.concatenate(rows), columns, batch_size)
            logits = logits.reshape(per_bg, hi - lo, len(columns))
            out_bg[lo:hi] = logits[0]
            out_a[:, lo:hi] = logits[1:1 + len(a_keys)]
            out_b[:, lo:hi] = logits[1 + len(a_keys):1 + len(a_keys) + len(b_keys)]
            out_ab[:, lo:hi] = logits[1 + len(a_keys) + len(b_keys):]
            bar.update(hi - lo)
    a_index = [a_row[(s, d)] for s, d, _, _ in layouts]
    b_index = [b_row[(t, e)] for _, _, t, e in layouts]
    return Marginalization(
        grid=cells, target_names=names, background=out_bg, ab=out_ab, a_alone=out_a[a_index],
        b_alone=out_b[b_index], motif_a=a, motif_b=b,
        settings={"planting": planting, "seed": seed, "n_backgrounds": n,
                  "rc_average": rc_average, "precision": predictor.precision,
                  "sequence_length": length, "model": predictor.source},
    )


def truth_windows(
    truth: str | os.PathLike[str], motif_a: PlantMotif, motif_b: PlantMotif,
) -> dict[str, RuleWindow]:
    """Rule windows of the truth.json grammar targets whose two motifs are A and B (either
    order): target name -> ``(min_gap, max_gap, first)``. IDs compare without their version."""
    from danq.io import require_file

    path = require_file(truth, "truth file")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DanqError(f"{path}: not a readable JSON file") from None
    if not isinstance(document, dict):
        raise DanqError(f"{path}: not a `danq simulate` truth.json")
    base = {motif_a.motif_id.split(".")[0]: "A", motif_b.motif_id.split(".")[0]: "B"}
    windows: dict[str, RuleWindow] = {}
    try:
        for target in document.get("targets", []):
            if target.get("category") != "grammar":
                continue
            ids = [str(m).split(".")[0] for m in target.get("motifs", [])]
            if len(ids) == 2 and set(ids) == set(base) and len(base) == 2:
                windows[str(target["name"])] = (int(target["min_gap"]), int(target["max_gap"]),
                                                base[ids[0]])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DanqError(f"{path}: a grammar target lacks or garbles {exc}") from None
    return windows


def summarise(table: Any) -> dict[str, Any]:
    """Per target: mean ``delta_ab`` and ``interaction`` inside and outside the rule window."""
    out: dict[str, Any] = {}
    for name, rows in table.groupby("target", sort=False):
        entry: dict[str, Any] = {"delta_a": float(rows["delta_a_mean"].mean()),
                                 "delta_b": float(rows["delta_b_mean"].mean())}
        known = rows["in_rule"].notna()
        for key in ("delta_ab", "interaction"):
            entry[f"{key}_all"] = float(rows[f"{key}_mean"].mean())
            if known.all():
                inside = rows.loc[rows["in_rule"].astype(bool), f"{key}_mean"]
                outside = rows.loc[~rows["in_rule"].astype(bool), f"{key}_mean"]
                entry[f"{key}_in_rule"] = float(inside.mean()) if len(inside) else None
                entry[f"{key}_outside_rule"] = float(outside.mean()) if len(outside) else None
        out[str(name)] = entry
    return out


def run_marginalize(
    model: Any,
    outdir: str | os.PathLike[str],
    motif_a: str,
    motif_b: str,
    *,
    backgrounds: Any = DEFAULT_BACKGROUNDS,
    rule_window: tuple[int, int] | None = None,
    plots: bool = True,
    **options: Any,
) -> dict[str, Any]:
    """``danq marginalize``: run :func:`marginalize` and write the folder the module docstring
    lists (atomically). ``rule_window`` applies to every target; otherwise the windows come from
    ``options["truth"]`` when given (:func:`truth_windows`). Returns the summary."""
    from danq.interpret.grammar_plot import plot_marginalization
    from danq.io import atomic_directory
    from danq.io.names import file_stems

    result = marginalize(model, backgrounds, motif_a, motif_b, **options)
    if rule_window is not None:
        lo, hi = rule_window
        if not 0 <= lo <= hi:
            raise DanqError(f"--rule-window {lo},{hi}: need 0 <= MIN <= MAX")
        windows = dict.fromkeys(result.target_names, (lo, hi, "A"))
    elif options.get("truth") is not None:
        windows = truth_windows(options["truth"], result.motif_a, result.motif_b)
    else:
        windows = {}
    table = result.table(windows)
    summary = {
        "motif_a": {"id": result.motif_a.motif_id, "name": result.motif_a.name,
                    "consensus": result.motif_a.consensus},
        "motif_b": {"id": result.motif_b.motif_id, "name": result.motif_b.name,
                    "consensus": result.motif_b.consensus},
        **result.settings, "n_cells": len(result.grid), "targets": result.target_names,
        "rule_windows": {k: list(v) for k, v in windows.items()},
        "responses": summarise(table),
    }
    with atomic_directory(outdir) as tmp:
        table.to_csv(tmp / "marginalize.tsv", sep="\t", index=False, float_format="%.6g")
        np.savez_compressed(
            tmp / "marginalize.npz", background=result.background, ab=result.ab,
            a_alone=result.a_alone, b_alone=result.b_alone,
            target_names=np.array(result.target_names),
            **{c: result.grid[c].to_numpy() for c in result.grid.columns})
        if plots:
            (tmp / "plots").mkdir()
            for name, stem in zip(result.target_names, file_stems(result.target_names),
                                  strict=True):
                stem = tmp / "plots" / stem
                plot_marginalization(stem, table[table["target"] == name],
                                     windows.get(name), result.motif_a.name, result.motif_b.name)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
