"""`danq train`: train DeepSEA, DanQ or DanQ-JASPAR on danq datasets."""

from __future__ import annotations

import click

from danq.cli.options import (
    NON_NEGATIVE,
    POSITIVE,
    arch_option,
    danq_command,
    outdir_option,
    precision_option,
    runtime_options,
)
from danq.models.registry import NAMES as MODEL_NAMES
from danq.training.hyperparameters import INITS, MONITORS
from danq.training.optimizers import OPTIMIZERS


@danq_command("train")
@arch_option(MODEL_NAMES)
@click.option("--train", "train_path", required=True, type=click.Path(dir_okay=False),
              help="Training dataset (.h5 from `danq encode` / `danq import-deepsea`).")
@click.option("--valid", "valid_path", required=True, type=click.Path(dir_okay=False),
              help="Validation dataset (same targets and sequence length).")
@outdir_option("Directory for best.pt, last.pt, metrics.csv, settings.json and train.log.",
               deprecated=["--output-dir"])
@click.option("--epochs", type=POSITIVE, default=None,
              help="Maximum epochs [danq 60, danq-jaspar 32, deepsea 20].")
@click.option("--batch-size", type=POSITIVE, default=None, help="Batch size [danq 100, deepsea 16].")
@click.option("--optimizer", type=click.Choice(list(OPTIMIZERS)), default=None,
              help="Optimiser [danq: rmsprop, deepsea: sgd]. Naming one resets lr, rho, eps, "
                   "momentum, dampening and every regulariser (weight decay, lr decay, max-norm, "
                   "L1) to that optimiser's own defaults unless they are given too; the resolved "
                   "values go to OUTDIR/settings.json.")
@click.option("--lr", type=float, default=None, help="Learning rate [danq 1e-3, deepsea 1].")
@click.option("--rho", type=float, default=None, help="RMSprop decay (alpha) [0.9].")
@click.option("--eps", type=float, default=None,
              help="RMSprop/Adam epsilon [rmsprop 1e-6, inside the square root as in Keras; "
                   "adam 1e-8].")
@click.option("--momentum", type=float, default=None, help="SGD momentum [deepsea 0.9].")
@click.option("--dampening", type=float, default=None,
              help="SGD momentum dampening [deepsea 0.9, Torch7's default].")
@click.option("--weight-decay", type=float, default=None, help="L2 weight decay [deepsea 1e-6].")
@click.option("--lr-decay", type=float, default=None,
              help="Torch7 annealing lr/(1+step*decay) [deepsea 8e-7].")
@click.option("--max-norm", type=float, default=None,
              help="Per-output-unit max L2 norm of conv/linear weights, 0 = off [deepsea 0.9].")
@click.option("--l1", "l1_logits", type=float, default=None,
              help="L1 penalty on the logits added to the loss [deepsea 1e-8].")
@click.option("--patience", type=NON_NEGATIVE, default=None,
              help="Stop after this many epochs without a better validation loss, 0 = never "
                   "[danq 6 (Keras patience 5 waits 6 epochs), danq-jaspar 0, deepsea 5].")
@click.option("--monitor", type=click.Choice(MONITORS), default=None,
              help="Validation metric for early stopping and best.pt: loss (the published "
                   "recipes), or mean ROC / PR AUC [loss].")
@click.option("--init", "init", type=click.Choice(INITS), default=None,
              help="Initialisation of a fresh model: the architecture's published one (DanQ: "
                   "Keras 0.2's) or PyTorch's per-layer default [published].")
@click.option("--seed", type=int, default=None, help="Random seed [1337].")
@click.option("--validate-every", "--max-steps-per-epoch", "validate_every", type=POSITIVE,
              default=None,
              help="Make an epoch this many steps (validate, checkpoint, early-stop that often); "
                   "the data stream continues across epochs. Default: one pass over the data.")
@click.option("--valid-samples", type=POSITIVE, default=None,
              help="Validate on the first N validation samples only (DeepSEA used 4000).")
@click.option("--model-arg", "model_arg", multiple=True, metavar="KEY=VALUE",
              help="Model constructor argument; repeat the flag for each one: --model-arg "
                   "conv_channels=64 --model-arg lstm_hidden=32. A comma makes a list "
                   "(dropout=0.2,0.2,0.5), so one flag holds one KEY=VALUE.")
@runtime_options(precision=precision_option, threads_for="; split between torchrun processes")
@click.option("--num-workers", type=click.IntRange(0, 1), default=0, show_default=True,
              help="1 = read and encode batches in a background process.")
@click.option("--resume", is_flag=True, help="Continue the run in OUTDIR from last.pt.")
@click.option("--overwrite", is_flag=True, help="Start afresh even if OUTDIR holds a run.")
def command(arch, train_path, valid_path, outdir, epochs, batch_size, optimizer, lr, rho, eps,
            momentum, dampening, weight_decay, lr_decay, max_norm, l1_logits, patience, monitor, init,
            seed, validate_every, valid_samples, model_arg, device, precision, threads, num_workers,
            resume, overwrite, progress):
    """Train a model; validate every epoch; keep best.pt, last.pt and metrics.csv.

    Defaults are the published settings of each model. Multi-GPU / multi-process:
    `torchrun --nproc_per_node N -m danq train ...`. After a crash, rerun with --resume.
    """
    from pathlib import Path

    from danq.errors import DanqError
    from danq.io import refuse_overwriting_inputs
    from danq.models.validation import check_model_args
    from danq.training import TrainConfig, parse_model_args, train

    if resume and overwrite:
        raise DanqError("--resume continues the run in OUTDIR and --overwrite discards it; "
                        "give one of them")
    try:
        check_model_args(parse_model_args(model_arg))
    except DanqError as error:
        raise DanqError(f"--model-arg {error}") from None
    written = [Path(outdir) / name for name in ("best.pt", "last.pt", "metrics.csv",
                                                     "train.log")]
    refuse_overwriting_inputs([train_path, valid_path], written)
    config = TrainConfig(
        model=arch, train=train_path, valid=valid_path, output_dir=outdir, epochs=epochs,
        batch_size=batch_size, optimizer=optimizer, lr=lr, rho=rho, eps=eps, momentum=momentum,
        dampening=dampening, weight_decay=weight_decay, lr_decay=lr_decay, max_norm=max_norm,
        l1_logits=l1_logits, patience=patience, monitor=monitor, init=init, seed=seed,
        model_args=parse_model_args(model_arg),
        validate_every=validate_every, valid_samples=valid_samples, device=device,
        precision=precision, threads=threads, num_workers=num_workers, resume=resume,
        overwrite=overwrite, progress=progress,
    )
    result = train(config)
    if result.history and result.best_epoch:
        best = result.history[result.best_epoch - 1]
        how = "stopped early" if result.stopped_early else "finished"
        click.echo(
            f"{result.best_checkpoint}: best epoch {result.best_epoch} of {result.epochs_run} "
            f"({how}), valid_loss {best['valid_loss']:.4f}, ROC AUC {best['valid_roc_auc']:.4f}, "
            f"PR AUC {best['valid_pr_auc']:.4f}",
            err=True,
        )
