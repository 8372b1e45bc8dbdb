"""The ``danq`` command: a click group whose subcommands are imported only when used.

Each subcommand lives in ``danq/cli/<stage>.py`` as a click command named ``command`` and is a thin
shell over the stage's module in ``danq/``. A :class:`~danq.errors.DanqError` raised anywhere becomes a
one-line ``danq <cmd>: error: ...`` message and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from danq import __version__
from danq.errors import DanqError

# subcommand -> (module under danq.cli, one-line help shown by `danq --help`)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("simulate", "Write a synthetic motif-grammar benchmark (FASTA + labels + truth)."),
    "encode": ("encode", "Encode FASTA (+ labels TSV) into a danq HDF5 dataset."),
    "import-deepsea": ("import_deepsea", "Convert the DeepSEA training bundle (.mat) to danq datasets."),
    "train": ("train", "Train DeepSEA, DanQ or DanQ-JASPAR on danq datasets."),
    "evaluate": ("evaluate", "Per-target ROC/PR AUC of a model on a test dataset."),
    "compare": ("compare", "Compare two evaluations target by target (the DanQ paper's figure)."),
    "predict": ("predict", "Predict chromatin features for the sequences of a FASTA file."),
    "variant-effect": ("variant_effect", "Score how variants (VCF/TSV) change a model's predictions."),
    "simulate-variants": ("simulate_variants", "Write a genome + VCF of motif-hitting and neutral variants (ground truth)."),
    "variant-report": ("variant_report", "Top-variant heatmaps and ground-truth ROC AUC of variant effects."),
    "motifs": ("motifs", "Turn first-layer filters into motifs and match them to JASPAR."),
    "report": ("report", "Summarise a workflow run: model comparison, motif recovery, curves."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, _ = SUBCOMMANDS[cmd_name]
        return import_module(f"danq.cli.{module_name}").command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, short) in SUBCOMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="danq")
def cli() -> None:
    """DeepSEA and DanQ: deep learning models of chromatin features from DNA sequence.

    Typical use: `danq encode` your FASTA + labels, `danq train`, `danq evaluate`, `danq motifs`,
    or `danq predict sequences.fa` with a trained model. `snakemake --cores 8` runs them all.
    """


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning user errors into one-line messages."""
    try:
        cli.main(args=argv, prog_name="danq", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("danq: aborted", err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except DanqError as exc:
        click.echo(f"danq: error: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:  # e.g. `danq predict x.fa | head`
        sys.stderr.close()
        sys.exit(0)
    except KeyboardInterrupt:
        click.echo("danq: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
