"""Variant effects: how a model's predictions change when a variant replaces the reference allele.

For each variant (VCF, VCF.gz or a simple TSV) danq builds two windows of the model's input
length ``L`` from the reference genome and scores both in the same forward call. This module holds
the Python API (:func:`variant_effect`) and the ``danq variant-effect`` stage
(:func:`run_variant_effect`); the parts live next to it:

* :mod:`danq.variants.reading` — VCF/TSV/DataFrame input, one :class:`Variant` per ALT allele;
* :mod:`danq.variants.windows` — the window conventions (REF centred as Selene does by default,
  indels keep ``L``, N-padding at chromosome ends);
* :mod:`danq.variants.scoring` — the scores (``ref``, ``alt``, ``diff``, ``abs_diff``,
  ``logit_diff``, ``deepsea_effect``), one registry;
* :mod:`danq.variants.batches` — target selection and the model run in batches;
* :mod:`danq.variants.significance` — empirical p-values against background SNVs
  (``|logit_diff|`` or DeepSEA's ``deepsea_effect``);
* :mod:`danq.variants.results` — the output directory's TSV and HDF5 files.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.formats.targets import select_targets
from danq.inference.predictor import DEFAULT_RC_AVERAGE
from danq.io import atomic_directory, require_file
from danq.runtime import DEFAULT_DEVICE, InferenceSettings
from danq.variants.batches import DEFAULT_BATCH_SIZE, Tally, score_stream
from danq.variants.reading import (
    Skipped,
    check_variants_file,
    read_variants,
    variants_from,
)
from danq.variants.results import SKIPPED_COLUMNS, EffectWriter
from danq.variants.scoring import batch_scores, parse_scores
from danq.variants.significance import (
    DEFAULT_BACKGROUND_SCORE,
    background_scores,
    check_background_score,
    empirical_pvalues,
    random_snvs,
    summarize_pvalues,
)
from danq.variants.windows import DEFAULT_WINDOW, center_index, check_convention

PathLike = str | os.PathLike[str]

DEFAULT_VARIANT_PRECISION = "fp32"
"""Variant effects default to fp32 on every machine (CLI and Python alike): effects are small
differences of two predictions, and bf16's 8-bit mantissa can flip their sign (accuracy before
speed); ``precision="auto"`` or ``--precision auto`` is the faster choice on bf16 hardware."""


@dataclass
class VariantEffects:
    """What :func:`variant_effect` returns.

    ``variants`` (a DataFrame: index, chrom, pos, id, ref, alt, strand, ref_match, padded) lines up
    with the rows of every ``scores[name]`` ``(N, T)`` matrix; ``skipped`` lists the variants not
    scored with their reason.
    """

    variants: Any
    scores: dict[str, np.ndarray]
    target_names: list[str]
    skipped: Any
    pvalues: np.ndarray | None = None
    min_p: np.ndarray | None = None
    min_p_bonferroni: np.ndarray | None = None

    def frame(self, score: str = "logit_diff") -> Any:
        """A wide DataFrame: the variant columns, then one column per target for ``score``."""
        import pandas as pd

        values = pd.DataFrame(self.scores[score], columns=self.target_names)
        return pd.concat([self.variants.reset_index(drop=True), values], axis=1)


def _open_genome(genome: Any) -> Any:
    from danq.sequence.genome import Genome

    return genome if isinstance(genome, Genome) else Genome(genome)


def _check_genome_fits(genome: Any, length: int) -> None:
    if max(genome.lengths.values()) < length:
        raise DanqError(
            f"{genome.path}: every chromosome is shorter than the model's input ({length} bp); "
            "variant windows cannot be built"
        )


def variant_effect(
    model: Any,
    genome: Any,
    variants: Any,
    *,
    scores: str | Sequence[str] | None = None,
    targets: str | Sequence[Any] | None = None,
    rc_average: bool = DEFAULT_RC_AVERAGE,
    ref_mismatch: str = "warn",
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = None,
    precision: str = DEFAULT_VARIANT_PRECISION,
    background: int = 0,
    background_variants: Any = None,
    seed: int = 0,
    window: str = DEFAULT_WINDOW,
    background_score: str = DEFAULT_BACKGROUND_SCORE,
    incremental: bool = True,
) -> VariantEffects:
    """Score variants with a model: the Python API of ``danq variant-effect``.

    Parameters
    ----------
    model
        ``nn.Module`` returning logits, or a checkpoint path.
    genome
        A FASTA path (plain or bgzip, indexed on first use) or a :class:`danq.sequence.genome.Genome`.
    variants
        A VCF/VCF.gz/TSV path, a DataFrame (``chrom, pos, ref, alt[, id][, strand]``) or an iterable of
        :class:`danq.variants.reading.Variant` or ``(chrom, pos, ref, alt[, id])`` tuples; ``pos``
        is 1-based.
    scores
        Which of :data:`danq.variants.scoring.SCORES` to compute (default ``diff, logit_diff``).
    targets
        Names, a regex, 0-based indices or a category (see
        :func:`danq.formats.targets.select_targets`); default all.
    rc_average, batch_size, device, precision
        Inference settings (see :func:`danq.inference.predictor.load_predictor`); the defaults
        are the command line's (``precision="fp32"``, :data:`DEFAULT_VARIANT_PRECISION`).
    ref_mismatch
        ``warn`` (score the VCF's REF, ``ref_match=False``), ``skip`` or ``error``.
    background, background_variants, seed, background_score
        ``background=N`` random SNVs (seeded) or explicit ``background_variants`` give empirical
        p-values of ``|background_score|`` (``logit_diff`` or ``deepsea_effect``).
    window
        Window convention: ``centered`` (Selene's placement), ``selene`` (Selene 0.6's deletion
        windows too) or ``left`` (see :mod:`danq.variants.windows`).
    incremental
        Compute each ALT window from its REF window's saved activations where the change is local
        and the model has a rule (:mod:`danq.inference.incremental`; fp32 only); ``False`` runs
        every window through the full model. Same results within 1e-5.

    Returns
    -------
    VariantEffects
        The scored variant table, score matrices (variants in input order), skipped variants.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import danq
    >>> from danq.models import DanQ
    >>> folder = tempfile.TemporaryDirectory()
    >>> fasta = pathlib.Path(folder.name) / "toy.fa"
    >>> _ = fasta.write_text(">chr1\\n" + "ACGT" * 25 + "\\n")
    >>> model = DanQ(sequence_length=40, n_targets=3, conv_channels=6, conv_width=5, pool_size=4,
    ...              lstm_hidden=4, dense_hidden=8)
    >>> result = danq.variant_effect(model, fasta, [("chr1", 50, "C", "T", "rs1"),
    ...                                             ("chr1", 51, "A", "G", "rs2")],
    ...                              precision="fp32")
    >>> result.variants[["chrom", "pos", "id", "ref", "alt", "ref_match"]]
      chrom  pos   id ref alt  ref_match
    0  chr1   50  rs1   C   T       True
    1  chr1   51  rs2   A   G      False
    >>> sorted(result.scores), result.scores["diff"].shape
    (['diff', 'logit_diff'], (2, 3))
    >>> folder.cleanup()
    """
    import pandas as pd

    from danq.inference.predictor import load_predictor

    names = parse_scores(scores)
    check_convention(window)
    check_background_score(background_score)
    predictor = load_predictor(model, device=device, precision=precision, rc_average=rc_average,
                               incremental=incremental)
    genome = _open_genome(genome)
    _check_genome_fits(genome, predictor.sequence_length)
    index = select_targets(targets, predictor.target_names, predictor.target_categories)
    wanted = list(names)
    if (background or background_variants is not None) and background_score not in wanted:
        wanted.append(background_score)
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    parts: dict[str, list[np.ndarray]] = {name: [] for name in wanted}
    for item in score_stream(predictor, genome, variants_from(variants), target_index=index,
                             ref_mismatch=ref_mismatch, batch_size=batch_size, window=window):
        if isinstance(item, Skipped):
            v = item.variant
            skipped.append({"chrom": v.chrom, "pos": v.pos, "id": v.id, "ref": v.ref, "alt": v.alt,
                            "reason": item.reason})
            continue
        for v, match, pad in zip(item.variants, item.ref_match, item.padded, strict=True):
            rows.append({"index": v.index, "chrom": v.chrom, "pos": v.pos, "id": v.id, "ref": v.ref,
                         "alt": v.alt, "strand": v.strand, "ref_match": bool(match),
                         "padded": int(pad)})
        for name, value in batch_scores(item, wanted).items():
            parts[name].append(value)
    n_targets = len(index)
    matrices = {
        name: (np.concatenate(parts[name]) if parts[name]
               else np.zeros((0, n_targets), dtype=np.float32))
        for name in wanted
    }
    result = VariantEffects(
        variants=pd.DataFrame(rows, columns=["index", "chrom", "pos", "id", "ref", "alt", "strand",
                                             "ref_match", "padded"]),
        scores={name: matrices[name] for name in names},
        target_names=[predictor.target_names[i] for i in index],
        skipped=pd.DataFrame(skipped, columns=list(SKIPPED_COLUMNS)),
    )
    if background or background_variants is not None:
        source = (variants_from(background_variants) if background_variants is not None
                  else random_snvs(genome, int(background), seed=seed,
                                   min_chrom_length=predictor.sequence_length))
        bg = background_scores(predictor, genome, source, target_index=index,
                               batch_size=batch_size, statistic=background_score, window=window)
        result.pvalues = empirical_pvalues(matrices[background_score], bg)
        result.min_p, result.min_p_bonferroni, _ = summarize_pvalues(result.pvalues)
    return result


def run_variant_effect(
    variants: PathLike,
    genome: PathLike,
    outdir: PathLike,
    *,
    model: Any = None,
    scores: str | Sequence[str] | None = None,
    targets: str | Sequence[Any] | None = None,
    rc_average: bool = DEFAULT_RC_AVERAGE,
    ref_mismatch: str = "warn",
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = DEFAULT_DEVICE,
    precision: str = DEFAULT_VARIANT_PRECISION,
    threads: int | None = None,
    progress: bool | None = None,
    background: int = 0,
    background_vcf: PathLike | None = None,
    seed: int = 0,
    window: str = DEFAULT_WINDOW,
    background_score: str = DEFAULT_BACKGROUND_SCORE,
    incremental: bool = True,
) -> dict[str, Any]:
    """The ``danq variant-effect`` stage: score a variants file and write ``outdir`` atomically.

    Parameters are those of :func:`variant_effect`; ``device``, ``precision``, ``threads`` and
    ``progress`` are resolved once into :class:`danq.runtime.InferenceSettings` (``threads``:
    torch CPU threads, capped at the available CPUs, 0 all of them, ``None`` torch's setting left
    alone; ``progress``: a bar on stderr, default when stderr is a terminal).

    Returns
    -------
    dict
        Counts (``n_input``, ``n_scored``, ``n_skipped``, ``n_mismatch``, ``n_padded``,
        ``n_background``), ``n_targets``, ``scores`` and ``outdir``.
    """
    from tqdm import tqdm

    from danq.inference.predictor import load_predictor

    names = parse_scores(scores)
    check_convention(window)
    check_background_score(background_score)
    variants_path = require_file(variants, "variants file")
    # malformed or empty: one line, before the model loads (and before cyvcf2 could crash)
    kind, _, contigs = check_variants_file(variants_path)
    background_kind = check_variants_file(background_vcf)[0] if background_vcf is not None else None
    if background < 0:
        raise DanqError(f"--background must be >= 0, got {background}")
    settings = InferenceSettings.resolve(device, precision, threads, progress)
    predictor = load_predictor(model, settings, rc_average=rc_average, incremental=incremental)
    genome_obj = _open_genome(genome)
    length = predictor.sequence_length
    _check_genome_fits(genome_obj, length)
    if contigs and all(genome_obj.resolve(c) is None for c in contigs):
        raise DanqError(
            f"{variants_path}: none of the VCF's contigs ({', '.join(contigs[:5])}"
            f"{', ...' if len(contigs) > 5 else ''}) is in the genome {genome_obj.path} "
            f"({', '.join(genome_obj.chromosomes[:5])}{', ...' if len(genome_obj.chromosomes) > 5 else ''})"
        )
    index = select_targets(targets, predictor.target_names, predictor.target_categories)
    with_p = bool(background) or background_vcf is not None
    wanted = names + ([background_score] if with_p and background_score not in names else [])
    show = settings.progress

    background_sorted = None
    n_background = 0
    if with_p:
        source = (read_variants(background_vcf, checked=background_kind)
                  if background_vcf is not None
                  else random_snvs(genome_obj, background, seed=seed, min_chrom_length=length))
        background_sorted = background_scores(
            predictor, genome_obj, source, target_index=index, batch_size=batch_size,
            where=str(background_vcf or "background"), statistic=background_score, window=window,
        )
        n_background = background_sorted.shape[0]

    tally = Tally()
    attrs = {
        "model": predictor.source, "genome": str(genome_obj.path), "variants": str(variants_path),
        "sequence_length": length, "center_index": center_index(length), "window": window,
        "rc_average": rc_average, "ref_mismatch": ref_mismatch,
        "precision": settings.describe_precision(),
        "n_background": n_background, "background_seed": seed,
        "background_score": background_score, "strand_merge": "per-strand scores averaged",
        "background_source": str(background_vcf) if background_vcf else "random_snvs",
    }
    with atomic_directory(outdir) as folder:
        writer = EffectWriter(
            folder, names, [predictor.target_names[i] for i in index],
            [predictor.target_categories[i] for i in index], index, with_pvalues=with_p,
            attrs=attrs, chunk_rows=max(batch_size, 256),
        )
        try:
            if background_sorted is not None:
                writer.add_background(background_sorted, background_score)
            stream = score_stream(predictor, genome_obj, read_variants(variants_path, checked=kind),
                                  target_index=index, ref_mismatch=ref_mismatch,
                                  batch_size=batch_size, tally=tally, where=str(variants_path),
                                  window=window)
            with tqdm(desc="variant-effect", unit=" variants", disable=not show, file=sys.stderr,
                      mininterval=1) as bar:
                for item in stream:
                    if isinstance(item, Skipped):
                        writer.add_skipped(item)
                        bar.update(1)
                        continue
                    values = batch_scores(item, wanted)
                    pvalues = (empirical_pvalues(values[background_score], background_sorted)
                               if background_sorted is not None else None)
                    writer.add_batch(item, values, pvalues)
                    bar.update(len(item.variants))
        finally:
            writer.close()
    return {
        "n_input": tally.n_input, "n_scored": tally.n_scored, "n_skipped": tally.n_skipped,
        "n_mismatch": tally.n_mismatch, "n_padded": tally.n_padded, "n_background": n_background,
        "n_targets": len(index), "scores": names, "outdir": str(outdir),
        "precision": settings.describe_precision(),
    }
