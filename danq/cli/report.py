"""``danq report``: the science summary of a run (thin shell over danq.report.build)."""

from __future__ import annotations

import click

from danq.cli.options import danq_command, label_pairs, outdir_option
from danq.errors import DanqError


@danq_command("report")
@click.option("--metrics", "metrics", multiple=True, required=True, metavar="LABEL=TSV",
              help="A model's `danq evaluate` metrics.tsv; give the baseline (DeepSEA) first, "
                   "the challenger (DanQ) second.")
@click.option("--history", "histories", multiple=True, metavar="LABEL=CSV",
              help="A model's `danq train` metrics.csv, for the training curves.")
@click.option("--tomtom", "tomtom", multiple=True, metavar="LABEL=TSV",
              help="A model's `danq motifs` tomtom.tsv, for motif recovery (needs --truth).")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="`danq simulate` truth.json: the planted motifs.")
@click.option("--baselines", type=click.Path(file_okay=False), default=None,
              help="`danq baselines` output folder: oracle ceiling, presence-only and PWM-scan "
                   "baselines beside each model (synthetic benchmark).")
@click.option("--note", default="", help="A sentence shown at the top of the summary.")
@click.option("--dataset-summary", type=click.Path(dir_okay=False), default=None,
              help="`danq build-dataset` summary.json, listed in the summary.")
@click.option("--variant-summary", type=click.Path(dir_okay=False), default=None,
              help="`danq variant-report` summary.json, listed in the summary.")
@click.option("--scatter", type=click.Path(dir_okay=False), default=None,
              help="`danq compare` comparison.png, embedded in report.html.")
@click.option("--curves", "curves", multiple=True, metavar="LABEL=PNG",
              help="A model's `danq evaluate` curves.png, embedded in report.html.")
@click.option("--logos", "logos", multiple=True, metavar="LABEL=PNG",
              help="A model's `danq motifs` logos_overview.png, embedded in report.html.")
@click.option("--interpretation", "interpretation", multiple=True, metavar="LABEL=DIR",
              help="A model's interpretation folder (workflow: results/interpret/RUN): "
                   "attribution accuracy, TF-MoDISco recovery, grammar experiment (needs --truth).")
@outdir_option("Output folder: report.html, tables.html, summary.md, summary.json, "
               "auc_by_category.tsv, training_curves.png.")
def command(metrics, histories, tomtom, truth, baselines, note, dataset_summary, variant_summary,
            scatter, curves, logos, interpretation, outdir):
    """Summarise a run: AUC per target category, DanQ's wins over DeepSEA, planted motifs
    recovered by each model's filters (TOMTOM E < 0.01), and the training curves; report.html
    opens with the verdict and embeds every figure."""
    from pathlib import Path

    from danq.io import output_directory, refuse_overwriting_inputs
    from danq.report.build import build_report

    metric_paths, history_paths = label_pairs("--metrics", metrics), label_pairs("--history", histories)
    tomtom_paths = label_pairs("--tomtom", tomtom)
    curve_paths, logo_paths = label_pairs("--curves", curves), label_pairs("--logos", logos)
    interpretation_dirs = label_pairs("--interpretation", interpretation)
    if tomtom_paths and truth is None:
        raise DanqError("--tomtom needs --truth (the `danq simulate` truth.json naming the planted "
                        "motifs) to measure motif recovery")
    written = [Path(outdir) / name for name in ("summary.md", "summary.json",
                                                 "auc_by_category.tsv", "training_curves.png",
                                                 "report.html", "tables.html")]
    inputs = [*metric_paths.values(), *history_paths.values(), *tomtom_paths.values(), truth,
              baselines, dataset_summary, variant_summary, scatter, *curve_paths.values(),
              *logo_paths.values()]
    refuse_overwriting_inputs(inputs, written)
    with output_directory(outdir) as stage:  # published only when every file is complete
        summary = build_report(stage, metric_paths, history_paths, tomtom_paths, truth, note=note,
                               baselines=baselines, dataset_summary=dataset_summary,
                               variant_summary=variant_summary,
                               scatter=scatter, curves=curve_paths, logos=logo_paths,
                               interpretation=interpretation_dirs)
    click.echo(f"wrote {outdir}/report.html and {outdir}/summary.md", err=True)
    for goal in summary.get("goals", []):
        click.echo(f"  {goal['goal']}: {goal['measured']} ({'met' if goal['met'] else 'not met'})",
                   err=True)
