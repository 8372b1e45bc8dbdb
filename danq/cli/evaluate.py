"""`danq evaluate`: per-target ROC AUC and PR AUC of a model on a labelled test dataset."""

from __future__ import annotations

import click

from danq.cli.options import (
    batch_size_option,
    danq_command,
    model_option,
    outdir_option,
    rc_option,
    runtime_options,
)
from danq.inference.predictor import DEFAULT_BATCH_SIZE


@danq_command("evaluate")
@model_option("Checkpoint (.pt) to evaluate.")
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="Labelled danq test dataset (.h5).")
@click.option("--from-predictions", "from_predictions", type=click.Path(dir_okay=False),
              default=None,
              help="Redo metrics and plots from a saved predictions.h5 instead (no model needed).")
@outdir_option("Output directory: metrics.tsv, summary.json, predictions.h5, curves.png/svg.")
@rc_option("Average forward and reverse-complement predictions (paired datasets: each forward "
           "row with its stored partner).",
           deprecated={"--rc-average": "--rc", "--no-rc-average": "--no-rc"})
@batch_size_option(DEFAULT_BATCH_SIZE, "Sequences per forward pass.")
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write curves.png/svg.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="`danq simulate` truth.json of the test data: the PR curves show the oracle "
                   "ceiling (synthetic benchmark).")
@runtime_options()
def command(model, data, from_predictions, outdir, rc_average, batch_size, device, precision,
            threads, plots, truth, progress):
    """Score a model on a test set: ROC AUC and PR AUC per target, summaries per category.

    Targets without positives or negatives in the test set are reported as not scored (NaN).
    """
    from pathlib import Path

    from danq.io import output_directory, refuse_overwriting_inputs

    written = [Path(outdir) / name for name in ("metrics.tsv", "summary.json", "curves.png",
                                                 "curves.svg")]
    if from_predictions is None:
        written.append(Path(outdir) / "predictions.h5")
    refuse_overwriting_inputs([model, data, from_predictions, truth], written)
    with output_directory(outdir) as stage:  # published only when every file is complete
        summary = _run(model, data, from_predictions, stage, rc_average, batch_size, device,
                       precision, threads, plots, progress, truth)
    _print_summary(summary, outdir)


def _run(model, data, from_predictions, outdir, rc_average, batch_size, device, precision,
         threads, plots, progress, truth=None) -> dict:
    """Evaluate a model on a dataset, or redo the metrics from saved predictions; the summary."""
    from danq.errors import DanqError

    oracle = None
    if truth is not None and plots:  # read before any work, so a bad file fails first
        from danq.simulation.oracle import truth_oracle

        oracle = truth_oracle(truth)
    if from_predictions is not None:
        if model is not None or data is not None:
            raise DanqError("--from-predictions replaces --model and --data; pass one or the other")
        from danq.evaluation.evaluate import evaluate_predictions

        summary = evaluate_predictions(from_predictions, outdir, plots=plots, oracle=oracle)
    else:
        if model is None or data is None:
            raise DanqError("evaluate needs --model and --data (or --from-predictions)")
        from danq.evaluation.evaluate import evaluate

        summary = evaluate(
            model, data, outdir, rc_average=rc_average, batch_size=batch_size, device=device,
            precision=precision, threads=threads or 0, progress=progress, plots=plots,
            oracle=oracle,
        )
    return summary


def _print_summary(summary: dict, outdir: str) -> None:
    """The one-paragraph result on stderr."""
    overall = summary["overall"]

    def fmt(value):
        return "n/a" if value is None else f"{value:.4f}"

    click.echo(
        f"danq evaluate: {summary['n_scored']} of {summary['n_targets']} targets scored; median "
        f"ROC AUC {fmt(overall['roc_auc']['median'])}, PR AUC {fmt(overall['pr_auc']['median'])}"
        f" -> {outdir} (precision {summary.get('precision', 'fp32')})",
        err=True,
    )
    if summary["n_not_scored"]:
        shown = ", ".join(summary["not_scored"][:5])
        more = " ..." if summary["n_not_scored"] > 5 else ""
        click.echo(f"  not scored (no positives or no negatives): {shown}{more}", err=True)
