"""NaN-safe JSON (danq.io.tables): NaN and infinity become null, numpy scalars plain numbers."""

from __future__ import annotations

import json
import math

import numpy as np

from danq.io.tables import json_safe, write_json


def test_nan_inf_and_numpy_scalars_are_written_as_valid_json(tmp_path):
    data = {"auc": float("nan"), "high": math.inf, "low": -math.inf, "n": np.int64(3),
            "share": np.float32(0.5), "missing": np.float64("nan"), "ok": True,
            "nested": [{"x": (1.5, float("nan"))}], "name": "CTCF|c"}
    path = tmp_path / "out" / "summary.json"
    write_json(data, path)
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text and text.endswith("}\n")
    back = json.loads(text)
    assert back == {"auc": None, "high": None, "low": None, "n": 3, "share": 0.5,
                    "missing": None, "ok": True, "nested": [{"x": [1.5, None]}],
                    "name": "CTCF|c"}
    assert type(back["n"]) is int
    assert not list(path.parent.glob(".*tmp"))  # written atomically: no temporary left


def test_json_safe_leaves_plain_values_alone():
    value = {"a": [1, 2.5, "x", None, False]}
    assert json_safe(value) == value
    assert isinstance(json_safe(np.bool_(True)), bool)
