"""``danq modisco``: TF-MoDISco (modisco-lite) on attributions, then danq's TOMTOM against JASPAR.

For each selected target of an ``attributions.h5`` (``danq attribute``), modisco-lite's
``TFMoDISco`` finds seqlets in the contributions and clusters them into patterns, from the
one-hot sequences and the ``hypothetical`` contributions (modisco-lite forms the contributions
as one-hot × hypothetical, which is the file's ``attributions``; a file whose two disagree is
refused). Settings default to modisco-lite's own command line (``modisco motifs``: 2 Leiden runs,
seqlet window 20, flank 5, seqlet FDR 0.05). Each pattern's PPM, trimmed as modisco's report
trims it (positions whose summed |CWM| reaches 30 % of the maximum), is compared with JASPAR CORE
vertebrates by :func:`danq.motifs.tomtom.match_motifs` exactly as ``danq motifs`` compares
filters, and the false-match rate of the same criterion on decoys of the patterns is measured
(:func:`danq.motifs.decoys.decoy_false_match_rate`). Writes (one folder, published whole)::

    patterns.meme        every pattern's trimmed PPM, named <target>/<pos|neg>_<i>, nsites = seqlets
    patterns.tsv         one row per pattern: target, sign, seqlets, width, consensus, trimming,
                         information, best JASPAR match, p/E/q, matched, planted (with --truth)
    tomtom.tsv           the best matches of every pattern
    modisco/<target>.h5  modisco-lite's own results file (``modisco report`` reads it)
    logos/<target>__<pattern>.png   contribution (CWM) logo, PPM logo and the best JASPAR match
    summary.json         per target seqlets and patterns, the matches, decoy rates, settings,
                         seconds, and with --truth the planted motifs recovered
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.formats.jaspar import DEFAULT_RELEASE, normalise_release

#: modisco-lite's ``modisco motifs`` defaults (its command line, not its Python function's).
MODISCO_DEFAULTS = {"sliding_window_size": 20, "flank_size": 5, "target_seqlet_fdr": 0.05,
                    "n_leiden_runs": 2, "trim_to_window_size": 30, "initial_flank_to_add": 10,
                    "final_flank_to_add": 0}
DEFAULT_MAX_SEQLETS = 2000
#: modisco's report trims a pattern to positions whose summed |CWM| reaches this share of the max.
CWM_TRIM = 0.3
#: attributions and one-hot × hypothetical may differ by this (float32 rounding), relative.
CONSISTENCY_TOLERANCE = 1e-3


@dataclass
class Pattern:
    """One modisco pattern: where it came from and its (4, w) matrices (rows ACGT)."""

    target: str
    name: str  # pos_0, neg_1, ...
    ppm: np.ndarray
    cwm: np.ndarray
    n_seqlets: int
    trim: tuple[int, int] = (0, 0)

    @property
    def label(self) -> str:
        return f"{self.target}/{self.name}"

    @property
    def trimmed(self) -> np.ndarray:
        return self.ppm[:, self.trim[0]:self.trim[1]]


@dataclass
class TargetRun:
    """modisco-lite's result for one target: its patterns and raw pattern objects."""

    target: str
    patterns: list[Pattern]
    raw: tuple[Any, Any] = field(repr=False, default=(None, None))
    seconds: float = 0.0
    n_sequences: int = 0


def cwm_trim(cwm: np.ndarray, fraction: float = CWM_TRIM) -> tuple[int, int]:
    """``(start, stop)`` of the positions between the first and last whose summed |CWM| reaches
    ``fraction`` of the maximum (modisco-lite's report trims patterns this way)."""
    score = np.abs(np.asarray(cwm)).sum(axis=0)
    if not score.size or score.max() <= 0:
        return 0, int(score.size)
    keep = np.flatnonzero(score >= fraction * score.max())
    return int(keep[0]), int(keep[-1]) + 1


def read_attributions(
    path: str | os.PathLike[str], targets: str | Sequence[Any] | None = None,
) -> tuple[np.ndarray, list[str], list[int]]:
    """Tokens (N, L) and the target names and indices (into the file's targets) ``targets``
    selects (``--targets`` spec over the file's ``target_names``)."""
    from danq.formats.targets import select_targets
    from danq.io.hdf5 import open_h5, read_strings

    with open_h5(path) as h5:
        for key in ("tokens", "target_names", "hypothetical", "attributions"):
            if key not in h5:
                hint = (" (written by `danq attribute`; every method there writes it)"
                        if key == "hypothetical" else "")
                raise DanqError(f"{path}: no '{key}' dataset{hint}")
        tokens = np.asarray(h5["tokens"][:], dtype=np.uint8)
        names = read_strings(h5["target_names"])
        shape = h5["hypothetical"].shape
    if len(tokens) == 0:
        raise DanqError(f"{path}: holds no sequences")
    if len(shape) != 4 or shape[0] != len(tokens) or shape[1] != len(names) or shape[2] != 4 \
            or shape[3] != tokens.shape[1]:
        raise DanqError(f"{path}: hypothetical has shape {shape}, expected (N, T, 4, L) = "
                        f"({len(tokens)}, {len(names)}, 4, {tokens.shape[1]})")
    chosen = select_targets(targets, names, [""] * len(names))
    return tokens, [names[int(i)] for i in chosen], [int(i) for i in chosen]


