"""DeepLIFT/SHAP (tangermeme ``deep_lift_shap``) against dinucleotide-shuffled references.

tangermeme applies its DeepLIFT rules to ``nn.Module`` nonlinearities, one module per use. danq's
published architectures call their activations as functions and reuse one pooling module, so
:func:`deeplift_view` rebuilds DeepSEA's and Beluga's forward pass as an ``nn.Sequential`` over the
model's *own* layers (same parameters, same outputs, the model's state_dict untouched) with one
activation and pooling module per use. DeepSEA's imported Torch7 ``Threshold(0, 1e-6)`` becomes an
``nn.Threshold``, handled through tangermeme's ``additional_nonlinear_ops`` with its rescale rule.
Dropout is the identity at inference and is left out.

DeepLIFT/SHAP through an LSTM is not defined by tangermeme (or captum): a model holding an
``nn.LSTM`` (DanQ, DanQ-JASPAR) is refused with a reason (:func:`refuse`), never run. Any other
module is passed as it is, and a model whose nonlinearities tangermeme cannot see (its sums stop
adding up) is refused as well, instead of returning numbers.

* ``hypothetical[n, t, b, i]``: tangermeme's hypothetical contributions (averaged over references);
* ``attributions`` = ``hypothetical`` × input (the observed base).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from danq.encoders import tokens_to_one_hot
from danq.errors import DanqError

#: Why DanQ is refused (the one line ``danq attribute`` prints).
LSTM_REASON = (
    "DeepLIFT/SHAP is not defined through an LSTM by tangermeme or captum, so {name} cannot be "
    "explained with it; use --method ism (exact) or --method ig (integrated gradients)"
)


def refuse(model: Any) -> str | None:
    """The reason DeepLIFT/SHAP cannot explain ``model`` (it holds an LSTM), or ``None``."""
    import torch

    if any(isinstance(m, (torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN)) for m in model.modules()):
        return LSTM_REASON.format(name=type(model).__name__)
    return None


def _activation(model: Any) -> Any:
    import torch

    if getattr(model, "activation", "relu") == "threshold":
        from danq.models.common import TORCH7_THRESHOLD_VALUE

        return torch.nn.Threshold(0.0, TORCH7_THRESHOLD_VALUE)
    return torch.nn.ReLU()


def deeplift_view(model: Any) -> Any:
    """The model as tangermeme needs it: DeepSEA and Beluga rebuilt as an ``nn.Sequential`` of
    their own layers with one nonlinearity module per use; any other module unchanged."""
    import torch
    from torch import nn

    from danq.models.beluga import Beluga
    from danq.models.deepsea import DeepSEA

    def pool() -> nn.MaxPool1d:
        return nn.MaxPool1d(model.pool.kernel_size, model.pool.stride)

    if isinstance(model, DeepSEA):
        return nn.Sequential(
            model.conv1, _activation(model), pool(), model.conv2, _activation(model), pool(),
            model.conv3, _activation(model), nn.Flatten(), model.fc1, _activation(model), model.fc2,
        ).eval()
    if isinstance(model, Beluga):
        layers: list[torch.nn.Module] = []
        for pair in range(3):
            layers += [model.convs[2 * pair], nn.ReLU(), model.convs[2 * pair + 1], nn.ReLU()]
            if pair < 2:
                layers.append(pool())
        layers += [nn.Flatten(), model.fc1, nn.ReLU(), model.fc2]
        return nn.Sequential(*layers).eval()
    return model


def run(predictor: Any, tokens: np.ndarray, targets: np.ndarray,
        options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``hypothetical`` and ``attributions`` (observed base) of a batch of ACGT-only token rows."""
    import torch
    from tangermeme.deep_lift_shap import _nonlinear, deep_lift_shap

    reason = refuse(predictor.model)
    if reason is not None:
        raise DanqError(f"deeplift-shap: {reason}")
    if (np.asarray(tokens) > 3).any():
        raise DanqError("deeplift-shap: a sequence holds N (or another non-ACGT base); tangermeme's "
                        "dinucleotide shuffles need ACGT only (use --method ism or ig)")
    view = deeplift_view(predictor.model)
    x = torch.from_numpy(tokens_to_one_hot(np.asarray(tokens, dtype=np.uint8)))
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(predictor.precision, torch.float32)
    parts = []
    for target in targets:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hypothetical = deep_lift_shap(
                view, x, target=int(target), batch_size=int(options.get("batch_size", 128)),
                n_shuffles=int(options.get("n_shuffles", 20)), hypothetical=True,
                additional_nonlinear_ops={torch.nn.Threshold: _nonlinear},
                random_state=int(options.get("seed", 0)), device=predictor.device, dtype=dtype,
            )
        if any("no DeepLIFT rule" in str(w.message) for w in caught):
            raise DanqError(
                f"deeplift-shap: {type(predictor.model).__name__} has an operation tangermeme has no "
                "DeepLIFT rule for (a functional activation?), so its attributions would not add "
                "up; use --method ism or --method ig")
        parts.append(hypothetical.detach().float().cpu().numpy())
    hyp = np.stack(parts, axis=1).astype(np.float32, copy=False)
    return {"attributions": hyp * x.numpy()[:, None], "hypothetical": hyp}
