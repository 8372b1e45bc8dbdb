"""``danq baselines``: oracle ceiling, presence-only and PWM-scan baselines of the synthetic
benchmark, next to each model, under noisy and clean labels (thin shell over danq.simulation.baselines)."""

from __future__ import annotations

import click

from danq.cli.options import danq_command, label_pairs, outdir_option


@danq_command("baselines")
@click.option("--truth", required=True, type=click.Path(dir_okay=False),
              help="`danq simulate` truth.json.")
@click.option("--data", required=True, type=click.Path(dir_okay=False),
              help="The test split as a danq dataset (`danq encode` of test.fa).")
@click.option("--predictions", "predictions", multiple=True, metavar="LABEL=H5",
              help="A model's `danq evaluate` predictions.h5 (repeatable), scored under clean "
                   "labels and broken down by kind of negative.")
@outdir_option("Output folder: <source>/{metrics.tsv,metrics_clean.tsv,decoys.tsv}, "
               "all_metrics.tsv, decoys.tsv, summary.json.")
def command(truth, data, predictions, outdir):
    """Score the synthetic benchmark's reference scores on the test split: the oracle ceiling
    (the true rule on the planted instances), presence only (the target's motifs present,
    whatever their order and spacing) and a PWM scan (best log-odds, both strands), plus each
    model's predictions, against the noisy and the clean labels; and, for grammar targets, how
    each scores each kind of negative (swapped, too close, too far, one motif, none)."""
    from danq.simulation.baselines import run_baselines

    summary = run_baselines(truth, data, outdir, label_pairs("--predictions", predictions, "DanQ=predictions.h5"))
    click.echo(f"wrote {outdir}/all_metrics.tsv", err=True)
    for source, sets in summary["sources"].items():
        cells = ", ".join(
            f"{cat} PR {v['median_pr_auc']:.3f}" for cat, v in sets["noisy"]["categories"].items()
        )
        click.echo(f"  {source}: median {cells} (noisy labels)", err=True)