def _target_arrays(path: str | os.PathLike[str], t: int) -> tuple[np.ndarray, np.ndarray]:
    """One target's hypothetical and attributions, (N, 4, L) float32 each."""
    from danq.io.hdf5 import open_h5

    with open_h5(path) as h5:
        hyp = np.asarray(h5["hypothetical"][:, t], dtype=np.float32)
        attr = np.asarray(h5["attributions"][:, t], dtype=np.float32)
    return hyp, attr


def _patterns(target: str, sign: str, found: Any) -> list[Pattern]:
    out = []
    for i, pattern in enumerate(found or []):
        ppm = np.asarray(pattern.sequence, dtype=np.float64).T
        cwm = np.asarray(pattern.contrib_scores, dtype=np.float64).T
        ppm = (ppm + 1e-9) / (ppm + 1e-9).sum(axis=0, keepdims=True)
        out.append(Pattern(target, f"{sign}_{i}", ppm, cwm, len(pattern.seqlets), cwm_trim(cwm)))
    return out


def run_target(
    tokens: np.ndarray, hypothetical: np.ndarray, target: str, *,
    attributions: np.ndarray | None = None, max_seqlets: int = DEFAULT_MAX_SEQLETS,
    window: int | None = None, **settings: Any,
) -> TargetRun:
    """TF-MoDISco on one target: ``tokens`` (N, L), ``hypothetical`` (N, 4, L); ``window`` keeps
    that many central positions (modisco's ``-w``; default all). ``settings`` override
    :data:`MODISCO_DEFAULTS` (``TFMoDISco`` keyword arguments)."""
    import modiscolite

    from danq.encoders import tokens_to_one_hot

    one_hot = tokens_to_one_hot(tokens)  # (N, 4, L), N -> zero column
    if attributions is not None:
        expected = one_hot * hypothetical
        scale = max(float(np.abs(attributions).max()), 1e-30)
        if float(np.abs(attributions - expected).max()) > CONSISTENCY_TOLERANCE * scale:
            raise DanqError(f"target {target}: attributions differ from one-hot x hypothetical; "
                            "TF-MoDISco needs hypothetical contributions consistent with them")
    length = tokens.shape[1]
    if window is not None:
        if not 1 <= window <= length:
            raise DanqError(f"--window {window}: must be in 1..{length}")
        lo = (length - window) // 2
        one_hot, hypothetical = one_hot[..., lo:lo + window], hypothetical[..., lo:lo + window]
    options = {**MODISCO_DEFAULTS, **settings}
    if one_hot.shape[-1] < options["sliding_window_size"] + 2 * options["flank_size"]:
        raise DanqError(f"sequences of {one_hot.shape[-1]} bp are shorter than a seqlet window")
    started = time.monotonic()
    pos, neg = modiscolite.tfmodisco.TFMoDISco(
        one_hot=np.ascontiguousarray(one_hot.transpose(0, 2, 1), dtype=np.float32),
        hypothetical_contribs=np.ascontiguousarray(hypothetical.transpose(0, 2, 1),
                                                   dtype=np.float32),
        max_seqlets_per_metacluster=max_seqlets, **options)
    patterns = _patterns(target, "pos", pos) + _patterns(target, "neg", neg)
    return TargetRun(target, patterns, (pos, neg), time.monotonic() - started, len(tokens))


def _planted_ids(truth: str | os.PathLike[str] | None) -> list[str]:
    if truth is None:
        return []
    from danq.simulation.truth import read_truth_motifs

    motifs, _ = read_truth_motifs(truth)
    return [m.matrix_id for m in motifs]


def pattern_table(patterns: Sequence[Pattern], queries: Any, planted: Collection[str]) -> Any:
    """One row per pattern with its best JASPAR match (``queries`` of match_motifs)."""
    import pandas as pd

    from danq.motifs.logos import is_planted
    from danq.motifs.matrices import information_content

    hits = queries.set_index("query") if len(queries) else None
    rows = []
    for p in patterns:
        hit = hits.loc[p.label] if hits is not None and p.label in hits.index else None
        row = {"target": p.target, "pattern": p.name, "sign": p.name.split("_")[0],
               "n_seqlets": p.n_seqlets, "width": p.ppm.shape[1],
               "cwm_trim_start": p.trim[0], "cwm_trim_stop": p.trim[1],
               "consensus": "".join("ACGT"[i] for i in p.trimmed.argmax(axis=0)),
               "information_content": round(float(information_content(p.trimmed).sum()), 4)}
        for key in ("status", "best_target_id", "best_target_name", "p_value", "e_value",
                    "q_value", "strand", "offset", "matched"):
            row[key] = hit[key] if hit is not None else None
        row["matched"] = bool(row["matched"])
        if planted:
            row["planted"] = bool(row["matched"] and is_planted(row["best_target_id"], planted))
        rows.append(row)
    columns = ["target", "pattern", "sign", "n_seqlets", "width", "cwm_trim_start",
               "cwm_trim_stop", "consensus", "information_content", "status", "best_target_id",
               "best_target_name", "p_value", "e_value", "q_value", "strand", "offset", "matched",
               *(["planted"] if planted else [])]
    return pd.DataFrame(rows, columns=columns)


