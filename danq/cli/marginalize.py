"""`danq marginalize`: the grammar experiment — plant motif A and B over an order/strand/spacing grid."""

from __future__ import annotations

import click

from danq.cli.options import (
    POSITIVE,
    batch_size_option,
    danq_command,
    inference_precision,
    model_option,
    outdir_option,
    rc_option,
    runtime_options,
    targets_option,
)

#: Defaults repeated here so ``--help`` needs no torch (danq.interpret.marginalize holds them too).
DEFAULT_BACKGROUNDS = 100
DEFAULT_BATCH_SIZE = 128
DEFAULT_RELEASE = "JASPAR2024"


def _pair(option: str, text: str | None) -> tuple[int, int] | None:
    from danq.errors import DanqError

    if text is None:
        return None
    try:
        lo, hi = (int(v) for v in text.split(","))
    except ValueError:
        raise DanqError(f"{option} {text}: expected MIN,MAX (e.g. 50,200)") from None
    return lo, hi


@danq_command("marginalize")
@model_option("Checkpoint (.pt). Default: results/models/danq/best.pt in the current directory.")
@click.option("--motifs", required=True, metavar="A,B",
              help="The two motifs: JASPAR CORE vertebrates IDs (MA0139.2, MA0139) or TF names, "
                   "or names in --meme / --truth.")
@outdir_option("Output directory, published once complete: marginalize.tsv, marginalize.npz, "
               "plots/, summary.json.")
@click.option("--spacings", default=None, metavar="LIST",
              help="Bases between the motifs (the rule's gap): 0,10,50 or START:STOP:STEP "
                   "(inclusive), or both. Default 0:300:10, cut where the pair stops fitting.")
@click.option("--orders", default="AB,BA", show_default=True,
              help="AB: A first reading in A's orientation (the rule's order); BA: swapped.")
@click.option("--strands", default="same,opposite", show_default=True,
              help="B's strand relative to A's.")
@click.option("--orientations", default="+,-", show_default=True,
              help="The strand A is written on (-: the whole pair reverse-complemented).")
@click.option("--background", "background", default=str(DEFAULT_BACKGROUNDS), show_default=True,
              metavar="N|FILE",
              help="N sequences of the simulation's background (human-like Markov chain), or a "
                   "FASTA / danq HDF5 file whose first --n-backgrounds records are "
                   "dinucleotide-shuffled (tangermeme).")
@click.option("--n-backgrounds", type=POSITIVE, default=DEFAULT_BACKGROUNDS, show_default=True,
              help="With a FILE --background: how many of its records to use.")
@click.option("--planting", type=click.Choice(["consensus", "sampled"]), default="consensus",
              show_default=True,
              help="consensus: each motif's most likely base per column; sampled: one site per "
                   "background drawn from the matrix (seeded), the same in every cell.")
@click.option("--meme", type=click.Path(dir_okay=False), default=None,
              help="A MEME file whose motif names --motifs may use.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="A `danq simulate` truth.json: its planted matrices, and the rule windows of "
                   "its grammar targets on A and B (shaded, and in_rule in the table).")
@click.option("--rule-window", default=None, metavar="MIN,MAX",
              help="A rule window for every target (A then B, same strand, MIN <= gap <= MAX).")
@click.option("--release", default=DEFAULT_RELEASE, show_default=True,
              help="JASPAR release (bundled with pyjaspar, offline).")
@targets_option("Targets to record")
@rc_option()
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the backgrounds, shuffles and sampled sites.")
@click.option("--plots/--no-plots", default=True, show_default=True, help="Draw plots/<target>.png.")
@batch_size_option(DEFAULT_BATCH_SIZE, "Sequences per forward call.")
@runtime_options(precision=inference_precision("fp32"))
def command(model, motifs, outdir, spacings, orders, strands, orientations, background,
            n_backgrounds, planting, meme, truth, rule_window, release, targets, rc_average, seed,
            plots, batch_size, device, precision, threads, progress):
    """Plant motif A and B into background sequences over a grid of order, strand, orientation
    and spacing, and record the model's logits.

    Per target and cell: Δlogit of A+B over the background, of A alone and B alone, and the
    interaction f(AB) − f(A) − f(B) + f(bg), as mean and sd over the backgrounds. A model that
    learned "A then B, same strand, 50–200 bp" responds more inside that window than outside;
    a presence-only model responds the same everywhere.
    """
    from danq.errors import DanqError
    from danq.inference.predictor import default_model_path
    from danq.interpret.marginalize import run_marginalize
    from danq.interpret.planting import parse_spacings
    from danq.io import refuse_overwriting_inputs

    names = [m.strip() for m in motifs.split(",")]
    if len(names) != 2 or not all(names):
        raise DanqError(f"--motifs {motifs}: expected two motifs, A,B")
    background_spec = int(background) if background.strip().isdigit() else background
    model_path = model if model is not None else default_model_path()
    files = [model_path, meme, truth] + ([background] if isinstance(background_spec, str) else [])
    refuse_overwriting_inputs(files, output_dirs=[outdir])
    summary = run_marginalize(
        model_path, outdir, names[0], names[1], backgrounds=background_spec,
        rule_window=_pair("--rule-window", rule_window), plots=plots,
        spacings=None if spacings is None else parse_spacings(spacings),
        orders=orders.split(","), strands=strands.split(","),
        orientations=orientations.split(","), planting=planting, seed=seed,
        n_backgrounds=n_backgrounds, targets=targets, release=release, meme=meme, truth=truth,
        rc_average=rc_average, device=device, precision=precision, threads=threads,
        batch_size=batch_size, progress=progress)
    click.echo(
        f"{outdir}: {summary['motif_a']['name']} and {summary['motif_b']['name']} planted in "
        f"{summary['n_backgrounds']} backgrounds over {summary['n_cells']} cells, "
        f"{len(summary['targets'])} targets ({summary['precision']}"
        f"{', RC-averaged' if summary['rc_average'] else ''})"
        + (f"; rule windows for {len(summary['rule_windows'])} targets"
           if summary["rule_windows"] else ""),
        err=True)
