"""Sequence access: FASTA files and indexed genomes as danq tokens."""
