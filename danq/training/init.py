"""How a fresh model's weights start (``danq train --init``).

``published`` keeps the initialisation each architecture's constructor applies (DanQ: Keras 0.2's
uniform / Glorot / orthogonal with forget bias 1; DeepSEA: Torch7's fan-in uniform; DanQ-JASPAR:
DanQ's plus its JASPAR kernels). ``torch`` replaces it with PyTorch's own default of every layer
(``reset_parameters()`` of each ``nn.Conv1d``, ``nn.LSTM`` and ``nn.Linear``: Kaiming-uniform
weights with a = √5, i.e. U(±1/√fan_in), and U(±1/√fan_in) biases; LSTM weights and biases
U(±1/√hidden)); DanQ-JASPAR's JASPAR kernels are written again afterwards, so only the random
part changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from danq.errors import DanqError
from danq.training.hyperparameters import INITS

if TYPE_CHECKING:
    from torch import nn


def apply_init(model: nn.Module, init: str) -> None:
    """Give ``model`` the initialisation ``init`` (one of :data:`INITS`), in place."""
    from torch import nn

    if init not in INITS:
        raise DanqError(f"--init {init}: expected one of {', '.join(INITS)}")
    if init == "published":
        return
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Linear, nn.LSTM)):
            module.reset_parameters()
    args = getattr(model, "model_args", {})
    if args.get("jaspar_init") and hasattr(model, "init_from_jaspar"):
        n_kernels = min(int(args["n_jaspar_kernels"]), int(args["conv_channels"]))
        model.init_from_jaspar(str(args["jaspar_release"]), n_kernels, int(args["seed"]))
