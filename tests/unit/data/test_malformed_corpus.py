"""The malformed-file corpus (tests/data/malformed): strict loading raises the documented
error; lenient loading lists the documented problem and keeps what can be kept."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from cocowidget.data.dataset import CocoDataset
from cocowidget.data.problems import CocoFormatError

CORPUS = Path(__file__).parents[2] / "data" / "malformed"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text())


def test_corpus_is_complete() -> None:
    listed = {case["file"] for case in CASES}
    on_disk = {path.name for path in CORPUS.glob("*.json")} - {"cases.json"}
    assert listed == on_disk
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_strict_mode_raises_the_documented_error(case: dict[str, Any]) -> None:
    expected = case["strict"]
    with pytest.raises(CocoFormatError) as raised:
        CocoDataset.from_coco(CORPUS / case["file"], strict=True)
    error = raised.value
    assert error.kind == expected["kind"]
    assert error.json_path == expected["json_path"]
    assert expected["reason"] in error.reason
    assert str(error).startswith(f"{case['file']}: ")
    if expected["json_path"]:
        assert f": {expected['json_path']}: " in str(error)


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_lenient_mode_lists_the_problem_and_loads_the_rest(case: dict[str, Any]) -> None:
    expected = case["lenient"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = CocoDataset.from_coco(CORPUS / case["file"])
    problems = dataset.quality(check_files=False)
    rows = [
        row
        for row in problems.rows()
        if row["kind"] == expected["kind"] and row["json_path"] == expected["json_path"]
    ]
    assert rows, f"no {expected['kind']} at {expected['json_path']!r} in {list(problems.rows())}"
    assert rows[0]["severity"] == expected["severity"]
    assert case["strict"]["reason"] in rows[0]["message"]
    sizes = [len(dataset.images), len(dataset.annotations), len(dataset.categories)]
    assert sizes == case["tables"]


def test_lenient_loading_warns_when_records_are_refused() -> None:
    with pytest.warns(UserWarning, match=r"image_id_string\.json: 1 error while loading"):
        CocoDataset.from_coco(CORPUS / "image_id_string.json")
