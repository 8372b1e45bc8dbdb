"""Motifs: first-layer filters, TOMTOM against JASPAR, decoys, logos."""
