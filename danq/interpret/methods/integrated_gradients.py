"""Integrated gradients (captum ``IntegratedGradients``, Gauss–Legendre, ``n_steps`` points) from
the all-zero baseline: the all-N sequence, which danq's models see as "no base anywhere".

* ``hypothetical[n, t, b, i]`` = the gradient of logit_t averaged along the straight path from the
  baseline to the sequence (captum with ``multiply_by_inputs=False``): the contribution base b would
  make at i, the IG analogue of DeepLIFT's hypothetical contributions with a zero reference;
* ``attributions`` = ``hypothetical`` × input, i.e. captum's integrated gradients, which sum
  (completeness) to logit_t(sequence) − logit_t(all-N), up to the quadrature error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from danq.interpret.methods._gradients import forward_function, one_hot_input, per_target


def run(predictor: Any, tokens: np.ndarray, targets: np.ndarray,
        options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``hypothetical`` (path-averaged gradients) and ``attributions`` (IG) of a token batch."""
    import torch
    from captum.attr import IntegratedGradients

    baseline_name = str(options.get("baseline", "zeros"))
    if baseline_name != "zeros":
        from danq.errors import DanqError

        raise DanqError(f"ig: baseline {baseline_name!r} is not supported (only 'zeros')")
    n_steps = int(options.get("n_steps", 50))
    batch_size = int(options.get("batch_size", 128))
    x = one_hot_input(predictor, tokens)
    baseline = torch.zeros_like(x)
    method = IntegratedGradients(forward_function(predictor), multiply_by_inputs=False)
    averaged = per_target(
        lambda inputs, t: method.attribute(inputs, baselines=baseline, target=t, n_steps=n_steps,
                                           internal_batch_size=max(batch_size, 1)),
        x, targets,
    )
    observed = x.detach().cpu().numpy()[:, None]
    return {"attributions": averaged * observed, "hypothetical": averaged}
