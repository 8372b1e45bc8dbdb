"""Options shared by every command that runs a model, declared once so their help reads the same."""

from __future__ import annotations

from collections.abc import Callable

import click

from danq.runtime import INFERENCE_PRECISIONS, PRECISIONS

device_option = click.option(
    "--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N."
)
precision_option = click.option(
    "--precision", type=click.Choice(PRECISIONS), default="fp32", show_default=True,
    help="Autocast precision: bf16 needs a CPU with native bf16 (AVX512-BF16/AMX) or a GPU to be "
         "faster; fp16 needs CUDA.",
)
inference_precision_option = click.option(
    "--precision", type=click.Choice(INFERENCE_PRECISIONS), default="auto", show_default=True,
    help="auto: bf16 where the hardware has it natively (a GPU, or a CPU with AVX512-BF16/AMX), "
         "else fp32 (the choice is printed); int8: dynamically quantized LSTM and dense layers "
         "(CPU); fp16 needs CUDA.",
)


def threads_option(extra: str = "") -> Callable:
    """``--threads N``: capped at the CPUs this process may use (Snakemake may ask for more)."""
    return click.option(
        "--threads", type=click.IntRange(min=0), default=None,
        help=f"CPU threads (default: all the CPUs this process may use; more are capped){extra}.",
    )


progress_option = click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal)."
)


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
