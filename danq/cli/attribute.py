"""`danq attribute`: per-base attributions (ISM, saliency, integrated gradients, DeepLIFT/SHAP)."""

from __future__ import annotations

import click

from danq.cli.options import (
    NON_NEGATIVE,
    POSITIVE,
    batch_size_option,
    danq_command,
    incremental_option,
    inference_precision,
    model_option,
    outdir_option,
    runtime_options,
    targets_option,
)
from danq.interpret.methods import METHODS

#: Defaults repeated here so ``--help`` needs no torch; checked equal in tests/cli/test_attribute.py.
DEFAULT_BATCH_SIZE = 128
DEFAULT_PRECISION = "fp32"


def planted_sites(truth: str) -> dict[str, list[tuple[int, int, str]]]:
    """Sequence name -> ``(start, end, motif id + strand)`` of every motif instance a ``danq
    simulate`` truth.json planted, over all its splits."""
    import json

    from danq.simulation.truth import read_truth

    try:
        with open(truth, encoding="utf-8") as handle:
            splits = list(json.load(handle).get("splits", {}))
    except (OSError, ValueError, AttributeError):
        splits = ["test"]  # read_truth names the problem
    sites: dict[str, list[tuple[int, int, str]]] = {}
    for split in splits or ["test"]:
        data = read_truth(truth, split)
        inst = data.instances
        for seq, motif, start, strand in zip(inst["seq"], inst["motif"], inst["start"],
                                             inst["strand"], strict=True):
            end = int(start) + data.motif_lengths[int(motif)]
            label = f"{data.motif_ids[int(motif)]}{'+' if strand > 0 else '-'}"
            sites.setdefault(data.names[int(seq)], []).append((int(start), end, label))
    return sites


@danq_command("attribute")
@click.argument("sequences", type=click.Path(dir_okay=False, allow_dash=True))
@model_option("Checkpoint (.pt). Default: results/models/danq/best.pt in the current directory.")
@click.option("--method", type=click.Choice(list(METHODS)), default="ism", show_default=True,
              help="ism: every substitution (exact); saliency: gradient x input; ig: integrated "
                   "gradients from the all-N baseline; deeplift-shap: DeepLIFT/SHAP against "
                   "dinucleotide shuffles (not for DanQ: no rule through an LSTM).")
@targets_option("Targets to explain")
@click.option("--genome", type=click.Path(dir_okay=False), default=None,
              help="Reference FASTA: with a BED input, explain the model-length window centred "
                   "on each interval.")
@outdir_option("Output directory, published once complete: attributions.h5 (and logos/).")
@click.option("--plot", type=NON_NEGATIVE, default=0, show_default=True,
              help="Draw logos of the K highest-scoring windows per target (logos/).")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="A `danq simulate` truth.json: score the attributions on its planted motif "
                   "instances (accuracy.tsv: AUROC per target) and mark them on the logos "
                   "(logos default: the truth.json beside SEQUENCES, if there is one).")
@click.option("--limit", type=POSITIVE, default=None,
              help="Explain only the first N sequences (default: all).")
@click.option("--n-steps", type=POSITIVE, default=None,
              help="ig: points of the path integral (default 50).")
@click.option("--n-shuffles", type=POSITIVE, default=None,
              help="deeplift-shap: dinucleotide-shuffled references per sequence (default 20).")
@click.option("--seed", type=int, default=None, help="deeplift-shap: seed of the shuffles (default 0).")
@batch_size_option(DEFAULT_BATCH_SIZE, "Sequences (ism: mutants; ig: path points) per forward call.")
@incremental_option("ISM's mutants")
@runtime_options(precision=inference_precision(DEFAULT_PRECISION))
def command(sequences, model, method, targets, genome, outdir, plot, truth, limit, n_steps,
            n_shuffles, seed, batch_size, device, precision, threads, progress, incremental):
    """Explain each target's logit for every sequence of SEQUENCES, base by base.

    SEQUENCES is a FASTA file (plain, gzip, or - for stdin), a danq HDF5 dataset, or a BED file
    with --genome. Every sequence must have the model's length (nothing is cropped or padded);
    N is an all-zero one-hot column. attributions.h5 holds `attributions` (N, T, 4, L): the
    observed base's contribution; `hypothetical` (every base's); for ism also `ism` (logit of each
    substitution minus the sequence's); `tokens`, `names`, `target_names`, settings as attributes.
    With --truth, accuracy.tsv has per target the AUROC of |attribution| separating the planted
    motif instances' positions from the rest, on the sequences the target's rule calls positive.
    """
    from pathlib import Path

    from danq.cli.options import warn
    from danq.errors import DanqError
    from danq.interpret.attribute import attribute_file
    from danq.io import refuse_overwriting_inputs

    refuse_overwriting_inputs([sequences, model, genome, truth], output_dirs=[outdir])
    options = {"n_steps": n_steps, "n_shuffles": n_shuffles, "seed": seed}
    given = [f"--{k.replace('_', '-')}" for k, v in options.items() if v is not None
             and k not in METHODS[method].defaults]
    if given:
        raise DanqError(f"--method {method}: does not take {', '.join(given)}")
    sites = planted_sites(truth) if truth is not None else None  # a bad file fails first
    beside = Path(sequences).parent / "truth.json"
    if plot and truth is None and sequences != "-" and beside.is_file():  # `danq simulate` output
        try:
            sites = planted_sites(str(beside))
        except DanqError as error:
            warn(f"{beside}: not used to mark planted motifs ({error})")
    summary = attribute_file(
        sequences, outdir, model=model, method=method, targets=targets, genome=genome,
        batch_size=batch_size, device=device, precision=precision, threads=threads or 0,
        progress=progress, plot=plot, sites=sites,
        options={k: v for k, v in options.items() if v is not None}, limit=limit, truth=truth,
        incremental=incremental,
    )
    logos = f", {len(summary['logos'])} logo page(s)" if summary["logos"] else ""
    if summary["logos"] and sites:
        logos += f" marking {sum(map(len, sites.values()))} planted motif sites"
    click.echo(
        f"danq attribute: {summary['n_sequences']} sequences x {summary['n_targets']} targets, "
        f"{summary['method']} -> {summary['output']} (logits, precision {summary['precision']})"
        f"{logos}", err=True,
    )
    if summary["accuracy"]:
        import pandas as pd

        table = pd.read_csv(summary["accuracy"], sep="\t")
        click.echo(f"  attribution AUROC on planted instances, median over targets: "
                   f"{table['auroc'].median():.3f} -> {summary['accuracy']}", err=True)
