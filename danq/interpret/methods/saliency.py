"""Saliency (captum ``Saliency``): the gradient of each target's logit with respect to the one-hot
input, at the sequence itself.

* ``hypothetical[n, t, b, i]`` = ∂logit_t / ∂x[b, i] (the raw, signed gradient; not centred);
* ``attributions`` = gradient × input: the gradient at the observed base, zero elsewhere and at N.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from danq.interpret.methods._gradients import forward_function, one_hot_input, per_target


def run(predictor: Any, tokens: np.ndarray, targets: np.ndarray,
        options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``hypothetical`` (gradients) and ``attributions`` (gradient × input) of a token batch."""
    from captum.attr import Saliency

    x = one_hot_input(predictor, tokens)
    method = Saliency(forward_function(predictor))
    gradients = per_target(lambda inputs, t: method.attribute(inputs, target=t, abs=False),
                           x, targets)
    observed = x.detach().cpu().numpy()[:, None]
    return {"attributions": gradients * observed, "hypothetical": gradients}
