"""Variant effects: reading VCF/TSV, scoring, significance, the variant report."""
