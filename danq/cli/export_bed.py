"""`danq export-bed`: a dataset's sample windows and labels as BED, for a genome browser."""

from __future__ import annotations

import click


@click.command(name="export-bed", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("dataset", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="BED file to write (atomically).")
@click.option("--target", "targets", multiple=True,
              help="Report only this target in the name/score columns (repeatable).")
@click.option("--positives-only", is_flag=True, help="Skip windows with no positive target.")
@click.option("--both-strands", is_flag=True,
              help="Also write the reverse-complement rows of a paired dataset.")
def command(dataset, output, targets, positives_only, both_strands):
    """Write DATASET's windows as BED6: chrom, start, end, positive targets, their count, strand.

    DATASET must carry coordinates (made by `danq build-dataset`).
    """
    from danq.datasets.build import export_bed

    n = export_bed(dataset, output, targets=targets, positives_only=positives_only,
                   both_strands=both_strands)
    click.echo(f"{output}: {n} windows", err=True)
