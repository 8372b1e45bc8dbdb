"""DanQ's incremental rule: a few convolution/pool steps, half of each LSTM direction, half of fc1.

A change at input columns ``[a, b]`` reaches pool steps ``[lo, hi]`` (conv outputs ``[a - k + 1,
b]``, pooled). A direction reading the sequence from its start is unchanged before ``lo``: it is
rerun from ``lo`` to the end, starting from the reference's state saved at ``lo``; one reading from
the end is rerun from ``hi`` down to the start. Mutants are grouped by that starting step so every
LSTM batch is dense. fc1's input changes only where a direction was rerun: its pre-activation is the
reference's plus the changed columns' weights times the change.
"""

from __future__ import annotations

from collections.abc import Callable
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
    through_conv,
    through_pool,
    window_starts,
)
from danq.inference.incremental.kernels import DenseLayer, OneHotConv, blocked, is_one_hot
from danq.models.danq import GATE_ACTIVATIONS, DanQ, DanQJaspar


class Direction:
    """One LSTM direction run step by step from a given state, on precomputed input projections.

    ``reverse``: it reads the pool steps from the last to the first. The equations are
    ``nn.LSTM``'s (gate blocks i, f, g, o) with the model's gate function, as
    :func:`danq.models.danq.lstm_direction`; keeping the input projections ``W_ih x + b`` apart
    lets a mutant reuse the reference's at every unchanged step.
    """

    def __init__(self, lstm: nn.LSTM, suffix: str, reverse: bool, gate: str) -> None:
        self.reverse = reverse
        self.weight_ih = getattr(lstm, f"weight_ih_l0{suffix}").detach()
        self.weight_hh_t = getattr(lstm, f"weight_hh_l0{suffix}").detach().T.contiguous()
        self.bias = (getattr(lstm, f"bias_ih_l0{suffix}")
                     + getattr(lstm, f"bias_hh_l0{suffix}")).detach()
        self.hidden = lstm.hidden_size
        self.gate: Callable[[torch.Tensor], torch.Tensor] = GATE_ACTIVATIONS[gate]
        #: With sigmoid gates, a one-direction ``nn.LSTM`` holding copies of the weights (oneDNN's
        #: fused LSTM), used when few mutants share a reference.
        self.module: nn.LSTM | None = None
        if gate == "sigmoid":
            module = nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=True)
            module.to(device=self.weight_ih.device, dtype=self.weight_ih.dtype).eval()
            with torch.no_grad():
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(module, f"{name}_l0").copy_(getattr(lstm, f"{name}_l0{suffix}"))
            self.module = module

    def run_fused(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Read features ``(B, S, C)`` (reading order) from ``(h, c)`` with :attr:`module`:
        outputs ``(B, S, H)`` and the final state."""
        assert self.module is not None
        out, (h_n, c_n) = self.module(x, (h[None].contiguous(), c[None].contiguous()))
        return out, h_n[0], c_n[0]

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Input projections ``(B, S, 4H)`` of features ``(B, S, C)``."""
        return torch.nn.functional.linear(x, self.weight_ih, self.bias)

    def run(self, inputs: torch.Tensor, h: torch.Tensor, c: torch.Tensor, *, keep_cells: bool = False
            ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Read projections ``(B, S, 4H)`` (in reading order) from state ``(h, c)``: the outputs
        ``(B, S, H)`` and, with ``keep_cells``, the cell states ``(B, S, H)``."""
        gate, hidden = self.gate, self.hidden
        outputs, cells = [], []
        for t in range(inputs.shape[1]):
            gates = torch.addmm(inputs[:, t], h, self.weight_hh_t)
            active = gate(gates)
            c = active[:, hidden : 2 * hidden] * c + active[:, :hidden] * torch.tanh(
                gates[:, 2 * hidden : 3 * hidden])
            h = active[:, 3 * hidden :] * torch.tanh(c)
            outputs.append(h)
            if keep_cells:
                cells.append(c)
        if not outputs:
            empty = inputs.new_zeros(inputs.shape[0], 0, hidden)
            return empty, empty if keep_cells else None
        return torch.stack(outputs, dim=1), torch.stack(cells, dim=1) if keep_cells else None


@dataclass
class DanQState:
    """References: inputs, pooled features, and per direction its input projections, outputs and
    cell states (reading order), then fc1's pre-activation and the logits."""

    x: torch.Tensor  # (R, 4, L)
    features: torch.Tensor  # (R, T, C)
    outputs: list[torch.Tensor]  # per direction (R, T, H), reading order
    z: torch.Tensor  # (R, H1)
    logits: torch.Tensor  # (R, T)
    #: Step by step: per direction the input projections (R, T, 4H) and cell states (R, T, H).
    projections: list[torch.Tensor] | None = None
    cells: list[torch.Tensor] | None = None
    #: Fused: per direction the states (h, c) saved after reading the steps the mutants restart at.
    saved: list[dict[int, tuple[torch.Tensor, torch.Tensor]]] | None = None

    def state(self, d: int, read: int, refs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Direction ``d``'s state ``(h, c)`` after reading ``read`` steps, for references ``refs``."""
        if read == 0:
            zeros = self.outputs[d].new_zeros(len(refs), self.outputs[d].shape[2])
            return zeros, zeros
        if self.saved is not None:
            h, c = self.saved[d][read]
            return h[refs], c[refs]
        assert self.cells is not None
        return self.outputs[d][refs, read - 1], self.cells[d][refs, read - 1]


class DanQRule:
    """Incremental scoring for :class:`danq.models.danq.DanQ` and DanQ-JASPAR (either gate, either
    second direction)."""

    def __init__(self, model: DanQ) -> None:
        self.model = model
        self.k = model.conv.kernel_size[0]
        pool = model.pool.kernel_size
        self.p = pool if isinstance(pool, int) else pool[0]
        self.l1 = model.sequence_length - self.k + 1
        self.steps = self.l1 // self.p
        gate = model.gate_activation
        lstm = model.lstm
        self.directions = [
            Direction(lstm, "", False, gate),
            Direction(lstm, "_reverse", model.lstm_second_direction == "backward", gate),
        ]
        self.fc1 = DenseLayer(model.fc1.weight, model.fc1.bias)
        self.onehot_conv = OneHotConv(model.conv) if OneHotConv.applies(model.conv) else None
        #: per direction, the last (first step, fc1 restricted to it) built
        self._tails: dict[int, tuple[int, DenseLayer]] = {}

    def _fc1_tail(self, d: int, first: int) -> DenseLayer:
        """fc1 restricted to direction ``d``'s outputs from reading step ``first`` to the end
        (input ``(B, S * H)``, steps in reading order, as the rules' output deltas)."""
        cached = self._tails.get(d)
        if cached is None or cached[0] != first:
            # one a direction (variant effects reuse it; ISM moves on), dropped before the next
            # is built: never two copies of fc1's weights for a direction
            self._tails.pop(d, None)
            fc1 = self.model.fc1
            w = fc1.weight.detach().view(fc1.out_features, self.steps, 2, -1)  # DanQ's flattening
            if self.directions[d].reverse:  # reading step s is step T - 1 - s
                w = w[:, : self.steps - first, d].flip(1)
            else:
                w = w[:, first:, d]
            self._tails[d] = (first, DenseLayer(w.reshape(fc1.out_features, -1)))
        return self._tails[d][1]

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled, rectified convolution features ``(B, T', C)`` of one-hot windows ``(B, 4, L')``."""
        if self.onehot_conv is not None and x.device.type == "cpu" and is_one_hot(x):
            return blocked(self._features_of_codes, self.onehot_conv.codes(x))
        return blocked(self._features_by_conv, x)

    def _features_by_conv(self, x: torch.Tensor) -> torch.Tensor:
        m = self.model
        return torch.relu(m.pool(m.conv(x))).transpose(1, 2).contiguous()

    def _features_of_codes(self, codes: torch.Tensor) -> torch.Tensor:
        assert self.onehot_conv is not None
        out = self.onehot_conv(codes)  # (b, L1', C), no bias: a per-channel constant commutes with max
        steps = out.shape[1] // self.p
        out = out[:, : steps * self.p].view(len(out), steps, self.p, -1).amax(dim=2)
        if self.onehot_conv.bias is not None:
            out += self.onehot_conv.bias
        return torch.relu_(out)

    def span(self, start: np.ndarray, width: int) -> Spans:
        """Changed pool steps ``[lo, hi]`` for changed input columns ``[start, start + width)``."""
        lo = np.asarray(start, dtype=np.int64)
        spans: Spans = (lo, lo + width - 1, np.zeros(lo.shape, dtype=bool))
        return through_pool(through_conv(spans, self.k, self.l1), self.p, self.steps)

    def restart(self, spans: Spans, direction: Direction) -> np.ndarray:
        """Steps a direction reads before a mutant's first changed step (in its reading order)."""
        lo, hi, _ = spans
        return self.steps - 1 - hi if direction.reverse else lo

    def _reading(self, direction: Direction, x: torch.Tensor) -> torch.Tensor:
        return x.flip(1) if direction.reverse else x

    def reference(self, x: torch.Tensor, start: np.ndarray, width: int) -> DanQState:
        """Run the references once, keeping what their mutants restart from.

        With sigmoid gates and few mutants a reference (variant effects), each direction runs
        fused (``nn.LSTM``), stopping at the mutants' restart steps to save its state; otherwise
        (in-silico mutagenesis: thousands of mutants a reference) step by step, keeping every
        step's input projections and cell states so that mutants recompute only the recurrence.
        """
        features = self._features(x)
        batch = features.shape[0]
        fused = all(d.module is not None for d in self.directions) and len(start) < 4 * batch
        spans = self.span(start, width)
        projections, outputs, cells, saved = [], [], [], []
        for direction in self.directions:
            seq = self._reading(direction, features)
            zeros = features.new_zeros(batch, direction.hidden)
            if fused:
                restarts = np.unique(self.restart(spans, direction)[~spans[2]])
                h, c, begin, parts, states = zeros, zeros, 0, [], {}
                for end in [*(int(u) for u in restarts if 0 < u < self.steps), self.steps]:
                    out, h, c = direction.run_fused(seq[:, begin:end], h, c)
                    parts.append(out)
                    states[end] = (h, c)
                    begin = end
                outputs.append(torch.cat(parts, dim=1))
                saved.append(states)
            else:
                proj = direction.project(seq)
                out, cell = direction.run(proj, zeros, zeros, keep_cells=True)
                projections.append(proj)
                outputs.append(out)
                cells.append(cell)
        m = self.model
        ordered = [self._reading(d, out) for d, out in zip(self.directions, outputs, strict=True)]
        z = self.fc1(torch.stack(ordered, dim=2).reshape(batch, -1))  # step-major, as DanQ.forward
        if fused:
            return DanQState(x, features, outputs, z, m.fc2(torch.relu(z)), saved=saved)
        return DanQState(x, features, outputs, z, m.fc2(torch.relu(z)), projections, cells)

    def mutants(self, state: DanQState, ref_index: np.ndarray, start: np.ndarray,
                values: torch.Tensor) -> torch.Tensor:
        """Logits of the mutants (see :class:`danq.inference.incremental.base.Rule`)."""
        dev = state.x.device
        out = state.logits[as_long(ref_index, dev)].clone()
        spans = self.span(start, values.shape[2])
        live = ~spans[2]
        if not live.any():
            return out
        rows = np.flatnonzero(live)
        lo, hi = spans[0][rows], spans[1][rows]
        ref = as_long(np.asarray(ref_index)[rows], dev)
        n = common_width((lo, hi, spans[2][rows]))
        s = window_starts((lo, hi, spans[2][rows]), n, self.steps)
        p, k, steps = self.p, self.k, self.steps
        window = patch_window(state.x, ref, as_long(s * p, dev), p * n + k - 1,
                              values[as_long(rows, dev)], as_long(np.asarray(start)[rows], dev))
        new = self._features(window)  # (M, n, C): pool steps s .. s + n - 1
        z = state.z[ref].clone()
        for d, direction in enumerate(self.directions):
            # reading position of each recomputed step, and where each mutant restarts
            global_steps = s[:, None] + np.arange(n)
            reading = steps - 1 - global_steps if direction.reverse else global_steps
            restart = self.restart((lo, hi, spans[2][rows]), direction)
            # one dense batch from the earliest restart of the batch: a mutant read from before
            # its own restart repeats the reference's steps there (same inputs, same states)
            u0 = int(restart.min())
            local = reading - u0
            keep = (local >= 0) & (local < steps - u0)
            gi, ji = np.nonzero(keep)
            where = (as_long(gi, dev), as_long(local[gi, ji], dev))
            h0, c0 = state.state(d, u0, ref)
            if state.projections is None:  # fused: the features, patched, from the saved state
                seq = self._reading(direction, state.features[ref])[:, u0:].contiguous()
                seq[where] = new[as_long(gi, dev), as_long(ji, dev)]
                new_out = direction.run_fused(seq, h0, c0)[0]
            else:
                proj = state.projections[d][ref, u0:]  # (M, S, 4H), a copy
                proj[where] = direction.project(new)[as_long(gi, dev), as_long(ji, dev)]
                new_out, _ = direction.run(proj, h0, c0)
            delta = (new_out - state.outputs[d][ref, u0:]).reshape(len(rows), -1)
            z += self._fc1_tail(d, u0)(delta)
        m = self.model
        out[as_long(rows, dev)] = m.fc2(torch.relu(z))
        return out


def _danq_rule(model: DanQ) -> DanQRule | None:
    lstm = model.lstm
    plain = (type(model.conv) is nn.Conv1d and type(lstm) is nn.LSTM and lstm.num_layers == 1
             and lstm.bidirectional and lstm.batch_first and lstm.bias
             and type(model.fc1) is nn.Linear and type(model.fc2) is nn.Linear)
    return DanQRule(model) if plain else None


register(DanQ)(_danq_rule)
register(DanQJaspar)(_danq_rule)
