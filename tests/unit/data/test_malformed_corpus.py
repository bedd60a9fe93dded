"""The malformed-file corpus (tests/data/malformed): strict loading raises the documented
error; lenient loading lists the documented problem, keeps every record of the file as a
row, and writes the file back as it was read."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from cocowidget.data.problems import CocoFormatError
from cocowidget.dataset import CocoDataset

from .helpers import same_json

CORPUS = Path(__file__).parents[2] / "data" / "malformed"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text())
IDS = [case["file"] for case in CASES]
WITH_ERROR = [case for case in CASES if case["lenient"]["severity"] == "error"]
WITHOUT_ERROR = [case for case in CASES if case["lenient"]["severity"] != "error"]


def load_quietly(path: Path) -> CocoDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CocoDataset.from_coco(path)


def as_python(path: Path) -> Any:
    """The file as Python's json reads it (NaN and Infinity included), or None."""
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    try:  # a document followed by more data: the document is what is loaded
        return json.JSONDecoder().raw_decode(data.decode("utf-8"))[0]
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def test_corpus_is_complete() -> None:
    listed = {case["file"] for case in CASES}
    on_disk = {path.name for path in CORPUS.glob("*.json*")} - {"cases.json"}
    assert listed == on_disk
    assert len(CASES) >= 45


@pytest.mark.parametrize("case", WITH_ERROR, ids=[case["file"] for case in WITH_ERROR])
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


@pytest.mark.parametrize("case", WITHOUT_ERROR, ids=[case["file"] for case in WITHOUT_ERROR])
def test_strict_mode_loads_a_file_with_warnings_only(case: dict[str, Any]) -> None:
    dataset = CocoDataset.from_coco(CORPUS / case["file"], strict=True)
    assert [len(dataset.images), len(dataset.annotations)] == case["tables"][:2]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_lenient_mode_lists_the_problem_once_and_keeps_every_record(case: dict[str, Any]) -> None:
    expected = case["lenient"]
    dataset = load_quietly(CORPUS / case["file"])
    problems = list(dataset.quality(check_files=False).rows())
    if expected["kind"]:
        rows = [
            row
            for row in problems
            if row["kind"] == expected["kind"] and row["json_path"] == expected["json_path"]
        ]
        assert len(rows) == 1, f"{expected['kind']} at {expected['json_path']!r}: {problems}"
        assert rows[0]["severity"] == expected["severity"]
        assert case["strict"]["reason"] in rows[0]["message"]
    else:
        assert [p for p in problems if p["severity"] == "error"] == []
    # Each place is reported once.
    places = [(p["kind"], p["json_path"]) for p in problems if p["json_path"]]
    assert len(places) == len(set(places)), problems
    sizes = [len(dataset.images), len(dataset.annotations), len(dataset.categories)]
    assert sizes == case["tables"]
    document = as_python(CORPUS / case["file"])
    if isinstance(document, dict):
        in_file = [document.get(name, []) for name in ("images", "annotations", "categories")]
        assert sizes == [len(value) if isinstance(value, list) else 0 for value in in_file]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_file_is_written_back_as_it_was_read(case: dict[str, Any], tmp_path: Path) -> None:
    document = as_python(CORPUS / case["file"])
    if not isinstance(document, dict):
        pytest.skip("nothing was loaded from this file")
    dataset = load_quietly(CORPUS / case["file"])
    written = json.loads(dataset.to_coco(tmp_path / "out.json").read_bytes())
    assert same_json(written, document), (written, document)
    assert same_json(dataset.to_dict(), document)


def test_lenient_loading_warns_when_records_have_errors() -> None:
    with pytest.warns(UserWarning, match=r"image_id_string\.json: \d+ errors? while loading"):
        CocoDataset.from_coco(CORPUS / "image_id_string.json")
