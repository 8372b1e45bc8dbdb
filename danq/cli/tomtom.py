"""`danq tomtom`: compare the motifs of any MEME file to JASPAR, as `danq motifs` compares filters."""

from __future__ import annotations

from collections.abc import Callable

import click

from danq.cli.options import POSITIVE, danq_command, outdir_option, threads_option
from danq.formats.jaspar import DEFAULT_RELEASE
from danq.motifs.scoring import DEFAULT_MIN_OVERLAP, DISTANCES
from danq.motifs.tomtom import (
    DEFAULT_EVALUE,
    DEFAULT_MIN_BITS,
    DEFAULT_MIN_WIDTH,
    DEFAULT_TOP,
    DEFAULT_TRIM_BITS,
)


def matching_options(func: Callable) -> Callable:
    """``--dist --min-overlap --trim-bits --min-bits --min-width --database-size --decoys``: shared by
    `danq tomtom` and `danq motifs`, so both compare motifs the same way."""
    options = [
        click.option("--dist", type=click.Choice(DISTANCES), default="pearson", show_default=True,
                     help="Column score: pearson (TOMTOM as the DanQ paper ran it) or euclidean "
                          "(memelite's TOMTOM)."),
        click.option("--min-overlap", type=POSITIVE, default=DEFAULT_MIN_OVERLAP, show_default=True,
                     help="Aligned columns an offset needs (the paper's -min-overlap 5)."),
        click.option("--trim-bits", type=float, default=DEFAULT_TRIM_BITS, show_default=True,
                     help="Trim flank columns with less information than this (bits); 0: no "
                          "trimming."),
        click.option("--min-bits", type=float, default=DEFAULT_MIN_BITS, show_default=True,
                     help="A motif with less information after trimming is 'uninformative' and "
                          "not compared."),
        click.option("--min-width", type=POSITIVE, default=DEFAULT_MIN_WIDTH, show_default=True,
                     help="A motif narrower than this after trimming is 'uninformative'."),
        click.option("--database-size", type=POSITIVE, default=None,
                     help="E = p × N: give the size of another run's database to compare like for "
                          "like (the DanQ paper's TOMTOM searched about 1,748 motifs). Default: "
                          "the number of JASPAR motifs searched."),
        click.option("--decoys/--no-decoys", default=True, show_default=True,
                     help="Measure the false-match rate on shuffled-column and background-only "
                          "decoys of the motifs (summary.json)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@danq_command("tomtom")
@click.argument("motifs", type=click.Path(dir_okay=False))
@outdir_option("Output directory: tomtom.tsv, queries.tsv, summary.json (published together once "
               "complete; other files in it are kept).", deprecated=["--output"])
@click.option("--release", default=DEFAULT_RELEASE, show_default=True,
              help="JASPAR release of CORE vertebrates (JASPAR2016 is the DanQ paper's database).")
@click.option("--evalue", "evalue_threshold", type=float, default=DEFAULT_EVALUE, show_default=True,
              help="A motif matches when its best E-value is below this (the paper's 0.01).")
@click.option("--top-matches", type=POSITIVE, default=DEFAULT_TOP, show_default=True,
              help="Matches per motif written to tomtom.tsv.")
@matching_options
@threads_option(", for memelite's TOMTOM (--dist euclidean)")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the decoys.")
def command(motifs, outdir, release, evalue_threshold, top_matches, dist, min_overlap, trim_bits,
            min_bits, min_width, database_size, decoys, threads, seed):
    """Compare the motifs of a MEME file to JASPAR CORE vertebrates with TOMTOM.

    Low-information flanks are trimmed and motifs with too little information left are reported
    as uninformative; the rest are compared with TOMTOM's statistics (Pearson column scores,
    E = p × database size or --database-size, Storey q per motif). Writes tomtom.tsv (the columns of `danq motifs`, with
    `query` for `filter`), queries.tsv and summary.json (with the decoy false-match rate) to
    OUTDIR.
    """
    from danq.motifs.run import run_tomtom
    from danq.motifs.tomtom import MatchSettings

    settings = MatchSettings(
        dist=dist, min_overlap=min_overlap, trim_bits=trim_bits, min_bits=min_bits,
        min_width=min_width, evalue_threshold=evalue_threshold, top=top_matches,
        database_size=database_size,
    )
    summary = run_tomtom(motifs, outdir, release=release, settings=settings, decoys=decoys,
                         seed=seed, threads=threads)
    message = (
        f"{outdir}: {summary['n_motifs']} motifs, {summary['n_uninformative']} uninformative, "
        f"{summary['n_informative']} compared to {summary['n_database_motifs']} "
        f"{summary['release']} motifs; {summary['n_matched']} match at E < {evalue_threshold:g}"
    )
    if "decoys" in summary:
        rate = summary["decoys"]["all"]["rate"]
        message += f"; decoy false-match rate {rate:.1%}" if rate is not None else ""
    click.echo(message, err=True)
