"""Tags: ``ds.tag``/``untag``/``tags``, their ``tags.<name>`` columns, the sidecar file
(round trip, elsewhere, none, newer or broken), COCO attributes on export, bad names."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from cocowidget.data.sidecar import SidecarError
from cocowidget.dataset import CocoDataset

from .helpers import small_coco


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "instances.json"
    file.write_text(json.dumps(small_coco()))
    return file


def test_tags_list_by_table_and_are_boolean_columns_that_go_with_the_last_id() -> None:
    ds = CocoDataset.from_coco(small_coco())
    assert ds.tags == {}
    assert ds.tag([7, 5], "needs-review") == 2
    assert ds.tag(7, "needs-review") == 0  # already tagged
    assert ds.tag([3, 4], "needs-review", table="annotations") == 2
    assert ds.tag([1], "<b>blurry</b>", table="annotations") == 1
    assert ds.tags == {
        "needs-review": {"images": [5, 7], "annotations": [3, 4]},
        "<b>blurry</b>": {"annotations": [1]},
    }
    assert ds.images["tags.needs-review"].tolist() == [True, False, True]
    assert ds.images["tags.needs-review"].dtype == bool
    tagged = ds.annotations["id"][ds.annotations["tags.needs-review"]]
    assert sorted(tagged.tolist()) == [3, 4]
    assert "tags.<b>blurry</b>" in ds.annotations  # a name is text, kept as given
    kinds = dict(zip(ds.derived.table()["column"], ds.derived.table()["kind"], strict=True))
    assert kinds["tags.needs-review"] == "tags"

    listing = ds.tags
    listing["needs-review"]["images"].append(3)  # a copy
    assert ds.tags["needs-review"]["images"] == [5, 7]
    assert ds.untag([7], "needs-review") == 1
    assert ds.images["tags.needs-review"].tolist() == [False, False, True]
    assert ds.untag(None, "needs-review") == 1
    assert "tags.needs-review" not in ds.images
    assert "tags.needs-review" in ds.annotations  # the other table keeps its tag
    assert ds.untag(None, "needs-review", table="annotations") == 2
    assert list(ds.tags) == ["<b>blurry</b>"]


def test_tags_stay_when_a_run_goes_and_a_subset_keeps_its_rows_tags() -> None:
    ds = CocoDataset.from_coco(small_coco())
    ds.add_predictions([{"image_id": 7, "category_id": 1, "bbox": [0, 0, 9, 5], "score": 1}], "m")
    ds.tag([7, 3], "seen")
    ds.tag([2, 3], "seen", table="annotations")
    ds.evaluate("m")
    ds.remove_predictions("m")
    assert ds.images["tags.seen"].tolist() == [True, True, False]
    subset = ds.subset([7, 5])
    assert subset.tags == {"seen": {"images": [7], "annotations": [2]}}
    assert subset.images["tags.seen"].tolist() == [True, False]
    assert ds.tags["seen"]["images"] == [3, 7]


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("", ValueError, "cannot be empty"),
        ("   ", ValueError, "cannot be empty"),
        ("a\nb", ValueError, "control characters"),
        (None, TypeError, "a tag name is a string, not NoneType"),
        (5, TypeError, "not int"),
        (b"x", TypeError, "not bytes"),
    ],
)
def test_a_bad_tag_name_is_a_clear_error(name: object, error: type, message: str) -> None:
    ds = CocoDataset.from_coco(small_coco())
    with pytest.raises(error, match=message):
        ds.tag([7], name)  # type: ignore[arg-type]
    assert ds.tags == {} and "tags." not in " ".join(ds.images.columns)


def test_unknown_ids_tables_and_tags_are_clear_errors() -> None:
    ds = CocoDataset.from_coco(small_coco())
    with pytest.raises(KeyError, match=r"no images with ids \[99\]"):
        ds.tag([7, 99], "x")
    with pytest.raises(KeyError, match=r"no annotations with ids \[7\]"):
        ds.tag([7], "x", table="annotations")
    with pytest.raises(ValueError, match="table must be one of"):
        ds.tag([7], "x", table="categories")
    with pytest.raises(TypeError, match="not text"):
        ds.tag("7", "x")
    with pytest.raises(TypeError, match="are integers"):
        ds.tag([7.5], "x")
    ds.tag([7], "x")
    with pytest.raises(KeyError, match=r"no tag 'y'; tags are: 'x'"):
        ds.untag([7], "y")
    assert ds.tags == {"x": {"images": [7]}}


def test_tags_are_kept_beside_the_file_and_load_back(path: Path) -> None:
    original = path.read_bytes()
    ds = CocoDataset.from_coco(path)
    beside = path.with_name("instances.json.cocowidget.json")
    assert ds.sidecar_path == beside
    assert not beside.exists()  # loading writes nothing
    ds.tag([3], "needs-review")
    ds.tag([5], "needs-review", table="annotations")
    document = json.loads(beside.read_text())
    assert document == {
        "format": "cocowidget-sidecar",
        "version": 1,
        "annotations": "instances.json",
        "tags": {"needs-review": {"images": [3], "annotations": [5]}},
        "slices": {},
    }
    assert path.read_bytes() == original  # the annotation file is never written
    assert not list(path.parent.glob("*.partial"))  # written through a replaced file

    again = CocoDataset.from_coco(path)
    assert again.tags == ds.tags
    assert again.images["tags.needs-review"].tolist() == [False, True, False]
    again.untag(None, "needs-review")
    again.untag(None, "needs-review", table="annotations")
    assert json.loads(beside.read_text())["tags"] == {}
    assert CocoDataset.from_coco(path).tags == {}


def test_the_sidecar_can_be_elsewhere_or_nowhere(path: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "review" / "tags.json"
    elsewhere.parent.mkdir()
    ds = CocoDataset.from_coco(path, sidecar=elsewhere)
    ds.tag([7], "ok")
    assert json.loads(elsewhere.read_text())["tags"] == {"ok": {"images": [7]}}
    assert CocoDataset.from_coco(path, sidecar=elsewhere).tags == {"ok": {"images": [7]}}
    assert CocoDataset.from_coco(path).tags == {}  # not beside

    none = CocoDataset.from_coco(path, sidecar=False)
    none.tag([7], "ok")
    assert none.sidecar_path is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["instances.json", "review"]

    memory = CocoDataset.from_coco(small_coco())  # a dict: nowhere, until asked
    memory.tag([5], "later")
    assert memory.sidecar_path is None
    memory.use_sidecar(tmp_path / "later.json")
    assert json.loads((tmp_path / "later.json").read_text())["tags"] == {"later": {"images": [5]}}


def test_sections_of_later_versions_are_kept_and_stale_ids_left_out(path: Path) -> None:
    beside = path.with_name(path.name + ".cocowidget.json")
    beside.write_text(
        json.dumps(
            {
                "format": "cocowidget-sidecar",
                "version": 1,
                "reviews": {"night": {"images": [3]}},
                "tags": {"old": {"images": [3, 404], "annotations": [1]}},
            }
        )
    )
    with pytest.warns(UserWarning, match="1 tagged ids are not in the dataset"):
        ds = CocoDataset.from_coco(path)
    assert ds.tags == {"old": {"images": [3], "annotations": [1]}}
    ds.tag([7], "new")
    document = json.loads(beside.read_text())
    assert document["reviews"] == {"night": {"images": [3]}}
    assert document["tags"] == {"old": {"images": [3], "annotations": [1]}, "new": {"images": [7]}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"version": 1}', "not a cocowidget sidecar"),
        ('{"format": "cocowidget-sidecar", "version": "1"}', "must be a positive integer"),
        ('{"format": "cocowidget-sidecar", "version": 2}', "written by a newer cocowidget"),
        ('{"format": "cocowidget-sidecar", "version": 1, "tags": []}', '"tags" must be'),
        ('{"format": "cocowidget-sidecar", "version": 1, "tags": {"a": 1}}', "tags\\['a'\\]"),
    ],
)
def test_a_sidecar_that_cannot_be_read_is_a_clear_error(
    path: Path, content: str, message: str
) -> None:
    beside = path.with_name(path.name + ".cocowidget.json")
    beside.write_text(content)
    with pytest.raises(SidecarError, match=message):
        CocoDataset.from_coco(path)
    assert CocoDataset.from_coco(path, sidecar=False).tags == {}  # the way out
    assert beside.read_text() == content


def test_a_folder_that_cannot_be_written_keeps_the_tags_in_memory(tmp_path: Path) -> None:
    ds = CocoDataset.from_coco(small_coco(), sidecar=False)
    ds.use_sidecar(tmp_path / "missing-folder" / "tags.json")
    with pytest.warns(UserWarning, match="kept in memory"):
        ds.tag([7], "x")
    assert ds.tags == {"x": {"images": [7]}}


def test_tags_are_exported_as_attributes_on_request(tmp_path: Path) -> None:
    coco = small_coco()
    coco["annotations"][0]["attributes"] = {"occluded": True}
    ds = CocoDataset.from_coco(coco)
    ds.tag([3], "review")
    ds.tag([1, 2], "review", table="annotations")
    ds.tag([1], "blurry", table="annotations")
    assert ds.to_dict() == CocoDataset.from_coco(coco).to_dict()  # not unless asked

    document = ds.to_dict(tags_as_attributes=True)
    images = {i["id"]: i for i in document["images"]}
    annotations = {a["id"]: a for a in document["annotations"]}
    assert images[3]["attributes"] == {"tags": ["review"]}
    assert "attributes" not in images[7]
    assert annotations[1]["attributes"] == {"occluded": True, "tags": ["review", "blurry"]}
    assert annotations[2]["attributes"] == {"tags": ["review"]}
    assert "attributes" not in annotations[3]
    written = ds.to_coco(tmp_path / "out.json", tags_as_attributes=True)
    assert json.loads(written.read_text()) == document
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = CocoDataset.from_coco(written)
    assert again.to_dict() == document
    np.testing.assert_array_equal(again.annotations["bbox"], ds.annotations["bbox"])


def test_tag_columns_filter_images_and_objects_like_any_column() -> None:
    from cocowidget.views.columns import ColumnCatalog, chartable_keys
    from cocowidget.views.filters import FilterSet

    ds = CocoDataset.from_coco(small_coco())
    ds.tag([3], "review")
    ds.tag([4], "review", table="annotations")
    assert "tags.review" in chartable_keys(ds.images, ds.annotations)
    assert "annotations.tags.review" in chartable_keys(ds.images, ds.annotations)
    filters = FilterSet(ColumnCatalog.of(ds))
    filters.set("tags.review", {True})
    assert ds.images["id"][filters.image_mask()].tolist() == [3]
    filters.clear()
    filters.set("annotations.tags.review", {True})
    assert ds.images["id"][filters.image_mask()].tolist() == [7]  # annotation 4's image
    assert ds.annotations["id"][filters.matching_objects()].tolist() == [4]


def test_the_sidecar_holds_the_files_own_ids(tmp_path: Path) -> None:
    coco = small_coco()
    coco["images"][1]["id"] = "b-image"
    for record in coco["annotations"]:
        if record["image_id"] == 3:
            record["image_id"] = "b-image"
    file = tmp_path / "ids.json"
    file.write_text(json.dumps(coco))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ids that are not integers are reported
        ds = CocoDataset.from_coco(file)
        (internal,) = ds.internal_ids(["b-image"])
        ds.tag([internal], "text id")
        assert json.loads(ds.sidecar_path.read_text())["tags"] == {  # type: ignore[union-attr]
            "text id": {"images": ["b-image"]}
        }
        again = CocoDataset.from_coco(file)
    assert again.tags == {"text id": {"images": [again.internal_ids(["b-image"])[0]]}}
    assert again.user_ids(again.images["id"][again.images["tags.text id"]]) == ["b-image"]
