"""`danq build-dataset`: a genome FASTA + one peak file per target -> DeepSEA-style danq datasets."""

from __future__ import annotations

import click

from danq.cli.options import (
    POSITIVE,
    danq_command,
    deprecated,
    outdir_option,
    progress_option,
    warn,
)
from danq.datasets.build import BuildOptions
from danq.formats.dataset_writer import COMPRESSIONS


@danq_command("build-dataset")
@click.option("--genome", required=True, type=click.Path(dir_okay=False),
              help="Reference FASTA (plain or bgzip; indexed on first use).")
@click.option("--peaks", required=True, type=click.Path(dir_okay=False),
              help="The targets and their peaks, a TSV with columns name, category, peaks (BED / "
                   "narrowPeak / broadPeak, plain or gzip, path relative to the table).")
@deprecated({"--targets": "--peaks"})
@outdir_option("Output folder: train.h5, valid.h5, test.h5 and summary.json (written atomically).")
@click.option("--bin-size", type=POSITIVE, default=BuildOptions.bin_size, show_default=True,
              help="Bin size: a target is 1 when more than half of the bin lies in its (merged) peaks.")
@click.option("--window", type=POSITIVE, default=BuildOptions.window, show_default=True,
              help="Sequence length: the window centred on each bin.")
@click.option("--require-category", default=None,
              help="Keep bins positive for a target of these categories (comma list, or 'any'; "
                   "default: TF when a target has that category, else any).")
@click.option("--background-ratio", type=float, default=BuildOptions.background_ratio, show_default=True,
              help="Also draw R random bins per kept bin (same chromosome and split) with no "
                   "required positive.")
@click.option("--match-gc", is_flag=True, help="Draw the background bins to match the kept windows' GC.")
@click.option("--seed", type=int, default=BuildOptions.seed, show_default=True,
              help="Seed of the background draw.")
@click.option("--valid", default=BuildOptions.valid, show_default=True,
              help="Validation chromosomes or regions (comma list; regions 1-based inclusive).")
@click.option("--test", default=BuildOptions.test, show_default=True,
              help="Test chromosomes or regions (comma list).")
@click.option("--chroms", default=None,
              help="Chromosomes to use (comma list; default: 1-22, X, Y with or without chr).")
@click.option("--blacklist", type=click.Path(dir_okay=False), default=None,
              help="BED of regions to avoid: windows overlapping them are dropped.")
@click.option("--max-n-fraction", type=float, default=BuildOptions.max_n_fraction, show_default=True,
              help="Drop windows with a larger fraction of N.")
@click.option("--both-strands", is_flag=True,
              help="Also store each window's reverse complement, linked to it by strand and "
                   "pair_index as in the DeepSEA bundle (written block by block).")
@click.option("--compression", type=click.Choice(COMPRESSIONS), default=BuildOptions.compression, show_default=True,
              help="HDF5 compression of the outputs.")
@progress_option
def command(genome, peaks, outdir, bin_size, window, require_category, background_ratio,
            match_gc, seed, valid, test, chroms, blacklist, max_n_fraction, both_strands,
            compression, progress):
    """Build DeepSEA-style training data from a genome and peak files (DeepSEA's recipe by default).

    The genome is cut into 200 bp bins; a target is 1 for a bin when more than half of the bin lies
    inside the target's peaks (peaks of one target merged first); the sample is the 1000 bp window
    centred on the bin; bins with a positive for a TF are kept. chr8 and chr9 are the test set,
    chr7:30508751-35296850 the validation set (a window straddling a region's edge is dropped), the
    rest is training. Each split records the windows' coordinates (chrom, start, end).
    """
    from danq.datasets.build import build_dataset

    options = BuildOptions(
        bin_size=bin_size, window=window, require_category=require_category,
        background_ratio=background_ratio, match_gc=match_gc, seed=seed, valid=valid, test=test,
        chroms=chroms, blacklist=blacklist, max_n_fraction=max_n_fraction,
        both_strands=both_strands, compression=compression,
    )
    summary = build_dataset(genome, peaks, outdir, options, warn=warn, progress=bool(progress))
    for split, stats in summary["splits"].items():
        click.echo(
            f"{outdir}/{split}.h5: {stats['samples']} samples ({stats['kept']} kept + "
            f"{stats['background']} background windows)", err=True,
        )
    dropped = ", ".join(f"{k} {v}" for k, v in summary["dropped_windows"].items() if v)
    click.echo(f"dropped windows: {dropped or 'none'}; {summary['seconds']} s", err=True)
