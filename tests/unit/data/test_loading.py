"""Loading: every kind of source, the fast and the precise path, kept extra fields."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import msgspec
import numpy as np
import pytest

import cocowidget
from cocowidget.data.problems import CocoFormatError
from cocowidget.dataset import CocoDataset

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


def _quiet(source: object) -> CocoDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CocoDataset.from_coco(source)


def test_ids_that_are_not_int64_keep_their_identity() -> None:
    document = small_coco()
    document["images"][0]["id"] = "seven"  # was 7
    document["images"][2]["id"] = 2**70  # was 5
    for record in document["annotations"]:
        if record["image_id"] == 7:
            record["image_id"] = "seven"
    document["annotations"][0]["id"] = "first"
    document["categories"][0]["id"] = 1.5  # annotations of category 1 now dangle
    dataset = _quiet(document)
    assert len(dataset.images) == 3 and len(dataset.annotations) == 5
    seven = int(dataset.images["id"][0])
    assert dataset.user_ids([seven, 3, int(dataset.images["id"][2])]) == ["seven", 3, 2**70]
    assert dataset.image_row("seven") == 0 and dataset.image_row(2**70) == 2
    assert dataset.objects_of("seven")["file_index"].tolist() == [1, 3]
    first = dataset.annotations["id"][dataset.annotations["file_index"] == 0]
    assert dataset.user_ids(first, "annotations") == ["first"]
    assert dataset.to_dict() == document  # written back with the file's ids
    problems = dataset.quality(check_files=False)
    dangling = [
        m
        for k, m in zip(problems["kind"], problems["message"], strict=True)
        if k == "dangling_category_ref"
    ]
    assert dangling and all("refers to category 1," in m for m in dangling)
    repaired = dataset.to_dict(repaired=True)
    assert repaired["images"][0]["id"] == seven  # internal ids only when asked


def test_string_id_is_not_the_number() -> None:
    document = small_coco()
    document["images"][1]["id"] = "3"  # its annotations say 3, the number
    dataset = _quiet(document)
    assert dataset.images["object_count"].tolist() == [2, 0, 0]
    kinds = dataset.quality(check_files=False)["kind"].tolist()
    assert kinds.count("dangling_image_ref") == 3


def test_duplicate_image_ids_send_annotations_to_the_last_as_pycocotools() -> None:
    document = small_coco()
    document["images"][2]["id"] = 3  # images[1] and images[2] share id 3
    with pytest.warns(UserWarning, match=r"references go to the last, images\[2\]"):
        dataset = CocoDataset.from_coco(document)
    coco = quiet_coco(document)
    assert coco.imgs[3]["file_name"] == "c.jpg"
    assert dataset.images["object_count"].tolist() == [2, 0, 3]
    assert dataset.image_row(3) == 2


def test_iscrowd_other_than_0_or_1_is_kept_and_a_crowd() -> None:
    document = small_coco()
    document["annotations"][0]["iscrowd"] = 2
    document["annotations"][1]["iscrowd"] = True
    document["annotations"][2]["iscrowd"] = 300
    dataset = _quiet(document)
    table = dataset.annotations
    by_file = dict(zip(table["file_index"].tolist(), table["iscrowd"].tolist(), strict=True))
    assert by_file[0] == 2 and by_file[1] == 1 and by_file[2] != 0
    exported = dataset.to_dict()["annotations"]
    assert [a["iscrowd"] for a in exported[:3]] == [2, True, 300]
    assert exported[1]["iscrowd"] is True


def test_infinite_boxes_are_kept_skipped_by_statistics_and_warn_nothing_but_the_load(
    tmp_path: Path,
) -> None:
    document = small_coco()
    document["annotations"][1]["bbox"] = [math.inf, math.inf, -math.inf, -math.inf]
    document["annotations"][3]["area"] = math.nan
    path = tmp_path / "litter.json"
    path.write_text(json.dumps(document))  # Python's json writes Infinity and NaN
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = CocoDataset.from_coco(path)
        dataset.quality(check_files=False)
        dataset.refresh_statistics()
    assert [type(w.message) for w in caught] == [UserWarning]  # the load summary only
    row = dataset.annotations["file_index"].tolist().index(1)
    assert dataset.annotations["bbox"][row].tolist()[:2] == [math.inf, math.inf]
    image = dataset.image_row(7)  # annotations 2 (Infinity box) and 4 (NaN area)
    assert dataset.images["smallest_object_area"][image] == 50.0  # NaN skipped
    assert dataset.categories["mean_area"][0] == pytest.approx((50 + 2500) / 2)
    written = json.loads(dataset.to_coco(tmp_path / "out.json").read_text())
    assert written["annotations"][1]["bbox"] == [math.inf, math.inf, -math.inf, -math.inf]
    assert math.isnan(written["annotations"][3]["area"])


def test_gzip_files_and_bytes_are_read(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "instances.json.gz"
    path.write_bytes(gzip.compress(json.dumps(small_coco()).encode()))
    assert CocoDataset.from_coco(path).to_dict() == small_coco()
    assert len(CocoDataset.from_coco(path.read_bytes()).annotations) == 5
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(ValueError, match="gzip"):
        CocoDataset.from_coco(path)


def test_a_record_that_is_not_an_object_is_a_row_written_back_as_read() -> None:
    document = small_coco()
    document["annotations"].insert(2, "oops")
    dataset = _quiet(document)
    assert len(dataset.annotations) == 6
    assert dataset.to_dict()["annotations"] == document["annotations"]
    problems = [
        p for p in dataset.loading_problems().rows() if p["json_path"].startswith("annotations[2]")
    ]
    assert len(problems) == 1  # not also every field it lacks
