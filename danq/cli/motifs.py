"""`danq motifs`: first-layer filters -> motifs (MEME), TOMTOM matches to JASPAR, logos."""

from __future__ import annotations

import click

from danq.cli.options import (
    POSITIVE,
    batch_size_option,
    danq_command,
    model_option,
    outdir_option,
    precision_option,
    runtime_options,
)
from danq.cli.tomtom import matching_options
from danq.formats.jaspar import DEFAULT_RELEASE
from danq.motifs.filters import DEFAULT_BATCH_SIZE
from danq.motifs.run import (
    DEFAULT_MAX_SEQUENCES,
    DEFAULT_MIN_SITES,
    DEFAULT_TOP_MATCHES,
    EVALUE_THRESHOLD,
)


@danq_command("motifs")
@model_option("Trained model checkpoint (danq train / danq import-weights).", required=True,
              short=True)
@click.option("-d", "--data", "data", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Sequences to scan: a danq HDF5 dataset or a FASTA file (plain, gzip, - for stdin).")
@outdir_option("Output directory (its files published together once complete; other files in it are kept).",
               deprecated=["--output"])
@click.option("--threshold", type=float, default=0.0, show_default=True,
              help="A sequence is a site when its maximum activation is above this (DanQ: 0).")
@click.option("--threshold-fraction", type=float, default=None,
              help="Stricter rule: above this fraction (0-1, e.g. 0.5) of the filter's maximum "
                   "over all scanned sequences.")
@click.option("--max-sequences", type=POSITIVE, default=DEFAULT_MAX_SEQUENCES, show_default=True,
              help="Scan at most this many sequences (HDF5: whole chunks in a seeded random "
                   "order; FASTA: the first records).")
@click.option("--positives-of", default=None,
              help="Scan only sequences labelled 1 for this target (name or 0-based index), as "
                   "the DanQ paper did. HDF5 datasets only.")
@click.option("--min-sites", type=POSITIVE, default=DEFAULT_MIN_SITES, show_default=True,
              help="Filters with fewer sites are reported as too_few_sites and not compared.")
@click.option("--release", default=DEFAULT_RELEASE, show_default=True,
              help="JASPAR release of CORE vertebrates (JASPAR2016 is the paper's database).")
@click.option("--top-matches", type=POSITIVE, default=DEFAULT_TOP_MATCHES, show_default=True,
              help="Matches per filter written to tomtom.tsv.")
@click.option("--evalue", "evalue_threshold", type=float, default=EVALUE_THRESHOLD, show_default=True,
              help="A filter matches when its best E-value is below this (the paper's 0.01).")
@matching_options
@click.option("--logos/--no-logos", default=True, show_default=True,
              help="Draw logos/filter_NNN.png per matched filter and logos_overview.png.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="`danq simulate` truth.json: logos of matches to planted motifs are marked.")
@batch_size_option(DEFAULT_BATCH_SIZE, "Sequences scanned per forward pass.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the choice of HDF5 chunks.")
@runtime_options(precision=precision_option, threads_for=", for torch and TOMTOM")
def command(model, data, outdir, threshold, threshold_fraction, max_sequences, positives_of,
            min_sites, release, top_matches, evalue_threshold, dist, min_overlap, trim_bits,
            min_bits, min_width, database_size, decoys, logos, truth, batch_size, seed, device, precision,
            threads, progress):
    """Turn each first-layer filter into a motif and match it to JASPAR CORE vertebrates.

    Each sequence's best window per filter is kept when its activation passes the threshold;
    the kept windows make the filter's position frequency matrix. Writes motifs.meme,
    filters.tsv, tomtom.tsv, summary.json and logos to OUTDIR.

    Filters are compared as `danq tomtom` compares motifs: flanks trimmed, uninformative
    filters reported and not compared, Pearson TOMTOM (min overlap 5) by default.

    With --dist euclidean, the first call in an environment compiles memelite's kernels (about
    a minute); the compiled code is cached on disk (NUMBA_CACHE_DIR, or ~/.cache/danq/numba when the
    memelite install is read-only).
    """
    from danq.io import refuse_overwriting_inputs
    from danq.motifs.run import run_motifs
    from danq.motifs.tomtom import MatchSettings

    refuse_overwriting_inputs([model, data, truth], output_dirs=[outdir])
    planted = None
    if truth is not None:
        from danq.report.build import read_planted_motifs

        planted = [m["id"] for m in read_planted_motifs(truth)]
    settings = MatchSettings(dist=dist, min_overlap=min_overlap, trim_bits=trim_bits,
                             min_bits=min_bits, min_width=min_width, database_size=database_size)
    summary = run_motifs(
        model, data, outdir, threshold=threshold, threshold_fraction=threshold_fraction,
        max_sequences=max_sequences, min_sites=min_sites, release=release,
        top_matches=top_matches, evalue_threshold=evalue_threshold, positives_of=positives_of,
        match_settings=settings, decoys=decoys, logos=logos, batch_size=batch_size,
        device=device, precision=precision, threads=threads, progress=progress, seed=seed,
        planted=planted,
    )
    click.echo(
        f"{outdir}: {summary['n_filters']} filters, {summary['n_with_sites']} with sites, "
        f"{summary['n_tested']} with >= {summary['min_sites']} sites and enough information "
        f"compared to "
        f"{summary['n_database_motifs']} {summary['release']} motifs; "
        f"{summary['n_matched_evalue']} match at E < {summary['evalue_threshold']:g}, "
        f"{summary['n_matched_qvalue']} at q < {summary['qvalue_threshold']:g} "
        f"({summary['n_sequences']} sequences scanned)"
        + (f"; decoy false-match rate {summary['decoys']['all']['rate']:.1%}"
           if summary.get("decoys") and summary["decoys"]["all"]["rate"] is not None else ""),
        err=True,
    )
