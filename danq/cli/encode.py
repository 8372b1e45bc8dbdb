"""`danq encode`: FASTA (+ labels) -> danq HDF5 dataset."""

from __future__ import annotations

import click

from danq.cli.options import POSITIVE, danq_command, output_option, progress_option


@danq_command("encode")
@click.argument("fasta", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--labels", type=click.Path(dir_okay=False), default=None,
              help="TSV: column 'name' matching FASTA record names, then one 0/1 column per target.")
@click.option("--categories", type=click.Path(dir_okay=False), default=None,
              help="Optional TSV 'target<TAB>category' (e.g. DNase, TF, histone).")
@output_option("Output dataset (.h5), written atomically.")
@click.option("--length", type=POSITIVE, default=None,
              help="Centre-crop / N-pad every record to this length (default: all records must "
                   "share the first record's length).")
@click.option("--compression", type=click.Choice(["gzip", "lzf", "none"]), default="gzip",
              show_default=True, help="HDF5 compression of the sequences and labels.")
@progress_option
def command(fasta, labels, categories, output, length, compression, progress):
    """Encode FASTA sequences (plain, gzip or - for stdin) into a danq dataset.

    Without --labels the dataset is a prediction set with no targets.
    """
    from danq.datasets.encode import encode_fasta
    from danq.io import refuse_overwriting_inputs

    refuse_overwriting_inputs([fasta, labels, categories], [output])
    summary = encode_fasta(fasta, output, labels, length=length, categories=categories,
                           compression=compression, progress=progress)
    adjusted = f", {summary['n_adjusted']} cropped/padded" if summary["n_adjusted"] else ""
    click.echo(
        f"{output}: {summary['n_sequences']} sequences of {summary['sequence_length']} bp, "
        f"{summary['n_targets']} targets{adjusted}",
        err=True,
    )
