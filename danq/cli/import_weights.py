"""`danq import-weights`: published DeepSEA / Beluga / DanQ / DanQ-JASPAR weights -> a danq checkpoint."""

from __future__ import annotations

import click

from danq.cli.options import POSITIVE, danq_command, output_option
from danq.models.published.layout_check import DEFAULT_CHECK_SAMPLES
from danq.models.published.layouts import FORMAT_CHOICES, SECOND_LSTM_CHOICES


@danq_command("import-weights")
@click.argument("weight_file", type=click.Path(dir_okay=False))
@output_option("Checkpoint to write (atomically), e.g. deepsea.pt.")
@click.option("--format", "fmt", type=click.Choice(list(FORMAT_CHOICES)), default="auto", show_default=True,
              help="Layout of WEIGHT_FILE; auto detects it from the file's keys / layers.")
@click.option("--names", type=click.Path(dir_okay=False), default=None,
              help="Target names, one per line, in output order (required for Beluga; overrides the "
                   "DeepSEA names danq ships for DeepSEA, DanQ and DanQ-JASPAR).")
@click.option("--second-lstm", type=click.Choice(list(SECOND_LSTM_CHOICES)), default=None,
              help="DanQ files only: how the Bidirectional layer's second LSTM reads the sequence. "
                   "'forward' (the default) computes what seya's code computes (it reversed the "
                   "batch axis, so both LSTMs read forward); 'backward' is a true BiLSTM; "
                   "'backward-unaligned' reverses the input in time but not the output back. "
                   "Unsure? Use --check-layouts.")
@click.option("--check-layouts", "check_data", type=click.Path(dir_okay=False), default=None,
              metavar="DATA",
              help="DanQ files only: score every --second-lstm layout on DATA (a danq dataset, e.g. "
                   "valid.h5 from `danq import-deepsea`): reverse-complement consistency and "
                   "validation loss; import the best unless --second-lstm names one.")
@click.option("--check-samples", type=POSITIVE, default=DEFAULT_CHECK_SAMPLES, show_default=True,
              help="Sequences of DATA the layout check scores (the first N).")
def command(weight_file, output, fmt, names, second_lstm, check_data, check_samples):
    """Import a published model's weights into an ordinary danq checkpoint.

    WEIGHT_FILE is Kipoi's deepsea_cpu.pth or deepsea_predict.pth (DeepSEA), deepsea.beluga.pth
    (Beluga), or DanQ_bestmodel.hdf5 / DanQ-JASPAR_bestmodel.hdf5 (Keras 0.2). The published models
    read A,G,C,T input; the import reorders their first layer so the checkpoint takes danq's A,C,G,T,
    and it then works with danq predict, evaluate, motifs and variant-effect like a trained one.
    """
    from danq.models.published.importer import import_weights

    import_weights(weight_file, output, fmt=fmt, names=names, second_lstm=second_lstm,
                   check_data=check_data, check_samples=check_samples,
                   log=lambda line: click.echo(line, err=True))
