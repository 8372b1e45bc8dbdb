"""The notebook API (issue 20, item 6): ``import danq`` lists it lazily, loads no torch, and every
function's docstring example runs."""

from __future__ import annotations

import doctest
import inspect
import io
import subprocess
import sys

import pytest

import danq

API = ("load_model", "predict", "variant_effect", "one_hot", "reverse_complement", "open_dataset",
       "Genome", "score_targets", "extract_motifs", "tomtom", "attribute",
       "marginalize")


def test_dir_lists_the_api_and_the_older_exports() -> None:
    assert tuple(danq.API) == API
    listed = dir(danq)
    assert set(API) <= set(listed)
    assert {"encoders", "data", "models", "ModelInfo", "Predictor", "load_predictor"} <= set(listed)
    assert set(danq.__all__) >= set(API)
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        danq.nonsense  # noqa: B018


def test_older_exports_still_resolve() -> None:
    import danq.formats.dataset
    import danq.inference.predictor

    assert danq.data is danq.formats.dataset
    assert danq.encoders.one_hot is danq.one_hot
    assert danq.load_predictor is danq.inference.predictor.load_predictor
    assert danq.Predictor is danq.inference.predictor.Predictor
    assert danq.ModelInfo.__name__ == "ModelInfo" and hasattr(danq.models, "DanQ")


def test_import_danq_is_light_and_prints_the_api() -> None:
    code = ("import sys, danq; names = dir(danq); "
            "heavy = sorted(m for m in ('torch', 'numpy', 'pandas', 'h5py') if m in sys.modules); "
            "print(names); print('heavy', heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names_line, heavy_line = result.stdout.strip().split("\n")
    assert heavy_line == "heavy []"
    for name in API:
        assert repr(name) in names_line


@pytest.mark.parametrize("name", API)
def test_api_is_typed_with_numpy_docstrings(name: str) -> None:
    obj = getattr(danq, name)
    function = obj.__init__ if inspect.isclass(obj) else obj
    signature = inspect.signature(function)
    untyped = [p.name for p in signature.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    assert not untyped, f"danq.{name}: parameters without a type: {untyped}"
    if not inspect.isclass(obj):
        assert signature.return_annotation is not inspect.Signature.empty, f"danq.{name}: return type"
    text = inspect.getdoc(obj) or ""
    for section in ("Parameters\n----------", "Examples\n--------"):
        assert section in text, f"danq.{name}: no {section.splitlines()[0]} section"


@pytest.mark.parametrize("name", API)
def test_api_examples_run(name: str) -> None:
    obj = getattr(danq, name)
    tests = doctest.DocTestFinder().find(obj, f"danq.{name}", module=inspect.getmodule(obj))
    assert sum(len(test.examples) for test in tests) > 0, f"danq.{name}: no example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    for test in tests:
        runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()
