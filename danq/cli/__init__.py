"""The ``danq`` command: a click group whose subcommands are imported only when used.

Each subcommand lives in ``danq/cli/<stage>.py`` as a click command named ``command`` and is a thin
shell over the stage's module in ``danq/``; the options they share, and the one way each idea is
spelled, are declared once in :mod:`danq.cli.options`. A :class:`~danq.errors.DanqError` raised
anywhere becomes a one-line ``danq: error: ...`` message and exit status 1, never a traceback; a
:class:`~danq.errors.DanqWarning` (:func:`danq.cli.options.warn`) one ``danq: warning: ...`` line.
"""

from __future__ import annotations

import errno
import os
import sys
import warnings
from importlib import import_module
from typing import NoReturn

import click

from danq import __version__
from danq.cli.options import CONTEXT_SETTINGS
from danq.errors import DanqError, DanqWarning
from danq.io import storage_error
from danq.io.signals import Terminated, handled

# subcommand -> (module under danq.cli, one-line help shown by `danq --help`)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("simulate", "Write a synthetic motif-grammar benchmark (FASTA + labels + truth)."),
    "encode": ("encode", "Encode FASTA (+ labels TSV) into a danq HDF5 dataset."),
    "import-deepsea": ("import_deepsea", "Convert the DeepSEA training bundle (.mat) to danq datasets."),
    "import-weights": ("import_weights", "Import published DeepSEA, Beluga or DanQ weights as a checkpoint."),
    "build-dataset": ("build_dataset", "Build DeepSEA-style datasets from a genome and peak files."),
    "export-bed": ("export_bed", "Write a dataset's windows and labels as BED."),
    "train": ("train", "Train DeepSEA, DanQ or DanQ-JASPAR on danq datasets."),
    "evaluate": ("evaluate", "Per-target ROC/PR AUC of a model on a test dataset."),
    "baselines": ("baselines", "Oracle, presence-only and PWM-scan baselines of the synthetic benchmark."),
    "compare": ("compare", "Compare two evaluations target by target (the DanQ paper's figure)."),
    "predict": ("predict", "Predict chromatin features for the sequences of a FASTA file."),
    "variant-effect": ("variant_effect", "Score how variants (VCF/TSV) change a model's predictions."),
    "simulate-variants": ("simulate_variants", "Write a genome + VCF of motif-hitting and neutral variants (ground truth)."),
    "variant-report": ("variant_report", "Top-variant heatmaps and ground-truth ROC AUC of variant effects."),
    "motifs": ("motifs", "Turn first-layer filters into motifs and match them to JASPAR."),
    "tomtom": ("tomtom", "Compare the motifs of a MEME file to JASPAR with TOMTOM."),
    "attribute": ("attribute", "Per-base attributions: ISM, saliency, integrated gradients, DeepLIFT/SHAP."),
    "modisco": ("modisco", "TF-MoDISco motifs from attributions, matched to JASPAR with TOMTOM."),
    "marginalize": ("marginalize", "Plant two motifs over an order/strand/spacing grid: the grammar experiment."),
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


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="danq")
def cli() -> None:
    """DeepSEA and DanQ: deep learning models of chromatin features from DNA sequence.

    Typical use: `danq encode` your FASTA + labels, `danq train`, `danq evaluate`, `danq motifs`,
    or `danq predict sequences.fa` with a trained model. `snakemake --cores 8` runs them all.
    """


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def reader_closed_pipe() -> NoReturn:
    """Exit 0 quietly because the reader of stdout closed the pipe (``danq predict x.fa | head``),
    as head-style tools do (click itself would exit 1)."""
    _silence_stdout()
    sys.exit(0)


_python_show_warning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """danq's own warnings as one line on stderr; others as Python shows them."""
    if issubclass(category, DanqWarning):
        click.echo(f"danq: warning: {message}", err=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_WORKER_TRACEBACK = "Original Traceback (most recent call last):"


def _one_line(error: DanqError) -> str:
    """The message of a DanqError on one line. One raised in a DataLoader worker process comes
    back wrapped in the worker's traceback: the original message follows its last
    ``danq.errors.DanqError:``. A line break inside the message (a file name holding one) is
    shown escaped, ``\\n``, so the whole name stays on the line."""
    text = str(error)
    prefix = f"{DanqError.__module__}.{DanqError.__name__}: "
    if _WORKER_TRACEBACK in text and prefix in text:
        text = text[text.rindex(prefix) + len(prefix):]
    return _escape_breaks(text.strip())


def _escape_breaks(text: str) -> str:
    """``text`` on one line: line breaks (in a file name, say) shown as ``\\n`` / ``\\r``."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning user errors into one-line messages.

    Exit status: 0 success (also when a reader such as ``head`` closes the pipe early), 1 a
    danq error, 2 a usage error (click), 130 Ctrl-C, 143 SIGTERM. SIGTERM and Ctrl-C are raised
    as exceptions, never inside an HDF5 call (:mod:`danq.io.signals`), so every ``finally`` runs.
    """
    shown_before = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        with handled():
            cli.main(args=argv, prog_name="danq", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click's spelling of Ctrl-C
        interrupted = isinstance(exc.__context__, KeyboardInterrupt)
        click.echo(f"danq: {'interrupted' if interrupted else 'aborted'}", err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except DanqError as exc:
        click.echo(f"danq: error: {_one_line(exc)}", err=True)
        sys.exit(1)
    except BrokenPipeError:  # e.g. `danq predict x.fa | head -1`: the reader has all it wants
        _silence_stdout()
        sys.exit(0)
    except Terminated:
        click.echo("danq: terminated", err=True)
        sys.exit(143)
    except KeyboardInterrupt:
        click.echo("danq: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a file system refused a write the stage did not anticipate
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            sys.exit(0)
        where = exc.filename if exc.filename is not None else "output"
        error = storage_error(exc, where, permission=True)
        message = str(error) if error is not None else f"{where}: {exc.strerror or exc}"
        click.echo(f"danq: error: {_escape_breaks(message)}", err=True)
        sys.exit(1)
    finally:
        warnings.showwarning = shown_before


if __name__ == "__main__":
    main()
