"""Convolution stacks (DeepSEA, Beluga): only the receptive-field cone of the changed columns is
recomputed.

A change at input columns ``[a, b]`` reaches the outputs ``[a - k + 1, b]`` of a 'valid'
convolution, then the pool windows holding those, and so on up the stack; dropout is the identity
in eval mode and the activation is elementwise. Each stage recomputes one fixed-width window per
mutant (the widest cone of the batch), reading the reference's saved activations around it, and the
first dense layer adds ``W[:, changed] @ (h_mutant - h_ref)[changed]`` to the reference's
pre-activation. One :class:`ConvStackRule` serves any stack of ``conv → act [→ pool]`` stages
flattened channel-major into two dense layers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from danq.inference.incremental.base import (
    Spans,
    as_long,
    common_width,
    patch_window,
    register,
    take_window,
    through_conv,
    through_pool,
    window_starts,
)
from danq.models.beluga import Beluga
from danq.models.deepsea import DeepSEA


@dataclass
class Stage:
    """``pool(act(conv(x)))`` (no pool: ``act(conv(x))``), its convolution's output length and
    its own."""

    conv: nn.Conv1d
    pool: nn.MaxPool1d | None
    conv_length: int
    length: int

    @property
    def kernel(self) -> int:
        return self.conv.kernel_size[0]

    @property
    def stride(self) -> int:
        if self.pool is None:
            return 1
        size = self.pool.kernel_size
        return size if isinstance(size, int) else size[0]


@dataclass
class ConvStackState:
    """References: inputs, every stage's output, fc1's pre-activation and the logits."""

    x: torch.Tensor  # (R, 4, L)
    maps: list[torch.Tensor]  # per stage (R, C, N)
    z: torch.Tensor  # (R, H)
    logits: torch.Tensor  # (R, T)


class ConvStackRule:
    """Incremental scoring for a stack of convolution stages and two dense layers."""

    def __init__(self, model: nn.Module, stages: Sequence[tuple[nn.Conv1d, nn.MaxPool1d | None]],
                 act: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.model, self.act = model, act
        length = model.sequence_length
        self.stages: list[Stage] = []
        for conv, pool in stages:
            length = length - conv.kernel_size[0] + 1
            stage = Stage(conv, pool, length, length)
            length = stage.length = length // stage.stride
            self.stages.append(stage)
        last = self.stages[-1]
        hidden = model.fc1.out_features
        # fc1's weight as (N, C, H): the rows of the changed last-stage positions are one slice
        self.w1 = (model.fc1.weight.detach().view(hidden, last.conv.out_channels, last.length)
                   .permute(2, 1, 0).contiguous())

    def _run(self, stage: Stage, x: torch.Tensor) -> torch.Tensor:
        y = self.act(stage.conv(x))
        return stage.pool(y) if stage.pool is not None else y

    def _head(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.fc2(self.act(z))

    def reference(self, x: torch.Tensor, start: np.ndarray, width: int) -> ConvStackState:
        """Run the references once (the model's own layers), keeping every stage's output."""
        maps, y = [], x
        for stage in self.stages:
            y = self._run(stage, y)
            maps.append(y)
        z = self.model.fc1(y.flatten(1))
        return ConvStackState(x, maps, z, self._head(z))

    def cones(self, start: np.ndarray, width: int) -> list[Spans]:
        """Changed output positions of every stage for changed inputs ``[start, start + width)``."""
        lo = np.asarray(start, dtype=np.int64)
        spans: Spans = (lo, lo + width - 1, np.zeros(lo.shape, dtype=bool))
        out = []
        for stage in self.stages:
            spans = through_conv(spans, stage.kernel, stage.conv_length)
            if stage.pool is not None:
                spans = through_pool(spans, stage.stride, stage.length)
            out.append(spans)
        return out

    def mutants(self, state: ConvStackState, ref_index: np.ndarray, start: np.ndarray,
                values: torch.Tensor) -> torch.Tensor:
        """Logits of the mutants (see :class:`danq.inference.incremental.base.Rule`)."""
        dev = state.x.device
        out = state.logits[as_long(ref_index, dev)].clone()
        cones = self.cones(start, values.shape[2])
        live = ~cones[-1][2]
        if not live.any():  # e.g. a change only in the columns pooling drops: no effect
            return out
        rows = np.flatnonzero(live)
        ref = as_long(np.asarray(ref_index)[rows], dev)
        new = values[as_long(rows, dev)]
        new_start = as_long(np.asarray(start)[rows], dev)
        for stage, spans, below in zip(self.stages, cones, [state.x, *state.maps[:-1]], strict=True):
            spans = (spans[0][rows], spans[1][rows], spans[2][rows])
            n = common_width(spans)
            s = window_starts(spans, n, stage.length)
            window = patch_window(below, ref, as_long(s * stage.stride, dev),
                                  stage.stride * n + stage.kernel - 1, new, new_start)
            new, new_start = self._run(stage, window), as_long(s, dev)
        old = take_window(state.maps[-1], ref, new_start, new.shape[2])
        delta = (new - old).permute(0, 2, 1)  # (M, n, C)
        z = state.z[ref].clone()
        n = new.shape[2]
        s = new_start.cpu().numpy()
        for begin in np.unique(s):  # one matmul per group of mutants sharing the window
            group = as_long(np.flatnonzero(s == begin), dev)
            weight = self.w1[begin : begin + n].reshape(-1, self.w1.shape[2])  # (n*C, H)
            z[group] += delta[group].reshape(len(group), -1) @ weight
        out[as_long(rows, dev)] = self._head(z)
        return out


def _plain(*layers: nn.Module) -> bool:
    kinds = {nn.Conv1d, nn.Linear, nn.MaxPool1d}
    return all(type(layer) in kinds for layer in layers)


@register(DeepSEA)
def deepsea_rule(model: DeepSEA) -> ConvStackRule | None:
    """DeepSEA: conv → act → pool, twice, then conv → act (either activation)."""
    if not _plain(model.conv1, model.conv2, model.conv3, model.pool, model.fc1, model.fc2):
        return None
    stages = [(model.conv1, model.pool), (model.conv2, model.pool), (model.conv3, None)]
    return ConvStackRule(model, stages, model.act)


@register(Beluga)
def beluga_rule(model: Beluga) -> ConvStackRule | None:
    """Beluga: three pairs of conv → ReLU, max pooling after the first two pairs."""
    if not _plain(*model.convs, model.pool, model.fc1, model.fc2):
        return None
    convs = list(model.convs)
    stages = [(conv, model.pool if i in (1, 3) else None) for i, conv in enumerate(convs)]
    return ConvStackRule(model, stages, torch.relu)
