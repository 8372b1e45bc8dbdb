"""Motifs: first-layer filters as motifs, TOMTOM against JASPAR, decoys, logos.

``matrices`` (PFM/PPM, information content, trimming) · ``meme`` (MEME files, read and write) ·
``scoring`` (TOMTOM's Pearson/Euclidean scores and statistics) · ``tomtom`` (named queries
against a database; ``danq.tomtom``) · ``decoys`` (the false-match rate) · ``filters``
(convolution → sites → counts; ``danq.extract_motifs``) · ``logos`` (logomaker drawings) ·
``run`` (the ``danq motifs`` and ``danq tomtom`` stages and their files).
"""
