"""DanQ (Quang & Xie, NAR 2016) and its JASPAR-initialised variant, as modules returning logits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from danq.errors import DanqError
from danq.models.common import DanqModule, conv_length, pool_length, require_positive_length

#: Keras 0.x's ``orthogonal`` initialiser scaled the orthogonal matrix by 1.1.
KERAS_ORTHOGONAL_GAIN = 1.1


def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Theano/Keras 0.2 ``hard_sigmoid``: ``clip(0.2 x + 0.5, 0, 1)`` (not PyTorch's x/6 + 1/2)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


#: LSTM gate functions by name: PyTorch's LSTM (sigmoid) for training, Keras 0.2's hard sigmoid.
GATE_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "hard_sigmoid": hard_sigmoid,
}
#: How the second LSTM direction reads the sequence: from its end (a true BiLSTM), or from its
#: start like the first, which is what seya's ``Bidirectional`` computed in Keras 0.2 (it
#: reversed axis 0 of ``(batch, steps, features)`` tensors, the batch axis, on the way in and out),
#: or ``backward-unaligned``: from its end, with its outputs left in reading order (state after
#: reading steps T-1..T-1-t beside the first direction's step t), what a fix of seya that reversed
#: time on the input but kept the output reversal off would compute.
SECOND_DIRECTIONS = ("backward", "forward", "backward-unaligned")


def lstm_direction(
    x: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
    gate: Callable[[torch.Tensor], torch.Tensor] = torch.sigmoid,
) -> torch.Tensor:
    """One LSTM direction over ``x`` ``(B, T, C)`` from step 0 on; returns ``(B, T, H)``.

    Same parameter layout and equations as ``torch.nn.LSTM`` (gate blocks i, f, g, o; zero
    initial state; ``c = f c + i tanh(g)``, ``h = o tanh(c)``) with ``gate`` for the i, f and
    o gates (Keras 0.2's LSTM used :func:`hard_sigmoid`).
    """
    batch, steps, _ = x.shape
    hidden = weight_hh.shape[1]
    inputs = torch.nn.functional.linear(x, weight_ih, bias_ih + bias_hh)  # (B, T, 4H)
    h = x.new_zeros(batch, hidden)
    c = x.new_zeros(batch, hidden)
    outputs = []
    for t in range(steps):
        gates = inputs[:, t] + h @ weight_hh.T
        i, f, g, o = gates.chunk(4, dim=1)
        c = gate(f) * c + gate(i) * torch.tanh(g)
        h = gate(o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def bidirectional_lstm(
    lstm: nn.LSTM, x: torch.Tensor, gate: str = "hard_sigmoid", second: str = "backward"
) -> torch.Tensor:
    """``lstm`` (one bidirectional, batch-first layer) run step by step with ``gate`` gates.

    Returns ``(B, T, 2H)``: the first direction's states, then the second's, both indexed by
    input position — the layout of ``nn.LSTM``'s output. ``second="backward"`` reads the
    sequence from its end (``nn.LSTM``'s reverse direction); ``"forward"`` reads it from its
    start with the ``_reverse`` parameters; ``"backward-unaligned"`` reads it from its end and
    leaves its states in reading order (see :data:`SECOND_DIRECTIONS`).
    """
    function = GATE_ACTIVATIONS[gate]
    first = lstm_direction(
        x, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0, function
    )
    reverse = second in ("backward", "backward-unaligned")
    other = lstm_direction(
        x.flip(1) if reverse else x, lstm.weight_ih_l0_reverse, lstm.weight_hh_l0_reverse,
        lstm.bias_ih_l0_reverse, lstm.bias_hh_l0_reverse, function,
    )
    return torch.cat([first, other.flip(1) if second == "backward" else other], dim=2)


class DanQ(DanqModule):
    """Convolution + bidirectional LSTM + dense layers; outputs one logit per target.

    Layout (published defaults): Conv(4→320, k=26) → ReLU → MaxPool(13) → Dropout 0.2 →
    BiLSTM(320 each way, every step out) → Dropout 0.5 → flatten → Linear(→925) → ReLU →
    Linear(→n_targets). The sigmoid is left to the loss (``BCEWithLogitsLoss``).

    The LSTM output is flattened step-major, ``(B, T, 2H) → (B, T·2H)``, the order Keras'
    ``Flatten`` used, so ported weights line up. Initialisation follows Keras 0.2's defaults, as
    the published model was trained (:meth:`reset_parameters`).

    Keras's LSTM used hard-sigmoid gates (``clip(0.2 x + 0.5, 0, 1)``) while ``nn.LSTM`` uses the
    logistic sigmoid. Training here uses ``nn.LSTM`` (so a retrained DanQ follows a different path
    than the Keras one); imported published weights run with ``gate_activation="hard_sigmoid"``,
    which computes Keras' equations exactly, so they give the published network's outputs.

    Parameters
    ----------
    sequence_length
        Input length in bp; the flattened size is computed from it.
    n_targets
        Number of output logits.
    conv_channels
        Number of first-layer kernels.
    conv_width
        Kernel width of the convolution.
    pool_size
        Window (= stride) of the max pooling.
    lstm_hidden
        LSTM units in each direction.
    dense_hidden
        Hidden units of the first dense layer.
    conv_dropout, lstm_dropout
        Dropout rates after the pooling and after the LSTM.
    init_scale
        Half-width of the convolution's uniform weight initialisation (Keras 0.2: 0.05).
    gate_activation
        ``"sigmoid"`` (default): PyTorch's LSTM, used for training. ``"hard_sigmoid"``: the
        gates use Keras 0.2's ``clip(0.2 x + 0.5, 0, 1)``, as the published DanQ weights were
        trained with; computed by :func:`bidirectional_lstm` from the same parameter tensors,
        so the state dict is identical either way (slower: one step at a time; for inference).
    lstm_second_direction
        ``"backward"`` (default): a true bidirectional LSTM. ``"forward"``: the second LSTM
        also reads the sequence from its start, as seya's Keras 0.2 ``Bidirectional`` layer
        computed; ``"backward-unaligned"``: reads from the end, outputs not re-aligned (see
        :data:`SECOND_DIRECTIONS`); the last two for importing the published DanQ weights.
    """

    arch = "danq"

    def __init__(
        self,
        sequence_length: int = 1000,
        n_targets: int = 919,
        conv_channels: int = 320,
        conv_width: int = 26,
        pool_size: int = 13,
        lstm_hidden: int = 320,
        dense_hidden: int = 925,
        conv_dropout: float = 0.2,
        lstm_dropout: float = 0.5,
        init_scale: float = 0.05,
        gate_activation: str = "sigmoid",
        lstm_second_direction: str = "backward",
    ) -> None:
        super().__init__()
        if gate_activation not in GATE_ACTIVATIONS:
            raise ValueError(
                f"gate_activation must be one of {list(GATE_ACTIVATIONS)}, not {gate_activation!r}"
            )
        if lstm_second_direction not in SECOND_DIRECTIONS:
            raise ValueError(
                f"lstm_second_direction must be one of {list(SECOND_DIRECTIONS)}, "
                f"not {lstm_second_direction!r}"
            )
        self.gate_activation = gate_activation
        self.lstm_second_direction = lstm_second_direction
        self.sequence_length = int(sequence_length)
        self.n_targets = int(n_targets)
        #: Constructor arguments as plain data, stored in checkpoints to rebuild the model.
        self.model_args: dict[str, object] = {
            "sequence_length": self.sequence_length,
            "n_targets": self.n_targets,
            "conv_channels": int(conv_channels),
            "conv_width": int(conv_width),
            "pool_size": int(pool_size),
            "lstm_hidden": int(lstm_hidden),
            "dense_hidden": int(dense_hidden),
            "conv_dropout": float(conv_dropout),
            "lstm_dropout": float(lstm_dropout),
            "init_scale": float(init_scale),
            "gate_activation": gate_activation,
            "lstm_second_direction": lstm_second_direction,
        }
        length = require_positive_length(
            self.arch, sequence_length, conv_length(self.sequence_length, conv_width), "the conv"
        )
        self.lstm_steps = require_positive_length(
            self.arch, sequence_length, pool_length(length, pool_size), "the max pooling"
        )
        self.flat_features = self.lstm_steps * 2 * lstm_hidden

        self.conv = nn.Conv1d(4, conv_channels, conv_width)
        self.pool = nn.MaxPool1d(pool_size, pool_size)
        self.conv_drop = nn.Dropout(conv_dropout)
        self.lstm = nn.LSTM(conv_channels, lstm_hidden, batch_first=True, bidirectional=True)
        self.lstm_drop = nn.Dropout(lstm_dropout)
        self.fc1 = nn.Linear(self.flat_features, dense_hidden)
        self.fc2 = nn.Linear(dense_hidden, self.n_targets)
        self.reset_parameters(init_scale)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first-layer convolution (its kernels are the motif detectors)."""
        return self.conv

    def reset_parameters(self, scale: float = 0.05) -> None:
        """Keras 0.2's default initialisation, as the published DanQ was trained.

        * convolution weights U(−scale, scale) (Keras ``uniform``), bias 0;
        * LSTM input weights Glorot uniform per gate, U(±sqrt(6 / (fan_in + units)));
        * LSTM recurrent weights orthogonal per gate, scaled by 1.1 (Keras 0.x ``orthogonal``);
        * LSTM forget-gate bias 1, the other gate biases 0 (``nn.LSTM``'s two bias vectors are
          summed, so ``bias_ih`` carries the 1 and ``bias_hh`` is 0);
        * dense weights Glorot uniform, U(±sqrt(6 / (fan_in + fan_out))), biases 0.
        """
        nn.init.uniform_(self.conv.weight, -scale, scale)
        nn.init.zeros_(self.conv.bias)
        hidden = self.lstm.hidden_size
        for name, parameter in self.lstm.named_parameters():
            with torch.no_grad():
                for gate in range(4):  # PyTorch's gate order: input, forget, cell, output
                    block = parameter[gate * hidden : (gate + 1) * hidden]
                    if name.startswith("weight_ih"):
                        nn.init.xavier_uniform_(block)
                    elif name.startswith("weight_hh"):
                        nn.init.orthogonal_(block, gain=KERAS_ORTHOGONAL_GAIN)
                    elif name.startswith("bias_ih") and gate == 1:
                        nn.init.ones_(block)
                    else:
                        nn.init.zeros_(block)
        for layer in (self.fc1, self.fc2):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    @property
    def uses_torch_lstm(self) -> bool:
        """Whether the forward pass runs ``nn.LSTM`` (else the step-by-step port LSTM)."""
        return self.gate_activation == "sigmoid" and self.lstm_second_direction == "backward"

    def quantizable_layers(self) -> set[type[nn.Module]]:
        """The step-by-step LSTM reads ``nn.LSTM``'s parameters, so only then is it kept."""
        return {nn.Linear, nn.LSTM} if self.uses_torch_lstm else {nn.Linear}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map one-hot sequences ``(B, 4, L)`` to logits ``(B, n_targets)``."""
        # max-pool before the ReLU: the same values and gradients (ReLU is monotone, so it commutes
        # with max), with the ReLU on a pool_size-times smaller tensor
        x = self.conv_drop(torch.relu(self.pool(self.conv(x))))
        # (B, C, T) -> (B, T, C) as a view; an explicit .contiguous() measured no faster on CPU.
        if self.uses_torch_lstm:
            x, _ = self.lstm(x.transpose(1, 2))
        else:
            x = bidirectional_lstm(
                self.lstm, x.transpose(1, 2), self.gate_activation, self.lstm_second_direction
            )
        x = self.lstm_drop(x)
        x = torch.relu(self.fc1(x.reshape(x.shape[0], -1)))
        return self.fc2(x)


class DanQJaspar(DanQ):
    """DanQ with 1,024 width-30 kernels, part of them initialised from JASPAR CORE vertebrate PWMs.

    Layout: Conv(4→1024, k=30) → ReLU → MaxPool(15) → Dropout 0.2 → BiLSTM(512 each way) →
    Dropout 0.5 → flatten → Linear(→925) → ReLU → Linear(→n_targets).

    All parameters first get DanQ's Keras initialisation (:meth:`DanQ.reset_parameters`); then,
    when ``jaspar_init`` is true, the first ``n_jaspar_kernels`` kernels are overwritten by
    :func:`danq.models.jaspar_init.jaspar_kernels` (PWM − 0.25 at a random offset in
    [3, K − w − 3], the kernel's other columns keep their random init, bias U(−1, 0)).
    Which motif went into which kernel is kept in ``self.jaspar_motif_ids`` (a plain list, one
    entry per kernel, ``""`` for kernels without a motif; IDs of reverse complements end in
    ``"(rc)"``). It is not part of the state dict: :meth:`extra_checkpoint_state` hands it to the
    checkpoint header and :meth:`load_extra_checkpoint_state` takes it back.

    Parameters
    ----------
    jaspar_release
        pyjaspar release name, e.g. ``"JASPAR2016"``.
    jaspar_init
        Whether to load motifs (False for tests and when weights come from a checkpoint).
    n_jaspar_kernels
        How many kernels get a motif (525 as in the paper; capped at ``conv_channels``).
    seed
        Seed of the generator that draws offsets and biases (reproducible initialisation).
    Other parameters are as in :class:`DanQ`.
    """

    arch = "danq-jaspar"

    def __init__(
        self,
        sequence_length: int = 1000,
        n_targets: int = 919,
        conv_channels: int = 1024,
        conv_width: int = 30,
        pool_size: int = 15,
        lstm_hidden: int = 512,
        dense_hidden: int = 925,
        conv_dropout: float = 0.2,
        lstm_dropout: float = 0.5,
        init_scale: float = 0.05,
        jaspar_release: str = "JASPAR2016",
        jaspar_init: bool = True,
        n_jaspar_kernels: int = 525,
        seed: int = 0,
        gate_activation: str = "sigmoid",
        lstm_second_direction: str = "backward",
    ) -> None:
        super().__init__(
            sequence_length=sequence_length,
            n_targets=n_targets,
            conv_channels=conv_channels,
            conv_width=conv_width,
            pool_size=pool_size,
            lstm_hidden=lstm_hidden,
            dense_hidden=dense_hidden,
            conv_dropout=conv_dropout,
            lstm_dropout=lstm_dropout,
            init_scale=init_scale,
            gate_activation=gate_activation,
            lstm_second_direction=lstm_second_direction,
        )
        self.jaspar_release = jaspar_release
        self.model_args.update(
            jaspar_release=str(jaspar_release),
            jaspar_init=bool(jaspar_init),
            n_jaspar_kernels=int(n_jaspar_kernels),
            seed=int(seed),
        )
        self.jaspar_motif_ids: list[str] = [""] * conv_channels
        if jaspar_init:
            self.init_from_jaspar(jaspar_release, min(n_jaspar_kernels, conv_channels), seed)

    def extra_checkpoint_state(self) -> dict[str, Any]:
        """The motif id of every kernel (``jaspar_motif_ids`` in the checkpoint header)."""
        return {"jaspar_motif_ids": list(self.jaspar_motif_ids)}

    def load_extra_checkpoint_state(self, header: Mapping[str, Any]) -> None:
        """Restore ``jaspar_motif_ids`` from a checkpoint header (kept as is when absent)."""
        ids = header.get("jaspar_motif_ids")
        if ids is not None:
            if len(ids) != self.conv.out_channels:
                raise DanqError(
                    f"checkpoint header: jaspar_motif_ids has {len(ids)} entries for {self.conv.out_channels} kernels"
                )
            self.jaspar_motif_ids = [str(i) for i in ids]

    @classmethod
    def restore_args(cls, model_args: Mapping[str, Any]) -> dict[str, Any]:
        """``model_args`` with ``jaspar_init`` off: the kernels come from the saved weights."""
        return {**model_args, "jaspar_init": False}

    def init_from_jaspar(self, release: str, n_kernels: int, seed: int = 0) -> None:
        """Overwrite the first ``n_kernels`` kernels with JASPAR motifs (see :func:`jaspar_kernels`)."""
        import numpy as np

        from danq.models.jaspar_init import jaspar_kernels

        rng = np.random.default_rng(seed)
        base = self.conv.weight[:n_kernels].detach().cpu().numpy()
        weights, biases, motif_ids = jaspar_kernels(
            release, self.conv.kernel_size[0], n_kernels, rng, base=base
        )
        with torch.no_grad():
            self.conv.weight[:n_kernels] = torch.from_numpy(weights).to(self.conv.weight)
            self.conv.bias[:n_kernels] = torch.from_numpy(biases).to(self.conv.bias)
        self.jaspar_motif_ids = motif_ids + [""] * (self.conv.out_channels - n_kernels)
