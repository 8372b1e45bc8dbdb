"""``danq.attribute`` and the ``danq attribute`` stage's file (issue 21, items 1 and 5)."""

from __future__ import annotations

import numpy as np
import pytest

import danq
from danq.errors import DanqError
from danq.interpret.attribute import attribute_file, method_options
from danq.interpret.methods import METHODS, get_method
from danq.io.hdf5 import open_h5
from danq.models.checkpoint import save_checkpoint
from tests.helpers import tiny_danq

LENGTH = 40
SEQUENCES = ["ACGTTGCAAN" * 4, "GGGATTACAT" * 4, "TTTTACGCGA" * 4]


def test_api_inputs_strings_tokens_and_one_hot_agree() -> None:
    model = tiny_danq(LENGTH, 3)
    from_strings = danq.attribute(model, SEQUENCES, method="saliency")
    tokens = np.stack([danq.encoders.to_tokens(s) for s in SEQUENCES])
    from_tokens = danq.attribute(model, tokens, method="saliency")
    from_one_hot = danq.attribute(model, danq.encoders.one_hot_batch(SEQUENCES), method="saliency")
    for other in (from_tokens, from_one_hot):
        np.testing.assert_array_equal(other.tokens, from_strings.tokens)
        np.testing.assert_allclose(other.attributions, from_strings.attributions, atol=1e-7)
    assert from_strings.target_names == ["target_0", "target_1", "target_2"]
    assert from_strings.settings["method"] == "saliency" and from_strings.settings["output"] == "logit"


def test_batching_does_not_change_the_arrays() -> None:
    model = tiny_danq(LENGTH, 2)
    small = danq.attribute(model, SEQUENCES, method="ig", batch_size=1, n_steps=8)
    large = danq.attribute(model, SEQUENCES, method="ig", batch_size=64, n_steps=8)
    np.testing.assert_allclose(small.attributions, large.attributions, atol=1e-6)


@pytest.mark.parametrize(("call", "message"), [
    (dict(method="occlusion"), "unknown attribution method"),
    (dict(method="ism", targets="no_such_target"), "matches no target"),
    (dict(method="ism", sequences=["ACGT" * 9]), "36 bp but the model takes 40 bp"),
    (dict(method="ism", n_steps=5), "takes no setting 'n_steps'"),
    (dict(method="ig", n_steps=0), "n_steps must be at least 1"),
    (dict(method="ism", sequences="ACGT" * 10), "got one string"),
    (dict(method="saliency", precision="int8"), "needs gradients"),
])
def test_bad_inputs_are_one_line_errors(call: dict, message: str) -> None:
    sequences = call.pop("sequences", SEQUENCES)
    with pytest.raises(DanqError, match=message) as error:
        danq.attribute(tiny_danq(LENGTH, 2), sequences, **call)
    assert "\n" not in str(error.value)


def test_registry_names_every_method_and_its_module_runs() -> None:
    assert list(METHODS) == ["ism", "saliency", "ig", "deeplift-shap"]
    for method in METHODS.values():
        assert callable(method.implementation().run)
    assert method_options(get_method("ig"), 4, {"n_steps": 7}) == {
        "n_steps": 7, "baseline": "zeros", "batch_size": 4}


def test_attribute_file_writes_what_the_api_returns(tmp_path) -> None:
    model = tiny_danq(LENGTH, 3)
    checkpoint = tmp_path / "m.pt"
    save_checkpoint(checkpoint, model, {"target_names": ["a", "b", "c"]})
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(SEQUENCES)))
    summary = attribute_file(fasta, tmp_path / "out", model=checkpoint, method="ism", targets="c,a",
                             batch_size=2, device="cpu", progress=False)
    assert summary["n_sequences"] == 3 and summary["n_targets"] == 2
    expected = danq.attribute(model, SEQUENCES, method="ism", targets=[0, 2])
    with open_h5(tmp_path / "out" / "attributions.h5") as h5:
        assert [n.decode() for n in h5["names"][:]] == ["r0", "r1", "r2"]
        assert [n.decode() for n in h5["target_names"][:]] == ["a", "c"]
        assert h5["targets"][:].tolist() == [0, 2]
        np.testing.assert_array_equal(h5["tokens"][:], expected.tokens)
        for name in ("attributions", "hypothetical", "ism"):
            assert h5[name].dtype == np.float32
            np.testing.assert_allclose(h5[name][:], getattr(expected, name), atol=1e-6)
        assert h5.attrs["method"] == "ism" and h5.attrs["precision"] == "fp32"
        assert h5.attrs["output"] == "logit" and not h5.attrs["rc_average"]


def test_attribute_file_refuses_before_writing(tmp_path) -> None:
    checkpoint = tmp_path / "m.pt"
    save_checkpoint(checkpoint, tiny_danq(LENGTH, 2), {"target_names": ["a", "b"]})
    fasta = tmp_path / "s.fa"
    fasta.write_text(">ok\n" + "A" * LENGTH + "\n>short\nACGT\n")
    with pytest.raises(DanqError, match="'short' is 4 bp"):
        attribute_file(fasta, tmp_path / "out", model=checkpoint, device="cpu", progress=False)
    assert not (tmp_path / "out").exists()
    with pytest.raises(DanqError, match="use --method ism .* or --method ig"):
        attribute_file(fasta, tmp_path / "out", model=checkpoint, method="deeplift-shap",
                       device="cpu", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt", "s.fa"]


def test_chunks_stay_small_for_many_targets() -> None:
    from danq.interpret.attribute import CHUNK_BYTES, rows_per_chunk

    assert rows_per_chunk(128, 3, 40) == 128
    published = rows_per_chunk(128, 919, 1000)
    assert 1 <= published < 128 and published * 919 * 4 * 1000 * 4 * 3 <= CHUNK_BYTES
