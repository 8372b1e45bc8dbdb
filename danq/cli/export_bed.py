"""`danq export-bed`: a dataset's sample windows and labels as BED, for a genome browser."""

from __future__ import annotations

import click

from danq.cli.options import danq_command, deprecated, output_option, targets_option


@danq_command("export-bed")
@click.argument("dataset", type=click.Path(dir_okay=False))
@output_option("BED file to write (atomically).")
@targets_option("Targets reported in the name/score columns")
@deprecated({"--target": "--targets"})
@click.option("--positives-only", is_flag=True, help="Skip windows with no positive target.")
@click.option("--both-strands", is_flag=True,
              help="Also write the reverse-complement rows of a paired dataset.")
def command(dataset, output, targets, positives_only, both_strands):
    """Write DATASET's windows as BED6: chrom, start, end, positive targets, their count, strand.

    DATASET must carry coordinates (made by `danq build-dataset`).
    """
    from danq.datasets.export_bed import export_bed

    n = export_bed(dataset, output, targets=_target_names(dataset, targets),
                   positives_only=positives_only, both_strands=both_strands)
    click.echo(f"{output}: {n} windows", err=True)


def _target_names(dataset: str, spec: str | None) -> list[str]:
    """The names of the targets ``--targets`` selects in DATASET, in dataset order (none: all)."""
    if spec is None:
        return []
    from danq.formats.dataset import open_dataset
    from danq.formats.targets import select_targets

    with open_dataset(dataset) as ds:
        chosen = select_targets(spec, ds.target_names, ds.target_categories)
        return [ds.target_names[i] for i in chosen]
