"""The command line's vocabulary: every option more than one command takes, declared once.

One spelling per idea, on every command:

* ``-o/--outdir DIR`` for an output directory, ``-o/--output FILE`` for an output file;
* ``--model FILE`` is always a checkpoint (``danq train`` names an architecture with ``--arch``);
* ``--rc/--no-rc``: average each prediction with the reverse complement's;
* ``--targets SPEC`` selects targets, with one grammar everywhere (names, 0-based indices,
  categories or regular expressions, comma-separated and repeatable:
  :func:`danq.formats.targets.select_targets`);
* batch sizes and counts are :data:`POSITIVE` or :data:`NON_NEGATIVE` ``click.IntRange`` s, so a bad
  one gets click's one message style (``Invalid value for '--batch-size': 0 is not in the range
  x>=1``);
* ``--device``, ``--precision``, ``--threads`` and ``--progress/--no-progress`` on every command
  that runs a model (:func:`runtime_options`), with the defaults of :mod:`danq.runtime`.

Spellings that were replaced keep working for one release: :class:`DanqCommand` rewrites them to
the new spelling before click parses the command line, and :func:`warn` says so once per spelling
(``danq: warning: --output-dir is deprecated ...``). ``--help`` does not show them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click

from danq.errors import DanqWarning
from danq.runtime import (
    DEFAULT_DEVICE,
    DEFAULT_PRECISION,
    DEFAULT_TRAIN_PRECISION,
    INFERENCE_PRECISIONS,
    PRECISIONS,
)

F = TypeVar("F", bound=Callable[..., Any])

#: A count or size of at least 1 (batch sizes, epochs, sequences, sites).
POSITIVE = click.IntRange(min=1)
#: A count where 0 means something (no background variants, never stop early, no sequences).
NON_NEGATIVE = click.IntRange(min=0)

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
_DEPRECATED = "__danq_deprecated__"  # attribute of a command's callback: {old spelling: new}


def warn(message: str) -> None:
    """Warn through danq's one channel: a :class:`~danq.errors.DanqWarning`, which
    :func:`danq.cli.main` prints as ``danq: warning: MESSAGE``; every call is shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", DanqWarning)
        warnings.warn(message, DanqWarning, stacklevel=2)


# --------------------------------------------------------------------------------------------
# Commands and deprecated spellings


class DanqCommand(click.Command):
    """A click command that still accepts the deprecated spellings of its options.

    The spellings come from :func:`deprecated` (and the option helpers below that take
    ``deprecated=``). Each one given is rewritten to its new spelling, ``--old=VALUE`` included,
    and warned about once; a value of another option that happens to read like one (``--note
    --output-dir``) and everything after ``--`` are left alone.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        spellings: Mapping[str, str] = getattr(self.callback, _DEPRECATED, {})
        if spellings:
            args = self._rewrite(args, spellings, warn_user=not ctx.resilient_parsing)
        return super().parse_args(ctx, args)

    def _value_counts(self) -> dict[str, int]:
        """Option spelling -> number of values it takes (flags take none)."""
        counts: dict[str, int] = {}
        for param in self.params:
            if isinstance(param, click.Option) and not param.is_flag and not param.count:
                counts.update(dict.fromkeys(param.opts, param.nargs))
        return counts

    def _rewrite(self, args: list[str], spellings: Mapping[str, str], *, warn_user: bool) -> list[str]:
        takes = self._value_counts()
        rewritten: list[str] = []
        warned: set[str] = set()
        skip = 0
        for i, arg in enumerate(args):
            if skip:  # a value of the option before
                skip -= 1
                rewritten.append(arg)
                continue
            if arg == "--":
                rewritten.extend(args[i:])
                break
            name, equals, value = arg.partition("=")
            if name in spellings:
                new = spellings[name]
                if warn_user and name not in warned:
                    warned.add(name)
                    warn(f"{name} is deprecated and will be removed in the next release; "
                         f"use {new}")
                name, arg = new, new + equals + value
            if not equals:
                skip = takes.get(name, 0)
            rewritten.append(arg)
        return rewritten


def danq_command(name: str) -> Callable[[Callable[..., Any]], DanqCommand]:
    """``@click.command`` for a danq subcommand: ``-h/--help`` and deprecated spellings."""
    return click.command(name=name, cls=DanqCommand, context_settings=CONTEXT_SETTINGS)


def deprecated(spellings: Mapping[str, str]) -> Callable[[F], F]:
    """Keep old option spellings working (hidden, with a warning): ``{old: new}``."""

    def decorate(func: F) -> F:
        func.__dict__.setdefault(_DEPRECATED, {}).update(spellings)
        return func

    return decorate


def _option(option: Callable[[F], F], spellings: Mapping[str, str]) -> Callable[[F], F]:
    """``option`` plus its deprecated spellings."""

    def decorate(func: F) -> F:
        return deprecated(spellings)(option(func))

    return decorate


def _stack(*options: Callable[[F], F]) -> Callable[[F], F]:
    """Several options as one decorator, shown by ``--help`` in the order given."""

    def decorate(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


# --------------------------------------------------------------------------------------------
# Inputs and outputs


def outdir_option(help: str, *, deprecated: Sequence[str] = (), path_type: type | None = None,
                  ) -> Callable[[F], F]:
    """``-o/--outdir DIR`` (required): the output directory, parameter ``outdir``."""
    option = click.option("-o", "--outdir", "outdir", required=True,
                          type=click.Path(file_okay=False, path_type=path_type), help=help)
    return _option(option, dict.fromkeys(deprecated, "--outdir"))


def output_option(help: str, *, required: bool = True, allow_dash: bool = False) -> Callable[[F], F]:
    """``-o/--output FILE``: the output file, parameter ``output``."""
    return click.option("-o", "--output", "output", required=required, default=None,
                        type=click.Path(dir_okay=False, allow_dash=allow_dash), help=help)


def model_option(help: str, *, required: bool = False, short: bool = False) -> Callable[[F], F]:
    """``--model FILE``: a checkpoint (``-m`` too with ``short``), parameter ``model``."""
    return click.option(*(["-m"] if short else []), "--model", "model", required=required,
                        default=None, type=click.Path(dir_okay=False), help=help)


def arch_option(names: Sequence[str]) -> Callable[[F], F]:
    """``--arch NAME`` (required): the architecture to train (``--model NAME`` before)."""
    option = click.option("--arch", "arch", required=True, type=click.Choice(list(names)),
                          help="Architecture to train.")
    return _option(option, {"--model": "--arch"})


def targets_option(help: str = "Targets to keep") -> Callable[[F], F]:
    """``--targets SPEC`` (repeatable): the target selection, parameter ``targets`` (None: all)."""

    def join(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> str | None:
        return ",".join(values) if values else None

    return click.option(
        "--targets", "targets", multiple=True, metavar="SPEC", callback=join,
        help=f"{help}: comma-separated target names, 0-based indices, categories or regular "
             "expressions searched in the names; repeatable (default: all targets).",
    )


def rc_option(help: str = "Average each prediction with the reverse complement's (as DeepSEA).",
              *, deprecated: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """``--rc/--no-rc``: reverse-complement averaging, parameter ``rc_average``."""
    from danq.inference.predictor import DEFAULT_RC_AVERAGE

    option = click.option("--rc/--no-rc", "rc_average", default=DEFAULT_RC_AVERAGE,
                          show_default=True, help=help)
    return _option(option, deprecated or {})


def batch_size_option(default: int, help: str) -> Callable[[F], F]:
    """``--batch-size N`` (at least 1), with the stage's own default."""
    return click.option("--batch-size", type=POSITIVE, default=default, show_default=True,
                        help=help)


