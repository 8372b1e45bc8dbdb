"""The synthetic motif-grammar benchmark: simulation, ground truth, baselines."""
