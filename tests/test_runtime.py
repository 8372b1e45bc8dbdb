"""--precision auto / bf16 / int8: the hardware choice, and the accuracy guard on a trained model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from danq import runtime
from danq.encoders import one_hot_batch
from danq.errors import DanqError
from danq.inference.predictor import load_predictor
from danq.models import DanQ
from danq.runtime import InferenceSettings

MOTIF = "TGACTCA"
LENGTH = 60


def planted_data(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Random sequences; half carry the motif (label 1 for target 0, target 1 = GC-rich half)."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for i in range(n):
        seq = list(rng.choice(list("ACGT"), LENGTH))
        has = i % 2 == 0
        if has:
            at = int(rng.integers(0, LENGTH - len(MOTIF)))
            seq[at : at + len(MOTIF)] = MOTIF
        text = "".join(seq)
        labels.append([int(has), int((text.count("G") + text.count("C")) > LENGTH // 2)])
        seqs.append(text)
    return seqs, np.array(labels, dtype=np.float32)


@pytest.fixture(scope="module")
def trained() -> tuple[DanQ, list[str], np.ndarray]:
    torch.manual_seed(0)
    model = DanQ(sequence_length=LENGTH, n_targets=2, conv_channels=32, conv_width=8, pool_size=4,
                 lstm_hidden=8, dense_hidden=16)
    for parameter in model.parameters():  # an init that learns fast, whatever the default
        if parameter.dim() > 1:
            torch.nn.init.xavier_uniform_(parameter)
    seqs, labels = planted_data(3000, seed=1)
    x, y = torch.from_numpy(one_hot_batch(seqs)), torch.from_numpy(labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(5):
        for i in range(0, len(x), 64):
            optimizer.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[i:i + 64]),
                                                                         y[i:i + 64])
            loss.backward()
            optimizer.step()
    model.eval()
    test_seqs, test_labels = planted_data(400, seed=2)
    return model, test_seqs, test_labels


# The accuracy guard of `--precision auto` (issue 16): max |dp| <= 0.01 and per-target ROC AUC
# within 0.002 of fp32. int8 does not meet the |dp| part on this small trained model (measured
# max |dp| 0.014-0.021 whichever of its layers are quantized), so it is opt-in only and held to the
# looser bound the README states: max |dp| <= 0.03, ROC AUC within 0.005.
GUARDS = {"bf16": (0.01, 0.002), "int8": (0.03, 0.005)}


@pytest.mark.parametrize("precision", sorted(GUARDS))
def test_reduced_precision_keeps_the_accuracy_guard(trained, precision: str) -> None:
    model, seqs, labels = trained
    max_dp, max_dauc = GUARDS[precision]
    x = one_hot_batch(seqs)
    reference = load_predictor(model, device="cpu", precision="fp32").from_one_hot(x)
    assert roc_auc_score(labels[:, 0], reference[:, 0]) > 0.9  # the model did learn the motif
    reduced = load_predictor(model, device="cpu", precision=precision).from_one_hot(x)
    assert np.abs(reduced - reference).max() <= max_dp
    for t in range(labels.shape[1]):
        assert abs(roc_auc_score(labels[:, t], reduced[:, t])
                   - roc_auc_score(labels[:, t], reference[:, t])) <= max_dauc


def test_int8_quantizes_lstm_and_dense_layers_only(trained) -> None:
    model, _, _ = trained
    predictor = load_predictor(model, device="cpu", precision="int8")
    kinds = {f"{type(m).__module__}.{type(m).__name__}" for m in predictor.model.modules()}
    assert {"torch.ao.nn.quantized.dynamic.modules.linear.Linear",
            "torch.ao.nn.quantized.dynamic.modules.rnn.LSTM",
            "torch.nn.modules.conv.Conv1d"} <= kinds
    assert predictor.info == load_predictor(model, device="cpu").info
    assert isinstance(model.fc1, torch.nn.Linear)  # the original model is left alone


def test_auto_is_bf16_only_where_the_hardware_has_it(monkeypatch) -> None:
    cpu = torch.device("cpu")
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx2", "avx512f"})
    assert runtime.resolve_precision(cpu, "auto") == "fp32"
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx2", "avx512_bf16"})
    assert runtime.resolve_precision(cpu, "auto") == "bf16"
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"amx_bf16"})
    assert runtime.resolve_precision(cpu, "auto") == "bf16"
    assert runtime.resolve_precision(cpu, "int8") == "int8"


def test_auto_choice_is_described(monkeypatch) -> None:
    monkeypatch.setattr(runtime, "cpu_flags", set)
    chosen = InferenceSettings.resolve("cpu", "auto")
    assert chosen.precision == "fp32"
    assert chosen.describe_precision() == "fp32 (auto: no native bf16 on cpu)"
    assert InferenceSettings.resolve("cpu", "fp32").describe_precision() == "fp32"


def test_one_bf16_detector_reads_the_cpu_flags_not_torch_kernels(monkeypatch) -> None:
    """An AVX512 CPU without AVX512-BF16 runs torch's AVX512 kernels yet emulates bf16."""
    cpu = torch.device("cpu")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx2", "avx512f", "avx512bw"})
    assert not runtime.native_bf16(cpu)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx512_bf16"})
    assert runtime.native_bf16(cpu)
    from danq.training import loop

    assert not hasattr(loop, "_cpu_lacks_bf16")  # training asks the same detector


def test_settings_are_resolved_once_and_checked_when_made(monkeypatch) -> None:
    settings = InferenceSettings.resolve("cpu", "fp32")
    assert (settings.device, settings.precision, settings.auto_precision) == (
        torch.device("cpu"), "fp32", False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.precision = "bf16"  # type: ignore[misc]
    with pytest.raises(DanqError, match="fp16 needs a CUDA device"):
        InferenceSettings(torch.device("cpu"), "fp16")
    with pytest.raises(DanqError, match="--precision auto"):
        InferenceSettings(torch.device("cpu"), "auto")  # only resolve() decides what auto means


def test_threads_none_leaves_torch_alone_and_zero_means_all_cpus() -> None:
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert InferenceSettings.resolve("cpu", "fp32").threads is None
        assert torch.get_num_threads() == 1
        assert InferenceSettings.resolve("cpu", "fp32", runtime.ALL_CPUS).threads == (
            runtime.available_cpus())
        assert torch.get_num_threads() == runtime.available_cpus()
        with pytest.raises(DanqError, match="--threads -1"):
            InferenceSettings.resolve("cpu", "fp32", -1)
    finally:
        torch.set_num_threads(before)


def test_precisions_the_device_cannot_run_are_refused() -> None:
    with pytest.raises(DanqError, match="int8 is CPU inference only"):
        runtime.check_precision(torch.device("cuda"), "int8")
    with pytest.raises(DanqError, match="fp16 needs a CUDA device"):
        runtime.check_precision(torch.device("cpu"), "fp16")
