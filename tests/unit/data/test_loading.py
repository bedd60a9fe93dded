"""Loading: every kind of source, the fast and the precise path, kept extra fields."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import msgspec
import numpy as np
import pytest

import cocowidget
from cocowidget.data.dataset import CocoDataset
from cocowidget.data.problems import CocoFormatError

from .helpers import annotation, pycocotools_numpy2_warning, quiet_coco, small_coco

pytestmark = pycocotools_numpy2_warning


def test_exported_from_the_package() -> None:
    assert cocowidget.CocoDataset is CocoDataset
    assert cocowidget.CocoFormatError is CocoFormatError


@pytest.mark.parametrize("kind", ["path", "str", "bytes", "dict", "coco"])
def test_every_source_kind_gives_the_same_tables(kind: str, tmp_path: Path) -> None:
    document = small_coco()
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(document))
    source = {
        "path": path,
        "str": str(path),
        "bytes": path.read_bytes(),
        "dict": document,
        "coco": quiet_coco(path),
    }[kind]
    dataset = CocoDataset.from_coco(source)
    reference = CocoDataset.from_coco(path)
    for table in ("images", "annotations", "categories"):
        left, right = getattr(dataset, table), getattr(reference, table)
        assert left.columns == right.columns
        for name in left.columns:
            np.testing.assert_array_equal(left[name], right[name], err_msg=f"{table}.{name}")
    assert len(dataset.loading_problems()) == 0


def test_dict_with_numpy_values_loads() -> None:
    document = small_coco()
    document["images"][0]["width"] = np.int64(100)
    document["annotations"][0]["bbox"] = np.array([10.0, 10, 20, 20])
    dataset = CocoDataset.from_coco(document)
    assert dataset.images["width"][0] == 100
    assert len(dataset.loading_problems()) == 0


def test_annotations_are_grouped_by_image_and_file_order_is_kept() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    table = dataset.annotations
    assert table["image_index"].tolist() == [0, 0, 1, 1, 1]  # image 7 is row 0, 3 is row 1
    assert table["id"].tolist() == [2, 4, 1, 3, 5]
    assert table["file_index"].tolist() == [1, 3, 0, 2, 4]
    assert dataset.objects_of(7)["id"].tolist() == [2, 4]
    assert dataset.objects_of(5)["id"].tolist() == []
    assert dataset.object_rows(3) == slice(2, 5)


def test_objects_of_is_a_view_not_a_copy() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    objects = dataset.objects_of(3)
    assert np.shares_memory(objects["bbox"], dataset.annotations["bbox"])


def test_unknown_image_id_raises_key_error() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    with pytest.raises(KeyError, match="no image with id 42"):
        dataset.objects_of(42)


def test_extra_fields_appearing_late_are_discovered_and_kept() -> None:
    document = small_coco()
    document["annotations"][4]["attributes"] = {"occluded": True}
    document["annotations"][2]["my-field"] = [1, 2]
    document["images"][2]["extra"] = "x"
    document["categories"][1]["keypoints"] = ["nose"]
    document["segment_info"] = {"top": "level"}
    dataset = CocoDataset.from_coco(document)
    assert len(dataset.loading_problems()) == 0
    exported = dataset.to_dict()
    assert exported == document


def test_image_info_file_without_annotations_loads() -> None:
    document = small_coco()
    del document["annotations"]
    dataset = CocoDataset.from_coco(document)
    assert len(dataset.annotations) == 0
    assert dataset.images["object_count"].tolist() == [0, 0, 0]
    problems = dataset.loading_problems()
    assert problems["severity"].tolist() == ["info"]


def test_strict_error_names_file_path_and_reason_deep_in_a_file(tmp_path: Path) -> None:
    document = small_coco()
    images = document["images"]
    document["annotations"] = [
        annotation(i + 1, images[i % 3]["id"], 1, [1, 1, 2, 2]) for i in range(1500)
    ]
    document["annotations"][1234]["bbox"] = [1, 2, 3]
    path = tmp_path / "instances.json"
    path.write_bytes(msgspec.json.encode(document))
    with pytest.raises(CocoFormatError) as raised:
        CocoDataset.from_coco(path, strict=True)
    assert str(raised.value) == (
        "instances.json: annotations[1234].bbox: expected 4 numbers [x, y, width, height], got 3"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lenient = CocoDataset.from_coco(path)
    assert len(lenient.annotations) == 1500
    row = lenient.annotations["id"].tolist().index(1235)
    assert np.isnan(lenient.annotations["bbox"][row]).all()  # unknown, not made up
    assert lenient.to_dict()["annotations"][1234]["bbox"] == [1, 2, 3]  # as read
    problem = lenient.quality(check_files=False).row(0)
    assert problem["json_path"] == "annotations[1234].bbox"
    assert problem["annotation_id"] == 1235
    assert problem["message"].startswith("instances.json: annotations[1234].bbox: expected 4")
    assert problem["message"].endswith("the box is unknown (NaN)")


def test_precise_path_keeps_valid_records_exactly() -> None:
    document = small_coco()
    document["annotations"][0]["area"] = "bad"
    fast = CocoDataset.from_coco(small_coco())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = CocoDataset.from_coco(document)
    keep = slow.annotations["id"] != 1
    for name in ("id", "image_id", "category_id", "bbox", "area", "iscrowd", "file_index"):
        np.testing.assert_array_equal(slow.annotations[name][keep], fast.annotations[name][keep])
    assert slow.to_dict()["annotations"][1:] == document["annotations"][1:]


def test_area_repaired_from_polygon_is_the_pycocotools_mask_area() -> None:
    document = small_coco()
    del document["annotations"][0]["area"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = CocoDataset.from_coco(document)
    row = dataset.annotations["id"].tolist().index(1)
    coco = quiet_coco(small_coco())
    expected = float(np.sum(coco.annToMask(coco.anns[1])))
    assert dataset.annotations["area"][row] == expected


def test_nan_in_a_polygon_is_reported_where_it_is(tmp_path: Path) -> None:
    text = json.dumps(small_coco()).replace("[[10, 10, 30, 10", "[[10, NaN, 30, 10", 1)
    path = tmp_path / "nan.json"
    path.write_text(text)
    with pytest.raises(CocoFormatError, match=r"annotations\[0\]\.segmentation\[0\]\[1\]: NaN"):
        CocoDataset.from_coco(path, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = CocoDataset.from_coco(path)
    problems = dataset.quality(check_files=False)
    paths = problems["json_path"].tolist()
    assert "annotations[0].segmentation[0][1]" in paths
    assert problems["kind"][paths.index("annotations[0].segmentation[0][1]")] in {
        "invalid_number",
        "invalid_segmentation",
    }


def test_deeply_nested_json_does_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"images": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = CocoDataset.from_coco(path)
    assert len(dataset.images) == 0
    assert "error" in dataset.loading_problems()["severity"].tolist()


def test_unsupported_source_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="expected a path"):
        CocoDataset.from_coco(42)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        CocoDataset.from_coco(tmp_path / "nope.json")


def test_a_field_missing_everywhere_is_reported_once_and_repaired() -> None:
    document = small_coco()
    images = document["images"]
    document["annotations"] = [
        annotation(i + 1, images[i % 3]["id"], 1, [1, 1, 4, 2]) for i in range(30)
    ]
    for record in document["annotations"]:
        del record["iscrowd"], record["area"]
    with pytest.warns(UserWarning, match="1 error while loading"):
        dataset = CocoDataset.from_coco(document)
    assert dataset.annotations["iscrowd"].tolist() == [0] * 30
    assert dataset.annotations["area"].tolist() == [8.0] * 30  # mask area of a 4x2 box
    problems = list(dataset.loading_problems().rows())
    assert [(p["severity"], p["json_path"]) for p in problems] == [
        ("error", "annotations[0]"),
        ("warning", "annotations[0]"),
    ]
    assert "missing required field 'area' in 30 of 30 records" in problems[0]["message"]
    assert problems[0]["message"].endswith("the area used is computed from the segmentation")
    # The file had neither field: export leaves the stand-ins out, unless asked.
    assert dataset.to_dict() == document
    repaired = dataset.to_dict(repaired=True)["annotations"]
    assert [(a["area"], a["iscrowd"]) for a in repaired] == [(8.0, 0)] * 30
    assert "missing required field 'iscrowd' in 30 of 30 records" in problems[1]["message"]
