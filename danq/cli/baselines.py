"""``danq baselines``: the synthetic benchmark's oracle ceiling and presence-only, marginal and
PWM-scan baselines (``--truth``), or a PWM baseline on a real dataset (``--pwm``), next to each
model (thin shell over danq.simulation.baselines and danq.simulation.pwm_baseline)."""

from __future__ import annotations

import click

from danq.cli.options import danq_command, label_pairs, outdir_option
from danq.simulation.config import DEFAULT_RELEASE


@danq_command("baselines")
@click.option("--truth", default=None, type=click.Path(dir_okay=False),
              help="`danq simulate` truth.json (the synthetic benchmark).")
@click.option("--pwm", "pwm", multiple=True, metavar="[TARGET=]ID[,ID...]",
              help="Real data, instead of --truth: score targets with the best match of these "
                   "JASPAR PWMs (both strands). ID,... scores every target; TARGET=ID,... one "
                   "target (repeatable; a named target ignores the general list).")
@click.option("--release", default=DEFAULT_RELEASE, show_default=True,
              help="JASPAR release of the --pwm IDs (bundled with pyjaspar).")
@click.option("--data", required=True, type=click.Path(dir_okay=False),
              help="The test split as a danq dataset (`danq encode` of test.fa).")
@click.option("--predictions", "predictions", multiple=True, metavar="LABEL=H5",
              help="A model's `danq evaluate` predictions.h5 (repeatable), scored beside the "
                   "baselines (with --truth also under clean labels and by kind of negative).")
@outdir_option("Output folder: <source>/metrics.tsv (with --truth also metrics_clean.tsv, "
               "decoys.tsv), all_metrics.tsv, summary.json.")
def command(truth, pwm, release, data, predictions, outdir):
    """Reference scores beside the models.

    With --truth (the synthetic benchmark): the oracle ceiling (the true rule on the planted
    instances), presence only (the target's motifs present, whatever their order and spacing),
    the marginal baseline (where each motif sits and on which strand, fitted on the training
    split, no interaction between motifs) and a PWM scan (best log-odds, both strands), against
    the noisy and the clean labels; for grammar targets, how each scores each kind of negative.

    With --pwm (a real dataset): each target's best relative log-odds over the named JASPAR
    PWMs, against the dataset's labels; e.g. `--pwm MA0139.2` for a CTCF dataset, or
    `--pwm 'K562|CTCF|None=MA0139.2' --pwm 'HepG2|FOXA1|None=MA0148.4'`.
    """
    from danq.errors import DanqError

    models = label_pairs("--predictions", predictions, "DanQ=predictions.h5")
    if (truth is None) == (not pwm):
        raise DanqError("give either --truth (synthetic benchmark) or --pwm (real dataset)")
    if pwm:
        from danq.simulation.pwm_baseline import LABEL_SET, run_pwm_baselines

        summary = run_pwm_baselines(data, outdir, pwm, models, release)
        label_set = LABEL_SET
    else:
        from danq.simulation.baselines import run_baselines

        summary = run_baselines(truth, data, outdir, models)
        label_set = "noisy"
    click.echo(f"wrote {outdir}/all_metrics.tsv", err=True)
    for source, sets in summary["sources"].items():
        cells = ", ".join(
            f"{cat} PR {v['median_pr_auc']:.3f}" for cat, v in sets[label_set]["categories"].items()
        )
        click.echo(f"  {source}: median {cells} ({label_set} labels)", err=True)
