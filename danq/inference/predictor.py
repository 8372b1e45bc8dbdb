"""The inference core: every danq stage runs its model through :class:`Predictor`.

``danq predict``, ``danq evaluate``, training's validation, ``danq motifs`` and variant-effect
scoring all turn arrays into probabilities (or logits) here, so batching, device placement,
precision (autocast) and reverse-complement averaging are written once:

* token rows ``(B, L)`` (A,C,G,T,N = 0..4, :mod:`danq.encoders`) or one-hot batches ``(B, 4, L)``
  in, float32 ``(B, T)`` out;
* with reverse-complement averaging each batch and its reverse complements go through the model as
  **one** batch of ``2B`` and the two sigmoid outputs are averaged, as DeepSEA did;
* :meth:`Predictor.logits` keeps autograd on, for attribution (gradients, in-silico mutagenesis);
* :meth:`Predictor.pair_strand_logits` scores reference/alternative window pairs (variant effects),
  incrementally where :mod:`danq.inference.incremental` has a rule for the model (fp32).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.encoders import reverse_complement_tokens, tokens_to_one_hot
from danq.errors import DanqError
from danq.models.info import ModelInfo
from danq.runtime import DEFAULT_DEVICE, DEFAULT_PRECISION, InferenceSettings

DEFAULT_MODEL = Path("results") / "models" / "danq" / "best.pt"
"""The DanQ trained by the default workflow (``snakemake --cores 8``), relative to the working dir."""

DEFAULT_BATCH_SIZE = 128
"""Sequences per forward call of ``danq predict``/``evaluate`` and their Python functions."""

DEFAULT_RC_AVERAGE = True
"""Average each prediction with its reverse complement's (as DeepSEA), everywhere by default."""