def incremental_option(what: str) -> Callable[[F], F]:
    """``--incremental/--no-incremental``: reuse the reference's saved activations (default on)."""
    return click.option(
        "--incremental/--no-incremental", default=True, show_default=True,
        help=f"Compute {what} from the reference's saved activations where the change is local "
             "and the model has a rule (DeepSEA, Beluga, DanQ; fp32); --no-incremental runs "
             "every sequence through the full model (same results within 1e-5).")


def label_pairs(option: str, values: tuple[str, ...], example: str = "DanQ=metrics.tsv") -> dict[str, str]:
    """``LABEL=PATH`` values of a repeatable option -> {label: path}, in the order given.

    A value without ``=``, an empty label or path, or a label given twice is a one-line error.
    """
    from danq.errors import DanqError

    pairs: dict[str, str] = {}
    for value in values:
        label, sep, path = value.partition("=")
        if not sep or not label or not path:
            raise DanqError(f"{option} {value!r}: expected LABEL=PATH, e.g. {example}")
        if label in pairs:
            raise DanqError(f"{option}: label '{label}' given twice")
        pairs[label] = path
    return pairs


# --------------------------------------------------------------------------------------------
# Where and how a model runs


device_option = click.option(
    "--device", default=DEFAULT_DEVICE, show_default=True, help="auto, cpu, cuda or cuda:N."
)
precision_option = click.option(
    "--precision", type=click.Choice(PRECISIONS), default=DEFAULT_TRAIN_PRECISION,
    show_default=True,
    help="Autocast precision: bf16 needs a CPU with native bf16 (AVX512-BF16/AMX) or a GPU to be "
         "faster; fp16 needs CUDA.",
)


def inference_precision(default: str = DEFAULT_PRECISION) -> Callable[[F], F]:
    """``--precision`` of a command that runs a trained model (auto and int8 too)."""
    return click.option(
        "--precision", type=click.Choice(INFERENCE_PRECISIONS), default=default,
        show_default=True,
        help="auto: bf16 where the hardware has it natively (a GPU, or a CPU with AVX512-BF16/AMX), "
             "else fp32 (the choice is printed); int8: dynamically quantized LSTM and dense layers "
             "(CPU); fp16 needs CUDA.",
    )


inference_precision_option = inference_precision()


def threads_option(extra: str = "") -> Callable[[F], F]:
    """``--threads N``: capped at the CPUs this process may use (Snakemake may ask for more)."""
    return click.option(
        "--threads", type=NON_NEGATIVE, default=None,
        help=f"CPU threads (default: all the CPUs this process may use; more are capped){extra}.",
    )


progress_option = click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal)."
)


def runtime_options(*, precision: Callable[[F], F] = inference_precision_option,
                    threads_for: str = "") -> Callable[[F], F]:
    """``--device --precision --threads --progress/--no-progress``: every command that runs a
    model takes all four. ``precision``: :data:`inference_precision_option` (auto, int8 too) or
    :data:`precision_option` (autocast only: training, the filter scan of ``danq motifs``)."""
    return _stack(device_option, precision, threads_option(threads_for), progress_option)
