"""Scoring models: per-target AUCs, curves, comparisons."""
