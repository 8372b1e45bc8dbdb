"""``danq simulate``: write the synthetic motif-grammar benchmark (a shell over danq.simulation.simulate)."""

from __future__ import annotations

from pathlib import Path

import click

from danq.cli.options import NON_NEGATIVE, POSITIVE, danq_command, outdir_option


@danq_command("simulate")
@outdir_option("Output directory: {train,valid,test}.fa, {split}.labels.tsv, targets.tsv, truth.json.",
               path_type=Path)
@click.option("--seed", type=NON_NEGATIVE, default=None, help="Random seed (default 0).")
@click.option("--n-train", type=NON_NEGATIVE, default=None, help="Training sequences (default 20000).")
@click.option("--n-valid", type=NON_NEGATIVE, default=None, help="Validation sequences (default 2000).")
@click.option("--n-test", type=NON_NEGATIVE, default=None, help="Test sequences (default 4000).")
@click.option("--length", type=POSITIVE, default=None, help="Sequence length in bp (default 500).")
@click.option(
    "--release", default=None,
    help="JASPAR release bundled with pyjaspar (default JASPAR2024).",
)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="JSON or YAML file with simulation parameters (motifs, targets, rates); "
    "options given on the command line win.",
)
def command(
    outdir: Path,
    seed: int | None,
    n_train: int | None,
    n_valid: int | None,
    n_test: int | None,
    length: int | None,
    release: str | None,
    config_path: Path | None,
) -> None:
    """Write a synthetic benchmark whose truth is known.

    Background DNA (human-like dinucleotide model, GC ~41 %) carries instances sampled from real
    JASPAR CORE vertebrate motifs. Targets are of three kinds: `single` (a motif present),
    `grammar` (motif A then motif B on the same strand, 50-200 bp apart, order read in the motifs'
    orientation; decoys place each motif as a positive would, in the wrong order, spacing or
    strands) and `combination` (at least k of a
    set of motifs present). Every rule gives a sequence and its reverse complement the same label.
    Labels follow from the planted instances, then 1 % of them (test split included) are flipped;
    truth.json records everything, flips included (`danq baselines` scores noisy and clean).
    """
    from danq.io import refuse_overwriting_inputs
    from danq.simulation.config import SPLITS, SimulationParams, load_config, params_from_mapping
    from danq.simulation.simulate import simulate

    written = [outdir / f"{split}{suffix}" for split in SPLITS for suffix in (".fa", ".labels.tsv")]
    refuse_overwriting_inputs([config_path], [*written, outdir / "targets.tsv",
                                              outdir / "truth.json"])
    params = SimulationParams()
    source = "simulate"
    if config_path is not None:
        source = str(config_path)
        params = params_from_mapping(load_config(config_path), params, source=source)
    summary = simulate(
        outdir, seed=seed, n_train=n_train, n_valid=n_valid, n_test=n_test, length=length,
        release=release, params=params, source=source,
    )
    counts = "/".join(str(summary["n"][split]) for split in ("train", "valid", "test"))
    kinds = {c: summary["categories"].count(c) for c in dict.fromkeys(summary["categories"])}
    click.echo(
        f"wrote {summary['outdir']}: train/valid/test = {counts} sequences, "
        f"{len(summary['targets'])} targets ({', '.join(f'{n} {c}' for c, n in kinds.items())}), "
        f"{len(summary['motifs'])} motifs from {summary['release']}",
        err=True,
    )
    split = next(s for s in ("train", "valid", "test") if summary["n"][s] > 0)
    rates = summary["positive_rate"][split]
    for name, category in zip(summary["targets"], summary["categories"], strict=True):
        click.echo(f"  {name}\t{category}\t{split} positive rate {rates[name]:.3f}", err=True)
