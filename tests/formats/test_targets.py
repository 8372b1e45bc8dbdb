"""danq.formats.targets: names files, unique names, categories from names and DeepSEA's index ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from danq.errors import DanqError
from danq.formats.targets import (
    DEEPSEA_CATEGORY_BOUNDS,
    DEEPSEA_N_TARGETS,
    category_from_name,
    deepsea_categories,
    read_target_names,
    select_targets,
    unique_names,
)


def test_category_from_name_and_unique_names() -> None:
    # moved from the import-deepsea tests (test_other_target_counts)
    assert category_from_name("GM12878|H4K20me1|None") == "histone"
    assert unique_names(["a", "a", "a#2"]) == ["a", "a#3", "a#2"]


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("K562|DNase|None", "DNase"),
        ("K562|dnase|None", "DNase"),
        ("K562|CTCF|None", "TF"),
        ("K562|H3K4me3|None", "histone"),
        ("HeLa|H2A.Z|None", "histone"),
        ("HeLa|H2BK5ac|None", "histone"),
        ("HeLa|HDAC2|None", "TF"),
        ("no-fields", ""),
    ],
)
def test_category_from_name(name: str, category: str) -> None:
    assert category_from_name(name) == category


def test_unique_names_keeps_the_first_and_numbers_the_repeats() -> None:
    assert unique_names(["x", "y", "x", "x"]) == ["x", "y", "x#2", "x#3"]
    assert unique_names(["a", "b"]) == ["a", "b"]


def test_read_target_names_skips_blank_lines_and_strips(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text(" a|DNase|None \n\nb|CTCF|None\n")
    assert read_target_names(path) == ["a|DNase|None", "b|CTCF|None"]


def test_read_target_names_errors(tmp_path: Path) -> None:
    with pytest.raises(DanqError, match="names file does not exist"):
        read_target_names(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    with pytest.raises(DanqError, match="names file is empty"):
        read_target_names(empty)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DanqError, match="not UTF-8"):
        read_target_names(binary)


def test_deepsea_categories_follow_the_index_ranges() -> None:
    categories = deepsea_categories()
    assert len(categories) == DEEPSEA_N_TARGETS == DEEPSEA_CATEGORY_BOUNDS[-1][2]
    assert categories[:125] == ["DNase"] * 125
    assert categories[125:815] == ["TF"] * 690
    assert categories[815:] == ["histone"] * 104


def test_select_targets_by_name_regex_index_category():
    names = ["ctcf_a", "ctcf_b", "pol2"]
    categories = ["TF", "TF", "Pol"]
    assert select_targets("pol2", names, categories).tolist() == [2]
    assert select_targets("^ctcf", names, categories).tolist() == [0, 1]
    assert select_targets("2,0", names, categories).tolist() == [0, 2]
    assert select_targets("TF", names, categories).tolist() == [0, 1]
    with pytest.raises(DanqError, match="matches no target"):
        select_targets("nope", names, categories)
    with pytest.raises(DanqError, match="outside"):
        select_targets("7", names, categories)