@dataclass
class Predictor:
    """A model ready for inference, with its :class:`ModelInfo`, settings and RC setting.

    Build one with :func:`load_predictor`. The model must return logits ``(B, T)`` for one-hot
    input ``(B, 4, L)`` in ACGT order; probabilities are the sigmoid of the logits, in float32.
    ``settings`` (device, precision) were resolved and checked once, before the Predictor was
    made; batches are not re-checked.
    """

    model: Any
    info: ModelInfo
    settings: InferenceSettings
    rc_average: bool = DEFAULT_RC_AVERAGE
    source: str = ""
    named_targets: bool = True
    incremental: bool = True
    _channels: Any = field(default=None, repr=False)
    _mutants: Any = field(default=None, repr=False)

    @property
    def device(self) -> Any:
        return self.settings.device

    @property
    def precision(self) -> str:
        return self.settings.precision

    @property
    def target_names(self) -> list[str]:
        return list(self.info.target_names)

    @property
    def target_categories(self) -> list[str]:
        return list(self.info.target_categories)

    @property
    def sequence_length(self) -> int:
        return self.info.sequence_length

    @property
    def n_targets(self) -> int:
        return self.info.n_targets

    # ----------------------------------------------------------------------------------------------
    def one_hot(self, tokens: np.ndarray) -> Any:
        """Token rows ``(B, L)`` as a float one-hot tensor ``(B, 4, L)`` on the model's device."""
        import torch

        tokens = np.ascontiguousarray(tokens, dtype=np.uint8)
        if self.device.type == "cpu":  # numpy's broadcast compare is far faster than torch's here
            return torch.from_numpy(tokens_to_one_hot(tokens))
        if self._channels is None:  # ship 1 byte per base and one-hot on the accelerator
            self._channels = torch.arange(4, dtype=torch.uint8, device=self.device).view(1, 4, 1)
        t = torch.from_numpy(tokens).to(self.device, non_blocking=True)
        return (t.unsqueeze(1) == self._channels).float()  # N -> all-zero column

    def logits(self, x: Any, *, grad: bool = False) -> Any:
        """Raw logits ``(B, T)`` (a tensor) for a one-hot batch, without RC averaging.

        With ``grad=True`` autograd stays on (call ``.backward()`` on a function of the result to get
        input gradients for attribution); otherwise it runs under ``torch.inference_mode``.
        """
        import torch

        x = torch.as_tensor(x).to(self.device, dtype=torch.float32)
        mode = torch.enable_grad() if grad else torch.inference_mode()
        with mode, self.settings.autocast():
            return self.model(x).float()

    def _probabilities(self, x: Any, n: int, paired: bool, logits: bool) -> np.ndarray:
        """Run ``x`` (``n`` rows, or ``2n`` when ``paired``) and return averaged outputs."""
        import torch

        out = self.logits(x)
        if paired:
            if logits:  # average in probability space, report the logit of the average
                p = (torch.sigmoid(out[:n]) + torch.sigmoid(out[n:])) * 0.5
                out = torch.logit(p.clamp(1e-7, 1 - 1e-7))
            else:
                out = (torch.sigmoid(out[:n]) + torch.sigmoid(out[n:])) * 0.5
        elif not logits:
            out = torch.sigmoid(out)
        return out.detach().cpu().numpy()

    def from_tokens(
        self, tokens: np.ndarray, partner: np.ndarray | None = None, *, logits: bool = False
    ) -> np.ndarray:
        """Probabilities ``(B, T)`` float32 for token rows ``(B, L)``, in one forward call.

        With ``rc_average`` the reverse complements (or ``partner``, the stored reverse-complement
        rows of a paired dataset) are scored in the same call and averaged in. ``logits=True``
        returns logits (of the averaged probability when averaging).
        """
        tokens = np.ascontiguousarray(tokens, dtype=np.uint8)
        n = tokens.shape[0]
        if self.rc_average:
            other = reverse_complement_tokens(tokens) if partner is None else partner
            tokens = np.concatenate([tokens, np.asarray(other, dtype=np.uint8)])
        return self._probabilities(self.one_hot(tokens), n, self.rc_average, logits)

    def from_one_hot(self, x: Any, *, logits: bool = False) -> np.ndarray:
        """Probabilities ``(B, T)`` for a one-hot (or soft) batch ``(B, 4, L)``, numpy or tensor."""
        import torch

        x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        x = x.to(self.device, dtype=torch.float32)
        n = x.shape[0]
        if self.rc_average:
            x = torch.cat([x, x.flip(dims=(-2, -1))])
        return self._probabilities(x, n, self.rc_average, logits)

    def pair_strand_logits(self, ref: np.ndarray, alt: np.ndarray) -> np.ndarray:
        """Logits ``(S, 2B, T)`` float32 of reference then alternative windows ``(B, L)`` each:
        S = 1, or 2 with RC averaging (the reverse complements second). For variant effects.

        With :attr:`incremental` on, fp32 and a model that has an incremental rule
        (:mod:`danq.inference.incremental`), an alternative that differs from its reference in a
        local run of bases is computed from the reference's saved activations (the reverse
        complement likewise, from the reverse-complemented reference), and identical reference
        windows run once; otherwise every window runs through the model. The two agree within
        float rounding (1e-5).
        """
        ref = np.ascontiguousarray(ref, dtype=np.uint8)
        alt = np.ascontiguousarray(alt, dtype=np.uint8)
        strands = 2 if self.rc_average else 1
        scorer = self._incremental_scorer()
        if scorer is None:
            rows = np.concatenate([ref, alt])
            if self.rc_average:
                rows = np.concatenate([rows, reverse_complement_tokens(rows)])
            out = self.logits(self.one_hot(rows)).detach().cpu().numpy().astype(np.float32)
            return out.reshape(strands, 2 * len(ref), -1)
        from danq.inference.incremental import pair_logits

        ref_logits, alt_logits = pair_logits(scorer, ref, alt, rc=self.rc_average)
        n = len(ref)
        out = np.concatenate([ref_logits.reshape(strands, n, -1).cpu().numpy(),
                              alt_logits.reshape(strands, n, -1).cpu().numpy()], axis=1)
        return out.astype(np.float32, copy=False)

    def _incremental_scorer(self) -> Any:
        """The incremental mutant scorer (built once), or None where the full path is taken."""
        if not self.incremental or self.precision != "fp32":
            return None
        if self._mutants is None:
            from danq.inference.incremental import MutantScorer

            scorer = MutantScorer(self.model)
            self._mutants = scorer if scorer.incremental else False
        return self._mutants or None

    def predict_tokens(self, tokens: np.ndarray, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """:meth:`from_tokens` over any number of rows, ``batch_size`` rows per forward call."""
        if batch_size < 1:
            raise DanqError(f"--batch-size must be positive, got {batch_size}")
        parts = [self.from_tokens(tokens[i : i + batch_size])
                 for i in range(0, len(tokens), batch_size)]
        if not parts:
            return np.zeros((0, self.n_targets), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)


def default_model_path() -> Path:
    """The default model (:data:`DEFAULT_MODEL`), or a DanqError saying how to get one."""
    if not DEFAULT_MODEL.is_file():
        raise DanqError(
            f"{DEFAULT_MODEL}: no --model given and the default DanQ model does not exist here; "
            "run `snakemake --cores 8` first (it trains it) or pass --model CHECKPOINT"
        )
    return DEFAULT_MODEL


def model_info_of(module: Any) -> ModelInfo:
    """The :class:`ModelInfo` a module carries (``module.info``) or, for a freshly built danq
    model, the one its constructor arguments give (outputs named ``target_0``...)."""
    info = getattr(module, "info", None)
    if isinstance(info, ModelInfo):
        return info
    return ModelInfo.for_model(module)


def check_servable(info: ModelInfo, where: str) -> None:
    """A DanqError unless danq can feed this model: its inputs must be ACGT one-hot."""
    if info.alphabet != "ACGT":
        raise DanqError(
            f"{where}: model expects one-hot alphabet {info.alphabet!r}; danq predicts only for ACGT "
            "models (re-export the model with ACGT input order)"
        )


def quantize(module: Any) -> Any:
    """A copy of ``module`` with its LSTM and linear layers dynamically quantized to int8.

    Weights are stored as int8 and activations quantized per batch (torch's ``quantize_dynamic``);
    convolutions stay fp32. The model decides which layer types may be replaced.
    """
    import warnings

    import torch

    layers = module.quantizable_layers() if hasattr(module, "quantizable_layers") else {
        torch.nn.Linear, torch.nn.LSTM}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice for quantized tensors
        return torch.ao.quantization.quantize_dynamic(module, layers, dtype=torch.qint8)


def load_predictor(
    model: Any = None,
    settings: InferenceSettings | None = None,
    *,
    device: Any = None,
    precision: str = DEFAULT_PRECISION,
    rc_average: bool = DEFAULT_RC_AVERAGE,
    incremental: bool = True,
) -> Predictor:
    """Wrap a model (``nn.Module``, checkpoint path, or ``None`` for :data:`DEFAULT_MODEL`).

    Parameters
    ----------
    model
        A danq model (from :func:`danq.load_model`, or built from :mod:`danq.models`), a checkpoint
        path, or ``None`` for the workflow's default DanQ.
    settings
        Inference settings a command resolved once (:meth:`InferenceSettings.resolve`): the
        model is moved to its device and run at its precision. ``None``: resolved here, once,
        from ``device`` and ``precision``.
    device
        Without ``settings``: ``"auto"``, ``"cpu"``, ``"cuda"``, a ``torch.device``, or ``None``:
        a module stays on its current device, a checkpoint goes to ``"auto"``.
    precision
        Without ``settings``: ``"fp32"``, ``"bf16"`` or ``"fp16"`` (autocast), ``"int8"`` (dynamic
        quantization of the LSTM and linear layers, CPU) or ``"auto"`` (the default, as on the
        command line: bf16 where the hardware has it natively, else fp32).
    rc_average
        Average each sequence's prediction with its reverse complement's.
    incremental
        Score variant windows incrementally where possible (:meth:`Predictor.pair_probabilities`);
        ``False`` forces the full model.
    """
    import torch

    if settings is not None and (device is not None or precision != DEFAULT_PRECISION):
        raise TypeError("load_predictor: pass settings, or device and precision, not both")
    if model is not None and not isinstance(model, (str, os.PathLike, torch.nn.Module)):
        raise DanqError(f"model must be an nn.Module or a checkpoint path, got {type(model).__name__}")
    if settings is None:  # resolved before a checkpoint is read, so a bad setting fails first
        if device is None and isinstance(model, torch.nn.Module):  # a module stays where it is
            first = next(model.parameters(), None)
            device = first.device if first is not None else torch.device("cpu")
        settings = InferenceSettings.resolve(DEFAULT_DEVICE if device is None else device, precision)

    if isinstance(model, torch.nn.Module):
        module = model
        where = type(model).__name__
    else:
        path = default_model_path() if model is None else Path(model)
        if not path.is_file():
            raise DanqError(f"{path}: model checkpoint does not exist")
        from danq.models.checkpoint import load_model

        module = load_model(path, map_location="cpu")
        where = str(path)

    info = model_info_of(module)
    check_servable(info, where)
    module = module.to(settings.device)
    module.eval()
    if settings.precision == "int8":
        module = quantize(module)
    return Predictor(
        model=module, info=info, settings=settings, rc_average=rc_average, source=where,
        incremental=incremental,
        named_targets=not all(name == f"target_{i}" for i, name in enumerate(info.target_names)),
    )
