"""`danq import-deepsea`: the DeepSEA training bundle (``train.mat``, ``valid.mat``, ``test.mat``) -> danq datasets.

The bundle holds one-hot sequences in **A, G, C, T** channel order and 0/1 labels, as MATLAB files:

* ``train.mat`` is MATLAB v7.3, i.e. HDF5: h5py sees ``trainxdata`` as ``(L, 4, N)`` and ``traindata`` as
  ``(T, N)`` (MATLAB's column-major ``(N, 4, L)`` and ``(N, T)`` read with the axes reversed);
* ``valid.mat`` and ``test.mat`` are MATLAB v5: ``validxdata`` ``(N, 4, L)``, ``validdata`` ``(N, T)``.

Each split is converted into ``OUTDIR/<split>.h5`` (see :mod:`danq.formats.dataset`) in A, C, G, T token order, with
``strand`` (+1 for the first half, -1 for the second) and ``pair_index`` (``i <-> i + N/2``), because each
file holds the forward windows first and their reverse complements second, in the same order.
Everything streams along the sample axis, so memory stays bounded (well under 2 GiB) whatever N is.

Modules, bottom up:

* :mod:`~danq.datasets.deepsea.onehot` -- one-hot AGCT blocks -> ACGT tokens, label checks, row hashes;
* :mod:`~danq.datasets.deepsea.matv5` -- the streaming MATLAB v5 parser (``scipy.io.loadmat`` always loads
  a whole variable) and raw column-major block reads;
* :mod:`~danq.datasets.deepsea.mat` -- one split's file (v7.3/HDF5 or v5) as sequences + labels by sample
  block;
* :mod:`~danq.datasets.deepsea.importer` -- :func:`~danq.datasets.deepsea.importer.import_deepsea`: checks,
  target names and categories, pair checks, the atomic output folder.
"""
