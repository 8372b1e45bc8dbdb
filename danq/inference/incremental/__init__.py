"""Incremental scoring: a mutant's logits from its reference's saved activations.

A variant or a single-base substitution changes a few convolution outputs; everything outside
their receptive-field cone is the same in the reference and the mutant. Each architecture with a
rule (:mod:`.convstack` for DeepSEA and Beluga, :mod:`.danq`; registered in :data:`.base.RULES` by exact class) recomputes
only that cone, exactly (within float rounding) what the full model gives; any other model, or a
change that is not local (an indel's shifted flank), runs the full model, silently.

Entry points: :class:`MutantScorer`, :func:`pair_logits` (variant effects: reference and
alternative windows) and :func:`ism_logits` (in-silico mutagenesis).
"""

from danq.inference.incremental import convstack as _convstack  # noqa: F401  (registers rules)
from danq.inference.incremental import danq as _danq  # noqa: F401
from danq.inference.incremental.base import RULES, rule_for
from danq.inference.incremental.scorer import (
    MAX_LOCAL_FRACTION,
    MutantScorer,
    ism_logits,
    pair_logits,
)

__all__ = ["MAX_LOCAL_FRACTION", "RULES", "MutantScorer", "ism_logits", "pair_logits", "rule_for"]
