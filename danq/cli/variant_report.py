"""`danq variant-report`: top-variant heatmaps and, against ground truth, ROC AUC per model."""

from __future__ import annotations

import click

from danq.cli.options import danq_command, label_pairs, outdir_option


@danq_command("variant-report")
@click.option("--effects", multiple=True, required=True, metavar="LABEL=H5",
              help="A model's `danq variant-effect` variant_effects.h5 (repeatable).")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="`danq simulate-variants` truth.tsv: adds truth_auc.tsv.")
@click.option("--score", default="logit_diff", show_default=True, help="Score shown in heatmaps.")
@outdir_option("Output folder: heatmap_<label>.png, truth_auc.tsv, summary.json.")
def command(effects, truth, score, outdir):
    """Heatmap of the top variants x targets per model; with --truth, how well max |logit_diff|
    separates motif-hitting from neutral variants (ROC AUC)."""
    from danq.variants.report import variant_report

    summary = variant_report(label_pairs("--effects", effects, "DanQ=variant_effects.h5"), outdir, truth=truth, score=score)
    for label, entry in summary["models"].items():
        if "auc" in entry:
            auc = "NA" if entry["auc"] is None else f"{entry['auc']:.3f}"
            click.echo(f"danq variant-report: {label}: ROC AUC motif-hitting vs neutral = {auc}",
                       err=True)
    click.echo(f"danq variant-report: wrote {outdir}", err=True)
