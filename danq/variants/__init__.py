"""Variant effects: reading VCF/TSV, windows, scores, batches, significance, results, the report."""
