"""`danq predict`: chromatin-feature probabilities for every record of a FASTA file, every interval
of a BED file, or tiles over genome regions (TSV, HDF5, or bigWig/bedGraph tracks)."""

from __future__ import annotations

import click

from danq.cli.options import (
    batch_size_option,
    danq_command,
    model_option,
    rc_option,
    runtime_options,
    targets_option,
)
from danq.inference.predictor import DEFAULT_BATCH_SIZE


@danq_command("predict")
@click.argument("fasta", type=click.Path(dir_okay=False, allow_dash=True), required=False)
@model_option("Checkpoint (.pt). Default: results/models/danq/best.pt in the current directory, "
              "the DanQ trained by `snakemake --cores 8`.")
@click.option("-o", "--output", "output", default=None, type=click.Path(allow_dash=True),
              help="Output file, written atomically (.gz TSV is compressed); for tracks a folder "
                   "(one file per target, named by target) or one .bw/.bedGraph file. Default: "
                   "TSV to stdout; tracks: the folder tracks/.")
@click.option("--format", "fmt", type=click.Choice(["tsv", "h5", "bigwig", "bedgraph"]),
              default=None,
              help="Output format (default by the output's suffix: .h5/.hdf5, .bw/.bigWig, "
                   ".bedGraph/.bg; else TSV). h5 needs -o; bigwig and bedgraph need --tile and -o.")
@rc_option()
@batch_size_option(DEFAULT_BATCH_SIZE, "Sequences per forward pass.")
@click.option("--genome", type=click.Path(dir_okay=False), default=None,
              help="Reference FASTA (indexed, .fai): with a BED input, predict the model-length "
                   "window centred on each interval; with --tile, the tiles.")
@click.option("--tile", default=None, metavar="REGION|BED",
              help="Score a region in steps instead of FASTA records: chr22, "
                   "chr22:1,000,001-2,000,000 (1-based, inclusive, as a genome browser shows it) "
                   "or a BED file of regions. Needs --genome.")
@click.option("--step", type=click.IntRange(min=1), default=None,
              help="With --tile: bin size in bp [default: 200]. Each bin is scored by the "
                   "model-length window centred on it; bins whose window runs past a chromosome "
                   "end are skipped.")
@targets_option("Targets to write")
@runtime_options()
def command(fasta, model, output, fmt, rc_average, batch_size, genome, tile, step, targets, device,
            precision, threads, progress):
    """Predict every target for each sequence of FASTA (plain, gzip, or - for stdin).

    FASTA may also be a danq HDF5 dataset, or a BED file together with --genome.

    Writes one row per record, in input order: the record name, then one probability per
    target. Sequences of another length than the model's are centre-cropped or N-padded
    (the count is reported on stderr). Rows of a BED input start with the interval's chrom,
    start and end (as given).

    \b
    Genome tracks: with --genome FA --tile REGION|BED (and no FASTA), the region is cut into
    --step bp bins, each scored by the window centred on it; rows (TSV, HDF5) or track intervals
    (--format bigwig|bedgraph) are the bins, e.g.
      danq predict --model best.pt --genome hg19.fa --tile chr22 --step 200 \\
          --format bigwig --targets DNase -o chr22_tracks/
    """
    import errno
    import sys

    from danq.cli import reader_closed_pipe
    from danq.errors import DanqError
    from danq.inference.predict import DEFAULT_MODEL, predict_fasta
    from danq.io import refuse_overwriting_inputs

    to_stdout = output is None or output == "-"
    folder = [output] if fmt in ("bigwig", "bedgraph") else []  # tracks: -o may be a folder
    refuse_overwriting_inputs([fasta, model or DEFAULT_MODEL, genome, tile], [output], folder)
    if to_stdout and sys.stdout is None:
        raise DanqError("<stdout>: standard output is closed; write to a file with -o PATH")
    try:
        summary = predict_fasta(
            fasta, output, model=model, fmt=fmt, rc_average=rc_average, batch_size=batch_size,
            device=device, precision=precision, threads=threads or 0, progress=progress, genome=genome,
            tile=tile, step=step, targets=targets,
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
    if summary["n_skipped"]:
        adjusted += (f", {summary['n_skipped']} bins skipped (their window runs past a "
                     "chromosome end)")
    where = "stdout" if summary["output"] == "-" else summary["output"]
    click.echo(
        f"danq predict: {summary['n_sequences']} sequences x {summary['n_targets']} targets "
        f"-> {where} ({summary['format']}, precision {summary['precision']}){adjusted}",
        err=True,
    )
