"""`danq predict`: chromatin-feature probabilities for every record of a FASTA file."""

from __future__ import annotations

import click

from danq.cli.options import (
    batch_size_option,
    danq_command,
    model_option,
    output_option,
    rc_option,
    runtime_options,
)
from danq.inference.predictor import DEFAULT_BATCH_SIZE


@danq_command("predict")
@click.argument("fasta", type=click.Path(dir_okay=False, allow_dash=True))
@model_option("Checkpoint (.pt). Default: results/models/danq/best.pt in the current directory, "
              "the DanQ trained by `snakemake --cores 8`.")
@output_option("Output file, written atomically (.gz TSV is compressed). Default: TSV to stdout.",
               required=False, allow_dash=True)
@click.option("--format", "fmt", type=click.Choice(["tsv", "h5"]), default=None,
              help="Output format (default: h5 for .h5/.hdf5 outputs, TSV otherwise; h5 needs -o).")
@rc_option()
@batch_size_option(DEFAULT_BATCH_SIZE, "Sequences per forward pass.")
@click.option("--genome", type=click.Path(dir_okay=False), default=None,
              help="Reference FASTA: with a BED input, predict the model-length window centred "
                   "on each interval.")
@runtime_options()
def command(fasta, model, output, fmt, rc_average, batch_size, genome, device, precision, threads,
            progress):
    """Predict every target for each sequence of FASTA (plain, gzip, or - for stdin).

    FASTA may also be a danq HDF5 dataset, or a BED file together with --genome.

    Writes one row per record, in input order: the record name, then one probability per
    target. Sequences of another length than the model's are centre-cropped or N-padded
    (the count is reported on stderr).
    """
    import errno
    import sys

    from danq.cli import reader_closed_pipe
    from danq.errors import DanqError
    from danq.inference.predict import DEFAULT_MODEL, predict_fasta
    from danq.io import refuse_overwriting_inputs

    to_stdout = output is None or output == "-"
    refuse_overwriting_inputs([fasta, model or DEFAULT_MODEL, genome], [output])
    if to_stdout and sys.stdout is None:
        raise DanqError("<stdout>: standard output is closed; write to a file with -o PATH")
    try:
        summary = predict_fasta(
            fasta, output, model=model, fmt=fmt, rc_average=rc_average, batch_size=batch_size,
            device=device, precision=precision, threads=threads or 0, progress=progress, genome=genome,
        )
    except OSError as exc:
        if not to_stdout or exc.filename is not None:
            raise
        if exc.errno == errno.EPIPE:  # the reader (e.g. `head -1`) has all it wants
            reader_closed_pipe()
        reason = "no space left on device" if exc.errno == errno.ENOSPC else exc.strerror
        raise DanqError(f"<stdout>: cannot write ({reason})") from None
    adjusted = ""
    if summary["n_adjusted"]:
        adjusted = (f", {summary['n_adjusted']} centre-cropped/N-padded to "
                    f"{summary['sequence_length']} bp")
    where = "stdout" if summary["output"] == "-" else summary["output"]
    click.echo(
        f"danq predict: {summary['n_sequences']} sequences x {summary['n_targets']} targets "
        f"-> {where} ({summary['format']}, precision {summary['precision']}){adjusted}",
        err=True,
    )
