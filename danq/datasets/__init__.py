"""Datasets: FASTA encoding, genome + peaks builds, the DeepSEA bundle import."""
