"""`danq variant-effect`: how each variant of a VCF/TSV changes a model's predictions."""

from __future__ import annotations

import click

from danq.cli.options import (
    NON_NEGATIVE,
    batch_size_option,
    danq_command,
    incremental_option,
    inference_precision,
    model_option,
    outdir_option,
    rc_option,
    runtime_options,
    targets_option,
)
from danq.variants.batches import DEFAULT_BATCH_SIZE, MISMATCH_POLICIES
from danq.variants.effect import DEFAULT_VARIANT_PRECISION
from danq.variants.scoring import DEFAULT_SCORES, SCORES
from danq.variants.significance import BACKGROUND_SCORES, DEFAULT_BACKGROUND_SCORE
from danq.variants.windows import DEFAULT_WINDOW, WINDOW_CONVENTIONS


@danq_command("variant-effect")
@click.argument("variants", type=click.Path(dir_okay=False))
@click.option("--genome", required=True, type=click.Path(dir_okay=False),
              help="Reference FASTA (plain or bgzip; the .fai is built if missing). The published "
                   "DeepSEA/DanQ models are hg19 (GRCh37): use the genome your model was trained on.")
@model_option("Checkpoint (.pt). Default: results/models/danq/best.pt in the current directory.")
@outdir_option("Output directory, its files published together once complete: <score>.tsv, skipped.tsv, "
               "variant_effects.h5.")
@click.option("--scores", default=",".join(DEFAULT_SCORES), show_default=True,
              help=f"Comma-separated: {', '.join(SCORES)}.")
@targets_option("Targets to score")
@rc_option()
@click.option("--window", type=click.Choice(WINDOW_CONVENTIONS), default=DEFAULT_WINDOW,
              show_default=True,
              help="Where the variant sits in its window: centered (REF centred, indels trimmed or "
                   "filled on both sides: Selene's placement), selene (also Selene 0.6's deletion "
                   "windows, to compare with it) or left (first REF base at L//2-1, indels shift "
                   "the right flank only).")
@click.option("--ref-mismatch", type=click.Choice(MISMATCH_POLICIES), default="warn",
              show_default=True,
              help="A REF that differs from the genome: warn (score the VCF's REF, ref_match=False), "
                   "skip (to skipped.tsv) or error.")
@click.option("--background", type=NON_NEGATIVE, default=0, show_default=True,
              help="Score N random SNVs (non-N positions) and add empirical p-values of "
                   "the --background-score (pvalue.tsv, significance.tsv).")
@click.option("--background-score", type=click.Choice(BACKGROUND_SCORES),
              default=DEFAULT_BACKGROUND_SCORE, show_default=True,
              help="Statistic ranked against the background: |logit_diff|, or DeepSEA's "
                   "|diff| x |logit_diff| (deepsea_effect).")
@click.option("--background-vcf", type=click.Path(dir_okay=False), default=None,
              help="Use the variants of this VCF/TSV (e.g. common variants) as the background.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the background SNVs.")
@incremental_option("each ALT window (SNVs, MNPs)")
@batch_size_option(DEFAULT_BATCH_SIZE, "Variants per forward pass (ref and alt windows go together).")
@runtime_options(precision=inference_precision(DEFAULT_VARIANT_PRECISION))
def command(variants, genome, model, outdir, scores, targets, rc_average, window, ref_mismatch,
            background, background_score, background_vcf, seed, batch_size, device, precision,
            threads, progress, incremental):
    """Score every variant of VARIANTS (VCF, VCF.gz, or TSV: chrom, pos, ref, alt, optionally id and strand).

    Each variant's window has the model's length with REF centred (--window); indels keep the
    length with flank from the genome. logit_diff and deepsea_effect come from the logits, per
    strand, then averaged over the strands (--rc). Multi-allelic records are split; symbolic
    alleles, unknown chromosomes and the like go to skipped.tsv with a reason.
    """
    from danq.variants.effect import run_variant_effect

    summary = run_variant_effect(
        variants, genome, outdir, model=model, scores=scores, targets=targets,
        rc_average=rc_average, ref_mismatch=ref_mismatch, batch_size=batch_size, device=device,
        precision=precision, threads=threads or 0, progress=progress, background=background,
        background_vcf=background_vcf, seed=seed, window=window,
        background_score=background_score, incremental=incremental,
    )
    notes = []
    if summary["n_mismatch"]:
        verb = {"warn": "scored with the VCF's REF", "skip": "skipped"}.get(ref_mismatch, "")
        notes.append(f"{summary['n_mismatch']} REF mismatch(es) with the genome ({verb})")
    if summary["n_padded"]:
        notes.append(f"{summary['n_padded']} window(s) N-padded at a chromosome end")
    if summary["n_background"]:
        notes.append(f"p-values against {summary['n_background']} background variants")
    click.echo(
        f"danq variant-effect: {summary['n_scored']} of {summary['n_input']} variants scored x "
        f"{summary['n_targets']} targets, {summary['n_skipped']} skipped -> {summary['outdir']} "
        f"(precision {summary.get('precision', 'fp32')})"
        + "".join(f"; {n}" for n in notes),
        err=True,
    )
