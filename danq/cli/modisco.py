"""`danq modisco`: TF-MoDISco (modisco-lite) on attributions, its patterns matched to JASPAR."""

from __future__ import annotations

import click

from danq.cli.options import POSITIVE, danq_command, outdir_option, targets_option, threads_option
from danq.cli.tomtom import matching_options
from danq.formats.jaspar import DEFAULT_RELEASE
from danq.motifs.tomtom import DEFAULT_EVALUE, DEFAULT_TOP

#: Defaults repeated here so ``--help`` needs no modisco import (danq.interpret.modisco's).
DEFAULT_MAX_SEQLETS = 2000
DEFAULT_LEIDEN_RUNS = 2


@danq_command("modisco")
@click.argument("attributions", type=click.Path(dir_okay=False))
@outdir_option("Output directory, published once complete: patterns.meme, patterns.tsv, "
               "tomtom.tsv, modisco/, logos/, summary.json.")
@targets_option("Targets to run TF-MoDISco on (one run each)")
@click.option("--max-seqlets", type=POSITIVE, default=DEFAULT_MAX_SEQLETS, show_default=True,
              help="Seqlets kept per sign (modisco's -n).")
@click.option("--leiden-runs", type=POSITIVE, default=DEFAULT_LEIDEN_RUNS, show_default=True,
              help="Leiden clusterings per round (modisco's -l).")
@click.option("--window", type=POSITIVE, default=None,
              help="Use only this many central positions (modisco's -w; default: all).")
@click.option("--release", default=DEFAULT_RELEASE, show_default=True,
              help="JASPAR release of CORE vertebrates (bundled with pyjaspar, offline).")
@click.option("--evalue", "evalue_threshold", type=float, default=DEFAULT_EVALUE, show_default=True,
              help="A pattern matches when its best E-value is below this.")
@click.option("--top-matches", type=POSITIVE, default=DEFAULT_TOP, show_default=True,
              help="Matches per pattern written to tomtom.tsv.")
@matching_options
@click.option("--logos/--no-logos", default=True, show_default=True,
              help="Draw logos/<target>__<pattern>.png.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="A `danq simulate` truth.json: mark and count the planted motifs recovered.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the decoys.")
@threads_option(", for modisco-lite (numba) and TOMTOM")
def command(attributions, outdir, targets, max_seqlets, leiden_runs, window, release,
            evalue_threshold, top_matches, decoys, logos, truth, seed, threads, **matching):
    """Find motifs in the attributions of ATTRIBUTIONS (`danq attribute`'s attributions.h5) with
    TF-MoDISco, one run per target, and match them to JASPAR as `danq tomtom` does.

    Patterns are trimmed as modisco's report trims them (|CWM| >= 30 % of the maximum), then
    compared with TOMTOM (Pearson, min overlap 5, flanks under 0.25 bit trimmed); summary.json
    has the decoy false-match rate of the same criterion.
    """
    from danq.interpret.modisco import run_modisco
    from danq.io import refuse_overwriting_inputs
    from danq.motifs.tomtom import MatchSettings

    refuse_overwriting_inputs([attributions, truth], output_dirs=[outdir])
    # the matching options are `danq tomtom`'s (dist, min_overlap, trim_bits, ...), spelled as
    # MatchSettings' fields
    settings = MatchSettings(evalue_threshold=evalue_threshold, top=top_matches, **matching)
    summary = run_modisco(attributions, outdir, targets=targets, max_seqlets=max_seqlets,
                          window=window, leiden_runs=leiden_runs, release=release,
                          match_settings=settings, decoys=decoys, logos=logos, truth=truth,
                          threads=threads, seed=seed)
    rate = (summary.get("decoys") or {}).get("all", {}).get("rate")
    click.echo(
        f"{outdir}: {summary['n_patterns']} patterns in {len(summary['targets'])} targets, "
        f"{summary['n_matched']} match JASPAR at E < {summary['evalue_threshold']:g}"
        + (f" ({summary['planted']['n_recovered']} of {summary['planted']['n']} planted motifs)"
           if "planted" in summary else "")
        + (f"; decoy false-match rate {rate:.1%}" if rate is not None else ""),
        err=True)
