"""How the incremental rules run their layers on a CPU: cache-sized convolution blocks, oneDNN dense layers.

Both are execution choices, not model changes: the same operations on the same float32 numbers,
summed in another order (differences of a few 1e-7 relative, far inside the rules' 1e-5).

* A first convolution on a 1 kb window writes ``channels x ~1,000`` floats (1.2 MB for DanQ) before
  pooling shrinks them 13-fold; a batch of 64 windows writes 80 MB and reads it back, so the layer
  runs at memory speed. Blocks of :data:`CONV_BLOCK_ROWS` windows keep it in cache: DanQ's
  conv + pool on 2,000 windows took 2.4 s whole and 0.6-0.7 s in blocks of 2-8 (16 and up: 2.2 s;
  AMD EPYC, 2 threads).
* On one-hot DNA a convolution is a sum of its kernel's columns, one per position and base:
  :class:`OneHotConv` adds precomputed rows, one per 3-mer of the window (``embedding_bag``), a
  ninth of the work, and DanQ's conv + pool on 2,000 windows took 0.17 s (blocks of 8).
* ``torch.nn.functional.linear`` runs MKL's sgemm, which reached half the speed of oneDNN's matmul
  for DanQ's dense layer on that AMD CPU (1.08 s vs 0.58 s for 2,000 rows of 48,000 x 925).
  :class:`DenseLayer` keeps a oneDNN copy of the weights and uses it where oneDNN is built in, on
  float32 CPU tensors; elsewhere (a GPU, another dtype, a torch without oneDNN) it is
  ``linear`` itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from danq.encoders import N_TOKEN, one_hot_to_tokens

CONV_BLOCK_ROWS = 8
"""Windows per convolution block on a CPU (see the module doc)."""


def blocked(layer: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
            rows: int = CONV_BLOCK_ROWS) -> torch.Tensor:
    """``layer(x)``, computed on blocks of ``rows`` windows on a CPU (whole elsewhere)."""
    if x.device.type != "cpu" or len(x) <= rows:
        return layer(x)
    return torch.cat([layer(x[i : i + rows]) for i in range(0, len(x), rows)])


SYMBOLS = N_TOKEN + 1
"""Token values a window holds: A, C, G, T and N."""


def is_one_hot(x: torch.Tensor) -> bool:
    """Whether every column of ``x`` ``(B, 4, L)`` is a base (one 1) or N (all 0), nothing else."""
    return bool(((x == 0) | (x == 1)).all() and (x.sum(dim=1) <= 1).all())


class OneHotConv:
    """A stride-1, unpadded ``nn.Conv1d`` over one-hot DNA (4 channels), without multiplications.

    Column ``t`` of the output is the bias plus, for each kernel position ``j``, the kernel's
    column for the base at ``t + j`` (none for N). Positions are grouped by ``group``: each group
    gets a table of its summed columns for all ``SYMBOLS ** group`` k-mers (N included, as a zero
    column), and an output column is the sum of one row per group (``embedding_bag``). Tables are
    summed in float64, then rounded once.

    Parameters
    ----------
    conv
        The layer (its weights are copied: build a new one after changing them).
    group
        Kernel positions per table.
    """

    def __init__(self, conv: torch.nn.Conv1d, group: int = 3) -> None:
        weight = conv.weight.detach().double()  # (C, 4, k)
        channels, _, self.kernel = weight.shape
        self.group = group
        self.n_groups = -(-self.kernel // group)
        rows = SYMBOLS**group
        digits = (np.arange(rows)[:, None] // SYMBOLS ** np.arange(group)) % SYMBOLS
        # token N_TOKEN (4) selects a zero column
        padded = torch.cat([weight, weight.new_zeros(channels, 1, self.kernel)], dim=1)
        tables = weight.new_zeros(self.n_groups, rows, channels)
        for g in range(self.n_groups):
            for i in range(min(group, self.kernel - g * group)):
                tables[g] += padded[:, torch.as_tensor(digits[:, i]), g * group + i].T
        self.table = tables.reshape(-1, channels).to(conv.weight.dtype)
        self.bias = None if conv.bias is None else conv.bias.detach()

    @staticmethod
    def applies(conv: torch.nn.Module) -> bool:
        """Whether ``conv`` is a layer this class computes (plain, 4 inputs, float32)."""
        return (type(conv) is torch.nn.Conv1d and conv.in_channels == 4 and conv.stride == (1,)
                and conv.padding == (0,) and conv.dilation == (1,) and conv.groups == 1
                and conv.padding_mode == "zeros" and conv.weight.dtype == torch.float32)

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Each output column's table rows ``(B, L - k + 1, n_groups)`` for one-hot ``x``."""
        tokens = torch.from_numpy(one_hot_to_tokens(x.cpu().numpy()).astype(np.int64))
        tokens = tokens.to(x.device)
        out_length = x.shape[2] - self.kernel + 1
        codes = tokens.new_zeros(x.shape[0], out_length, self.n_groups)
        for g in range(self.n_groups):
            codes[:, :, g] = g * SYMBOLS**self.group
            for i in range(min(self.group, self.kernel - g * self.group)):
                first = g * self.group + i
                codes[:, :, g] += tokens[:, first : first + out_length] * SYMBOLS**i
        return codes

    def __call__(self, codes: torch.Tensor) -> torch.Tensor:
        """Outputs ``(B, L - k + 1, C)`` (positions first, without the bias) of :meth:`codes`."""
        b, length, groups = codes.shape
        out = torch.nn.functional.embedding_bag(codes.reshape(-1, groups), self.table, mode="sum")
        return out.view(b, length, -1)


