"""`danq compare`: two evaluations side by side, target by target (the DanQ paper's figure)."""

from __future__ import annotations

import click

from danq.cli.options import danq_command, outdir_option


@danq_command("compare")
@click.argument("metrics_a", type=click.Path(dir_okay=False))
@click.argument("metrics_b", type=click.Path(dir_okay=False))
@outdir_option("Output directory: comparison.png/svg, comparison.tsv, comparison.json.")
@click.option("--labels", nargs=2, type=str, default=("A", "B"), show_default=True,
              help="Names of the two models, e.g. --labels DeepSEA DanQ.")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write comparison.png/svg.")
def command(metrics_a, metrics_b, outdir, labels, plots):
    """Compare METRICS_A (x axis) with METRICS_B (y axis): two metrics.tsv from `danq evaluate`.

    Targets are matched by name; targets that are NaN in either file are left out and counted.
    """
    from pathlib import Path

    from danq.evaluation.compare import compare
    from danq.io import output_directory, refuse_overwriting_inputs

    written = [Path(outdir) / name for name in ("comparison.tsv", "comparison.json",
                                                 "comparison.png", "comparison.svg")]
    refuse_overwriting_inputs([metrics_a, metrics_b], written)
    with output_directory(outdir) as stage:  # published only when every file is complete
        summary = compare(metrics_a, metrics_b, stage, labels=tuple(labels), plots=plots)
    a, b = labels
    for row in summary["categories"]:
        click.echo(
            f"{row['category']}: n={row['n']}  median ROC {a} {row['median_roc_auc_a']:.4f} "
            f"{b} {row['median_roc_auc_b']:.4f}  PR {a} {row['median_pr_auc_a']:.4f} "
            f"{b} {row['median_pr_auc_b']:.4f}  {b} better: ROC "
            f"{100 * row['share_b_better_roc']:.1f}%, PR {100 * row['share_b_better_pr']:.1f}%",
            err=True,
        )
    if summary["n_excluded"]:
        click.echo(f"{summary['n_excluded']} targets excluded (NaN in either file)", err=True)
