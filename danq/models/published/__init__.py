"""Import of the published DeepSEA, Beluga and DanQ weights (``danq import-weights``).

* :mod:`~danq.models.published.importer` — :func:`import_weights`: read, detect, convert, name the
  targets, write the checkpoint;
* :mod:`~danq.models.published.torch7` — DeepSEA and Beluga (the Torch7 models as PyTorch state dicts);
* :mod:`~danq.models.published.keras` — DanQ and DanQ-JASPAR (Keras 0.2 HDF5 weights);
* :mod:`~danq.models.published.layouts` — what the layouts share: sizes, the alphabet permutation,
  loading converted tensors into a model;
* :mod:`~danq.models.published.layout_check` — ``--check-layouts``: which of DanQ's three possible
  Bidirectional layouts the weights need (reverse-complement consistency, validation loss).
"""