def run_modisco(
    attributions: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    targets: str | Sequence[Any] | None = None,
    max_seqlets: int = DEFAULT_MAX_SEQLETS,
    window: int | None = None,
    leiden_runs: int = MODISCO_DEFAULTS["n_leiden_runs"],
    release: str = DEFAULT_RELEASE,
    match_settings: Any = None,
    decoys: bool = True,
    logos: bool = True,
    truth: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """``danq modisco``: TF-MoDISco per target, TOMTOM of the patterns, decoys, logos.

    Returns the summary written to ``summary.json`` (the module docstring lists the files).
    """
    import modiscolite

    from danq.interpret.modisco_logos import draw_pattern
    from danq.io import atomic_directory, require_file
    from danq.motifs.decoys import decoy_false_match_rate
    from danq.motifs.meme import write_meme
    from danq.motifs.tomtom import Database, MatchSettings, match_motifs

    path = require_file(attributions, "attributions file")
    if max_seqlets < 1 or leiden_runs < 1:
        raise DanqError("--max-seqlets and --leiden-runs must be at least 1")
    settings = (match_settings or MatchSettings()).check()
    release = normalise_release(release)
    planted = _planted_ids(truth)
    tokens, names, indices = read_attributions(path, targets)
    if threads:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    runs = []
    for name, t in zip(names, indices, strict=True):
        hyp, attr = _target_arrays(path, t)
        runs.append(run_target(tokens, hyp, name, attributions=attr, max_seqlets=max_seqlets,
                               window=window, n_leiden_runs=leiden_runs))
    patterns = [p for run in runs for p in run.patterns]
    database = Database.from_jaspar(release)
    queries = {p.label: p.trimmed for p in patterns}
    result = match_motifs(queries, database, settings, threads=threads)
    table = pattern_table(patterns, result.queries, planted)
    summary: dict[str, Any] = {
        "attributions": str(path), "n_sequences": int(len(tokens)),
        "sequence_length": int(tokens.shape[1]), "window": window, "max_seqlets": max_seqlets,
        "modisco": {**MODISCO_DEFAULTS, "n_leiden_runs": leiden_runs,
                    "version": getattr(modiscolite, "__version__", None)},
        "cwm_trim": CWM_TRIM, "release": release, "n_database_motifs": len(database),
        **settings.as_dict(),
        "targets": {run.target: {
            "n_patterns": len(run.patterns),
            "n_seqlets": int(sum(p.n_seqlets for p in run.patterns)),
            "n_matched": int(table.loc[table["target"] == run.target, "matched"].sum())
            if len(table) else 0,
            "seconds": round(run.seconds, 2)} for run in runs},
        "n_patterns": len(patterns), "n_matched": int(table["matched"].sum()) if len(table) else 0,
        "n_distinct_jaspar_matched": int(table.loc[table["matched"], "best_target_id"].nunique())
        if len(table) else 0,
    }
    if planted:
        from danq.motifs.logos import is_planted

        found = {m for m in table.loc[table["matched"], "best_target_id"]} if len(table) else set()
        recovered = sorted(p for p in planted if any(is_planted(f, [p]) for f in found))
        summary["planted"] = {"n": len(planted), "n_recovered": len(recovered),
                              "recovered": recovered}
    if decoys and queries:
        summary["decoys"] = decoy_false_match_rate(
            queries, {p.label: p.n_seqlets for p in patterns}, database, settings, seed=seed,
            threads=threads)
    with atomic_directory(outdir) as tmp:
        tmp = Path(tmp)
        write_meme(tmp / "patterns.meme", [(p.label, p.trimmed, p.n_seqlets) for p in patterns])
        table.to_csv(tmp / "patterns.tsv", sep="\t", index=False, float_format="%.6g")
        result.matches.to_csv(tmp / "tomtom.tsv", sep="\t", index=False, float_format="%.6g")
        (tmp / "modisco").mkdir()
        from danq.io.names import file_stems

        for run, stem in zip(runs, file_stems([run.target for run in runs]), strict=True):
            modiscolite.io.save_hdf5(str(tmp / "modisco" / f"{stem}.h5"),
                                     run.raw[0], run.raw[1], window or int(tokens.shape[1]))
        if logos and patterns:
            (tmp / "logos").mkdir()
            best = result.matches[result.matches["rank"] == 1].set_index("query") \
                if len(result.matches) else None
            counts = {m_id: m_ppm for m_id, m_ppm in zip(database.ids, database.ppms, strict=True)}
            stems = file_stems([f"{p.target}__{p.name}" for p in patterns])
            for p, stem in zip(patterns, stems, strict=True):
                match = best.loc[p.label] if best is not None and p.label in best.index else None
                stem = tmp / "logos" / stem
                draw_pattern(stem, p, match, None if match is None else counts[match["target_id"]],
                             planted)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary
