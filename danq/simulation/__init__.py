"""The synthetic motif-grammar benchmark: simulation, ground truth, baselines.

``danq simulate``: :mod:`~danq.simulation.config` (parameters) → :mod:`~danq.simulation.jaspar`
(motifs) → :mod:`~danq.simulation.rules` (targets, labels) → :mod:`~danq.simulation.sampling`
(one split) → :mod:`~danq.simulation.truth` (truth.json, written and read only there) →
:mod:`~danq.simulation.simulate` (the files). ``danq simulate-variants``:
:mod:`~danq.simulation.variants`. ``danq baselines``: :mod:`~danq.simulation.oracle` (oracle,
presence only), :mod:`~danq.simulation.pwm_scan`, :mod:`~danq.simulation.scoring` (tie-aware
PR AUC, decoy breakdown) → :mod:`~danq.simulation.baselines` (the run and its tables).
"""
