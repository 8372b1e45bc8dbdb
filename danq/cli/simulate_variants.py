"""`danq simulate-variants`: a genome and VCF whose variants destroy, create or miss planted motifs."""

from __future__ import annotations

import click

from danq.cli.options import POSITIVE, danq_command, outdir_option


@danq_command("simulate-variants")
@click.option("--truth", required=True, type=click.Path(dir_okay=False),
              help="`danq simulate` truth.json: the motifs (PFMs), targets and background model.")
@outdir_option("Output folder: genome.fa, variants.vcf, truth.tsv.")
@click.option("--n-per-class", type=POSITIVE, default=100, show_default=True,
              help="Variants of each class: destroy, create, neutral.")
@click.option("--slot", type=POSITIVE, default=1200, show_default=True,
              help="Bases around each variant holding at most one planted site (>= model length).")
@click.option("--chromosomes", "n_chromosomes", type=POSITIVE, default=2, show_default=True,
              help="Chromosomes the variants are spread over.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
def command(truth, outdir, n_per_class, slot, n_chromosomes, seed):
    """Write a small genome with planted motif instances and a VCF of variants that destroy or
    create them, plus neutral ones, with the class of each in truth.tsv (ground truth for
    `danq variant-effect`)."""
    from danq.simulation.variants import simulate_variants

    summary = simulate_variants(truth, outdir, n_per_class=n_per_class, slot=slot,
                                n_chromosomes=n_chromosomes, seed=seed)
    counts = ", ".join(f"{n} {k}" for k, n in summary["n_variants"].items())
    click.echo(f"danq simulate-variants: {counts} variants over {summary['genome_bp']} bp "
               f"({len(summary['motifs'])} motifs) -> {summary['outdir']}", err=True)