PACK_MIN_ROWS = 8
"""A :class:`DenseLayer` copies its weights for oneDNN at its first call with this many rows (a
call with fewer, such as one reference sequence, is not worth a copy of the weights)."""


class DenseLayer:
    """``x @ weight.T + bias`` (``weight`` ``(out, in)``), through oneDNN on a float32 CPU.

    Parameters
    ----------
    weight, bias
        The layer's parameters (detached; ``bias`` may be ``None``).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        self._weight: torch.Tensor | None = weight.detach()
        self.bias = None if bias is None else bias.detach()
        self._packed: tuple[torch.Tensor, torch.Tensor] | None = None
        self._pack = (weight.device.type == "cpu" and weight.dtype == torch.float32
                      and torch.backends.mkldnn.is_available())

    @property
    def weight(self) -> torch.Tensor:
        """The weights ``(out, in)`` as a plain tensor."""
        return self._weight if self._weight is not None else self._packed[0].to_dense()  # type: ignore[index]

    def _pack_weights(self) -> None:
        """oneDNN's copy of the weights, replacing the plain one (never two copies)."""
        self._pack = False
        weight = self.weight
        bias = self.bias if self.bias is not None else weight.new_zeros(weight.shape[0])
        packed = (weight.contiguous().to_mkldnn(), bias.contiguous().to_mkldnn())
        try:  # a torch whose oneDNN lacks the op keeps the plain path
            torch.ops.aten.mkldnn_linear(weight.new_zeros(1, weight.shape[1]).to_mkldnn(), *packed)
        except (RuntimeError, AttributeError, NotImplementedError):
            return
        self._packed, self._weight = packed, None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        usable = x.dtype == torch.float32 and x.device.type == "cpu"
        if self._pack and usable and len(x) >= PACK_MIN_ROWS:
            self._pack_weights()
        if self._packed is None or not usable or not len(x):
            bias = None if self.bias is None else self.bias.to(x.dtype)
            return torch.nn.functional.linear(x, self.weight.to(x.dtype), bias)
        return torch.ops.aten.mkldnn_linear(x.contiguous().to_mkldnn(), *self._packed).to_dense()
