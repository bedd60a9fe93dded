"""Slices kept like tags: ``slices.<name>`` image columns, the sidecar file (round trip,
stale ids, bad sections), a slice as a dataset and a COCO file, subsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cocowidget.data.sidecar import SidecarError
from cocowidget.dataset import CocoDataset

from .helpers import small_coco


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "instances.json"
    file.write_text(json.dumps(small_coco()))
    return file


def test_a_slice_is_an_image_column_kept_beside_the_file(path: Path) -> None:
    original = path.read_bytes()
    ds = CocoDataset.from_coco(path)
    beside = path.with_name("instances.json.cocowidget.json")
    ids = ds.images["id"].tolist()
    assert ds.slices.add("night", ids[:2]).tolist() == sorted(ids[:2])
    assert ds.images["slices.night"].tolist() == [True, True, False]
    derived = ds.derived.table()
    row = derived["column"].tolist().index("slices.night")
    assert (derived["table"][row], derived["kind"][row]) == ("images", "slices")
    assert json.loads(beside.read_text())["slices"] == {"night": sorted(ids[:2])}
    assert path.read_bytes() == original

    again = CocoDataset.from_coco(path)
    assert again.slices.names == ["night"]
    assert again.slices["night"].tolist() == sorted(ids[:2])
    again.slices.rename("night", "dark")
    assert "slices.dark" in again.images and "slices.night" not in again.images
    assert json.loads(beside.read_text())["slices"] == {"dark": sorted(ids[:2])}
    again.slices.remove("dark")
    assert "slices.dark" not in again.images
    assert CocoDataset.from_coco(path).slices.names == []


def test_a_slice_is_a_dataset_and_a_coco_file_of_its_images(path: Path, tmp_path: Path) -> None:
    ds = CocoDataset.from_coco(path, sidecar=False)
    ids = ds.images["id"].tolist()
    ds.slices.add("one", [ids[1]])
    ds.slices.add("two", ids[1:])
    part = ds.slices.dataset("one")
    assert part.images["id"].tolist() == [ids[1]]
    out = ds.slices.to_coco("two", tmp_path / "two.json")
    written = json.loads(Path(out).read_text())
    assert [image["id"] for image in written["images"]] == ids[1:]
    assert {a["image_id"] for a in written["annotations"]} <= set(ids[1:])
    subset = ds.subset(ids[:2])  # slices restricted to the subset's images
    assert subset.slices.listing() == {"one": [ids[1]], "two": [ids[1]]}
    assert subset.images["slices.two"].tolist() == [False, True]


def test_stale_slice_ids_are_left_out_and_a_bad_section_is_a_clear_error(path: Path) -> None:
    beside = path.with_name(path.name + ".cocowidget.json")
    document = {"format": "cocowidget-sidecar", "version": 1, "slices": {"s": [3, 404]}}
    beside.write_text(json.dumps(document))
    with pytest.warns(UserWarning, match="1 image ids of slices are not in the dataset"):
        ds = CocoDataset.from_coco(path)
    assert ds.slices.listing() == {"s": [3]}
    beside.write_text(json.dumps({**document, "slices": {"s": 3}}))
    with pytest.raises(SidecarError, match='"slices" must be'):
        CocoDataset.from_coco(path)


@pytest.mark.parametrize("name", ["", "  ", "a\nb", 5])
def test_a_bad_slice_name_is_a_clear_error(name: object) -> None:
    ds = CocoDataset.from_coco(small_coco())
    with pytest.raises(ValueError, match="slice name"):
        ds.slices.add(name, [3])  # type: ignore[arg-type]
