"""`danq import-deepsea`: the DeepSEA training bundle (.mat) -> danq HDF5 datasets."""

from __future__ import annotations

import click

from danq.cli.options import POSITIVE, danq_command, outdir_option, progress_option, warn


@danq_command("import-deepsea")
@click.argument("deepsea_dir", type=click.Path(file_okay=False))
@outdir_option("Output folder for train.h5, valid.h5 and test.h5 (each written atomically).")
@click.option("--names", type=click.Path(dir_okay=False), default=None,
              help="Target names, one per line (e.g. DeepSEA's predictor.names, "
                   "'cell|factor|treatment'); default t000, t001, ...")
@click.option("--chunk-samples", type=POSITIVE, default=None,
              help="Samples read and converted per block (default: ~64 MiB of one-hot, aligned to "
                   "the file's chunks).")
@click.option("--split", "splits", multiple=True, type=click.Choice(["train", "valid", "test"]),
              help="Convert only this split (repeatable; default: all three).")
@click.option("--shuffle-seed", type=click.IntRange(min=0), default=1337, show_default=True,
              help="Seed of the one-off permutation of train.h5's rows (the bundle is in genome "
                   "order, reverse complements second; pairs stay linked by pair_index).")
@click.option("--keep-order", is_flag=True,
              help="Keep train.h5 in the bundle's order (no permutation).")
@progress_option
def command(deepsea_dir, outdir, names, chunk_samples, splits, shuffle_seed, keep_order, progress):
    """Convert DEEPSEA_DIR/{train,valid,test}.mat (DeepSEA's deepsea_train bundle) to danq datasets.

    train.mat (MATLAB v7.3/HDF5) and valid.mat / test.mat (MATLAB v5) are streamed in blocks of samples,
    so memory stays bounded however large the files. One-hot A,G,C,T becomes A,C,G,T tokens; each
    sample's strand (+1 first half, -1 second half) and reverse-complement partner (i <-> i + N/2) are
    recorded. With 919 targets the categories are DeepSEA's: 125 DNase, 690 TF, 104 histone. The
    training rows are permuted once (seeded, --shuffle-seed), since the training loader mixes only a
    few contiguous chunks per batch; this needs temporary disk about the size of the raw rows.
    """
    from pathlib import Path

    from danq.datasets.deepsea.importer import import_deepsea
    from danq.datasets.splits import SPLITS
    from danq.io import refuse_overwriting_inputs

    chosen = list(splits) or list(SPLITS)
    inputs = [Path(deepsea_dir) / f"{split}.mat" for split in chosen]
    refuse_overwriting_inputs([*inputs, names], output_dirs=[outdir])

    summaries = import_deepsea(
        deepsea_dir, outdir, names=names, chunk_samples=chunk_samples,
        splits=chosen, progress=progress, warn=warn,
        shuffle_seed=None if keep_order else shuffle_seed,
    )
    for s in summaries:
        click.echo(
            f"{s['output']}: {s['n_samples']} samples ({s['n_samples'] // 2} windows x 2 strands) of "
            f"{s['sequence_length']} bp, {s['n_targets']} targets, from {s['format']} in "
            f"{s['seconds']:.1f} s" + (
                f", rows permuted (seed {s['shuffle_seed']})" if s["shuffle_seed"] is not None else ""),
            err=True,
        )
