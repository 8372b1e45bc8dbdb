"""Datasets: FASTA encoding, genome + peaks builds, the DeepSEA bundle import.

* :mod:`~danq.datasets.encode` -- `danq encode`: FASTA (+ labels) -> a danq dataset;
* `danq build-dataset`, in steps: :mod:`~danq.datasets.peaks` (targets table, peak files, positive bins)
  -> :mod:`~danq.datasets.windows` (bins -> windows, filters, background) ->
  :mod:`~danq.datasets.splits` (``--valid`` / ``--test``) -> :mod:`~danq.datasets.build` (the run, its
  summary.json);
* :mod:`~danq.datasets.export_bed` -- `danq export-bed`: a build's windows and labels as BED6;
* :mod:`~danq.datasets.deepsea` -- `danq import-deepsea`: the DeepSEA training bundle (.mat files).
"""
