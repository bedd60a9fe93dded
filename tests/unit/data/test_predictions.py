"""Prediction runs: several per dataset, derived fields, matching by name, messages."""

from __future__ import annotations

import copy
import json
import math
import warnings
from typing import Any

import numpy as np
import pytest

from cocowidget.data.problems import CocoFormatError
from cocowidget.dataset import CocoDataset

from .helpers import pycocotools_numpy2_warning, small_coco

pytestmark = pycocotools_numpy2_warning

RESULTS = [
    {"image_id": 3, "category_id": 1, "bbox": [150, 150, 50, 50], "score": 0.9},
    {"image_id": 7, "category_id": 1, "bbox": [0, 0, 10, 5], "score": 0.4},
    {"image_id": 3, "category_id": 2, "bbox": [10, 10, 20, 20], "score": 0.7},
]


def test_runs_are_tables_grouped_by_image() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    table = dataset.add_predictions(RESULTS, name="model")
    dataset.add_predictions(RESULTS[:1], name="other")
    assert list(dataset.predictions) == ["model", "other"]
    assert table["id"].tolist() == [2, 1, 3]  # loadRes numbering, grouped: image 7 first
    assert table["area"].tolist() == [50.0, 2500.0, 400.0]
    assert table["iscrowd"].tolist() == [0, 0, 0]
    assert dataset.objects_of(3, run="model")["score"].tolist() == [0.9, 0.7]
    assert dataset.objects_of(5, run="model")["score"].tolist() == []
    assert table["category_name"].tolist() == ["cat", "cat", "dog"]
    assert "relative_area" in table
    dataset.remove_predictions("other")
    assert list(dataset.predictions) == ["model"]
    with pytest.raises(KeyError, match="no prediction run 'other'; runs are: 'model'"):
        dataset.objects_of(3, run="other")


def test_box_only_detections_have_box_masks() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    dataset.add_predictions(RESULTS, name="model")
    masks = dataset.masks(3, run="model")
    assert masks.shape == (2, 200, 200)
    assert masks[0].sum() == 50 * 50 and masks[0][150:200, 150:200].all()


def test_mismatched_ids_are_reported_with_the_way_out() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    shifted = [dict(r, image_id=r["image_id"] + 1000) for r in RESULTS]
    with pytest.warns(UserWarning, match="match='name'"):
        table = dataset.add_predictions(shifted, name="shifted")
    assert (table["image_index"] == -1).all()
    problems = [p for p in dataset.quality(check_files=False).rows() if p["run"] == "shifted"]
    summary = [p for p in problems if p["kind"] == "unmatched_prediction"]
    assert len(summary) == 1
    assert (
        "3 of 3 detections refer to image_ids that are not in the ground truth"
        in summary[0]["message"]
    )
    assert (
        "pass match='name' to map images by file_name and categories by name"
        in summary[0]["message"]
    )
    with pytest.raises(CocoFormatError, match="match='name'"):
        dataset.add_predictions(shifted, name="strict", strict=True)


def renumbered(document: dict[str, Any]) -> dict[str, Any]:
    """The same dataset with other image and category ids (and paths in file names)."""
    other = copy.deepcopy(document)
    image_ids = {image["id"]: 100 + i for i, image in enumerate(other["images"])}
    category_ids = {category["id"]: 50 - i for i, category in enumerate(other["categories"])}
    for image in other["images"]:
        image["id"] = image_ids[image["id"]]
        image["file_name"] = "train/" + image["file_name"]
    for category in other["categories"]:
        category["id"] = category_ids[category["id"]]
    for record in other["annotations"]:
        record["image_id"] = image_ids[record["image_id"]]
        record["category_id"] = category_ids[record["category_id"]]
        record["score"] = 0.5
    return other


def test_match_by_file_name_and_category_name() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    other = renumbered(small_coco())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = dataset.add_predictions(other, name="renumbered", match="name")
    ground_truth = dataset.annotations
    np.testing.assert_array_equal(table["image_id"], ground_truth["image_id"])
    np.testing.assert_array_equal(table["category_id"], ground_truth["category_id"])
    np.testing.assert_array_equal(table["bbox"], ground_truth["bbox"])


def test_match_by_name_with_a_reference_for_a_results_list() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    reference = renumbered(small_coco())
    results = [
        {"image_id": 100, "category_id": 50, "bbox": [1, 1, 4, 4], "score": 0.3},  # a.jpg, cat
        {"image_id": 101, "category_id": 49, "bbox": [1, 1, 4, 4], "score": 0.6},  # b.jpg, dog
    ]
    table = dataset.add_predictions(results, name="ref", match="name", reference=reference)
    pairs = sorted(zip(table["image_id"].tolist(), table["category_id"].tolist(), strict=True))
    assert pairs == [(3, 2), (7, 1)]
    with pytest.raises(ValueError, match="match='name' needs the images and categories"):
        dataset.add_predictions(results, name="bad", match="name")


def test_segmentation_only_detections_get_box_and_area_from_the_mask() -> None:
    from pycocotools import mask as mask_api

    dataset = CocoDataset.from_coco(small_coco())
    mask = np.zeros((200, 200), dtype=np.uint8, order="F")
    mask[20:60, 30:90] = 1
    rle = mask_api.encode(mask)
    record = {
        "image_id": 3,
        "category_id": 1,
        "score": 0.5,
        "segmentation": {"size": [200, 200], "counts": rle["counts"].decode()},
    }
    table = dataset.add_predictions([record], name="segm")
    assert table["bbox"][0].tolist() == [30.0, 20.0, 60.0, 40.0]
    assert table["area"][0] == 2400.0
    np.testing.assert_array_equal(dataset.masks(3, run="segm")[0], mask)


def test_malformed_detections_are_dropped_and_listed() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    results = [
        {"image_id": 3, "category_id": 1, "bbox": [1, 1, 2, 2], "score": "high"},
        {"image_id": 3, "category_id": 1, "score": 0.2},
        {"image_id": 3, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 0.3},
    ]
    with pytest.warns(UserWarning, match="2 errors while loading"):
        table = dataset.add_predictions(results, name="bad")
    assert table["score"].tolist() == [0.3]
    assert table["file_index"].tolist() == [2]
    problems = [p for p in dataset.quality(check_files=False).rows() if p["run"] == "bad"]
    paths = {p["json_path"]: p["message"] for p in problems}
    assert "expected a number, got the string 'high'" in paths["[0].score"]
    assert "needs a 'bbox' or a 'segmentation'" in paths["[1]"]
    with pytest.raises(CocoFormatError, match=r"^<list>: \[0\]\.score: expected a number"):
        dataset.add_predictions(results, name="strict", strict=True)


def test_kept_detections_with_bad_boxes_are_counted_in_the_load_warning() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    results = [
        {"image_id": 3, "category_id": 1, "bbox": [10, 10, -5, 20], "score": 0.8},
        {"image_id": 3, "category_id": 1, "bbox": [1, 2, 3], "score": 0.7},
    ]
    with pytest.warns(UserWarning, match=r"2 errors while loading .*the detection was dropped"):
        table = dataset.add_predictions(results, name="odd")
    assert len(table) == 1  # the negative box is kept, and reported
    problems = [p for p in dataset.quality(check_files=False).rows() if p["run"] == "odd"]
    kinds = sorted(p["kind"] for p in problems)
    assert kinds == ["invalid_field", "negative_box"]  # not also "negative_area"


def test_subset_keeps_runs() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    dataset.add_predictions(RESULTS, name="model")
    subset = dataset.subset([3])
    assert subset.predictions["model"]["score"].tolist() == [0.9, 0.7]
    # Written back as read: no id, area or iscrowd the records did not have.
    assert subset.predictions_to_list("model") == [RESULTS[0], RESULTS[2]]


def _category_dict(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Detections with their own tables: cat is 2 and tv is 1 there (the ground truth
    has cat 1, dog 2 and no tv)."""
    return {
        "images": [{"id": 30, "file_name": "b.jpg", "width": 200, "height": 200}],
        "categories": [{"id": 1, "name": "tv"}, {"id": 2, "name": "cat"}],
        "annotations": results,
    }


def test_unmatched_category_names_are_left_out_not_reused_as_ids() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    source = _category_dict(
        [
            {"image_id": 30, "category_id": 2, "bbox": [150, 150, 50, 50], "score": 0.9},
            {"image_id": 30, "category_id": 1, "bbox": [10, 10, 20, 20], "score": 0.8},
        ]
    )
    with pytest.warns(UserWarning, match="'tv'"):
        table = dataset.add_predictions(source, name="voc", match="name")
    # "tv" has the file's id 1, which is the ground truth's "cat": never re-used.
    assert sorted(table["category_id"].tolist()) == [-1, 1]
    assert sorted(table["file_category_id"].tolist()) == [1, 2]
    evaluation = dataset.evaluate("voc")
    assert evaluation.detections["evaluated"].sum() == 1
    message = next(
        p["message"]
        for p in dataset.quality(check_files=False).rows()
        if p["kind"] == "unmatched_prediction"
    )
    assert "category_map=" in message and "left out of evaluation" in message

    mapped = dataset.add_predictions(
        source, name="mapped", match="name", category_map={"tv": "dog"}
    )
    assert sorted(mapped["category_id"].tolist()) == [1, 2]
    with pytest.raises(ValueError, match="no category of: \\['tvmonitor'\\]"):
        dataset.add_predictions(source, name="bad", match="name", category_map={"tv": "tvmonitor"})
    with pytest.raises(ValueError, match="category_map renames categories for match='name'"):
        dataset.add_predictions(RESULTS, name="bad", category_map={"tv": "dog"})


def test_own_tables_numbered_otherwise_are_reported_with_match_name() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    source = _category_dict(
        [{"image_id": 3, "category_id": 2, "bbox": [150, 150, 50, 50], "score": 0.9}]
    )
    with pytest.warns(UserWarning, match="match='name'"):
        dataset.add_predictions(source, name="other")
    messages = [
        p["message"]
        for p in dataset.quality(check_files=False).rows()
        if p["kind"] == "other_numbering"
    ]
    assert len(messages) == 1
    assert "category 1 is 'tv' here, 'cat' in the ground truth" in messages[0]
    assert "Pass match='name'" in messages[0]


def test_ground_truth_passed_as_predictions_is_an_error() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    with pytest.raises(ValueError, match=r"none of the 5 records has a 'score'.*ground truth"):
        dataset.add_predictions(small_coco(), name="gt")
    assert "gt" not in dataset.predictions


def test_a_used_name_is_refused_unless_replaced_and_its_columns_go() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    dataset.add_predictions(RESULTS, name="model")
    dataset.add_predictions(RESULTS[:1], name="model.b")
    dataset.evaluate("model")
    dataset.evaluate("model.b")
    assert "model.tp" in dataset.images and "model.ap" in dataset.categories
    assert "model.found50" in dataset.annotations
    with pytest.raises(ValueError, match="exists already: pass replace=True"):
        dataset.add_predictions(RESULTS[:1], name="model")
    assert len(dataset.predictions["model"]) == 3
    dataset.add_predictions(RESULTS[:1], name="model", replace=True)
    assert len(dataset.predictions["model"]) == 1
    for table in (dataset.images, dataset.categories, dataset.annotations):
        assert not [c for c in table.columns if c.startswith("model.") and "model.b." not in c]
    assert "model.b.tp" in dataset.images  # another run's columns stay
    dataset.remove_predictions("model.b")
    assert not [c for c in dataset.images.columns if c.startswith("model.b.")]


def test_file_values_stay_readable_and_are_written_back() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    results = [
        {"image_id": 3, "category_id": 1, "bbox": [150, 150, 50, 50], "score": 0.9, "area": 1.0},
        {"image_id": 3, "category_id": 2, "bbox": [10, 10, 20, 20], "score": 0.7, "id": 40},
        {"image_id": 7, "category_id": 1, "bbox": [0, 0, 10, 5], "score": 0.4, "iscrowd": 2},
    ]
    table = dataset.add_predictions(results, name="model")
    by_score = {s: r for r, s in enumerate(table["score"].tolist())}
    assert table["area"][by_score[0.9]] == 2500.0  # loadRes: w * h, never the file's
    assert table["file_area"][by_score[0.9]] == 1.0
    assert np.isnan(table["file_area"][by_score[0.7]])
    assert table["id"][by_score[0.7]] == 40
    assert table["iscrowd"].tolist() == [0, 0, 0]
    assert table["file_iscrowd"][by_score[0.4]] == 2
    assert dataset.predictions_to_list("model") == [
        {**r, "bbox": [float(v) for v in r["bbox"]]} for r in results
    ]


def test_segm_branch_uses_the_mask_area_and_box() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    rle = {"size": [200, 200], "counts": [10050, 100, 29850]}  # 100 pixels, one column
    results = [
        {"image_id": 3, "category_id": 2, "segmentation": rle, "score": 0.9, "area": 1.0},
        {"image_id": 3, "category_id": 2, "segmentation": rle, "score": 0.8, "bbox": [0, 0, 5, 5]},
    ]
    table = dataset.add_predictions(results, name="masks")
    assert table["area"].tolist() == [100.0, 100.0]
    assert table["bbox"].tolist() == [[50.0, 50.0, 1.0, 100.0], [0.0, 0.0, 5.0, 5.0]]


def test_keypoints_branch_uses_their_extent() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    results = [
        {"image_id": 3, "category_id": 1, "keypoints": [10, 20, 2, 30, 25, 1], "score": 0.9},
        {
            "image_id": 3,
            "category_id": 1,
            "keypoints": [4, 4, 2],
            "score": 0.8,
            "bbox": [1, 1, 1, 1],
        },
    ]
    table = dataset.add_predictions(results, name="pose")
    assert table["bbox"].tolist() == [[10.0, 20.0, 20.0, 5.0], [4.0, 4.0, 0.0, 0.0]]
    assert table["area"].tolist() == [100.0, 0.0]


def test_records_lacking_what_the_first_has_are_flagged_as_load_res_failures() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    rle = {"size": [200, 200], "counts": [10050, 100, 29850]}
    results = [
        {"image_id": 3, "category_id": 2, "bbox": [50, 50, 1, 100], "score": 0.9},
        {"image_id": 3, "category_id": 2, "segmentation": rle, "score": 0.8},
    ]
    table = dataset.add_predictions(results, name="mixed")
    assert table["area"].tolist() == [100.0, 100.0]
    message = next(
        p["message"]
        for p in dataset.quality(check_files=False).rows()
        if p["kind"] == "load_res_failure"
    )
    assert "[1]" in message and "KeyError: 'bbox'" in message


def test_nan_scores_are_kept_and_flagged(tmp_path: Any) -> None:
    dataset = CocoDataset.from_coco(small_coco())
    path = tmp_path / "detections.json"
    path.write_text(
        '[{"image_id": 3, "category_id": 1, "bbox": [1, 1, 5, 5], "score": NaN},'
        ' {"image_id": 3, "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5}]'
    )
    with pytest.warns(UserWarning, match="1 detection has a NaN or infinite score"):
        table = dataset.add_predictions(path, name="nan")
    assert len(table) == 2 and np.isnan(table["score"]).sum() == 1
    problems = [p for p in dataset.quality(check_files=False).rows() if p["run"] == "nan"]
    assert [p["message"] for p in problems if p["kind"] == "non_finite_score"] == [
        "detections.json: [0].score: the score is NaN; the detection was kept and is "
        "evaluated as pycocotools does (after every scored detection)"
    ]
    assert not [p for p in problems if p["kind"] == "invalid_number"]  # replaced, not doubled
    dataset.evaluate("nan")  # no error
    # Written back as read: NaN stays NaN (as Python's json writes it), not null.
    written = json.loads(dataset.predictions_to_coco("nan", tmp_path / "out.json").read_text())
    assert math.isnan(written[0]["score"]) and written[1] == {
        "image_id": 3,
        "category_id": 1,
        "bbox": [1.0, 1.0, 5.0, 5.0],
        "score": 0.5,
    }
    subset = dataset.subset([3])
    assert math.isnan(subset.predictions_to_list("nan")[0]["score"])


def test_segm_evaluation_of_objects_without_masks_says_so() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    dataset.add_predictions(RESULTS, name="boxes")
    with pytest.warns(UserWarning, match=r"3 of 3 detections of 'boxes' have no usable"):
        dataset.evaluate("boxes", iou_type="segm")


def test_duplicate_annotation_ids_are_said_to_differ_from_pycocotools() -> None:
    document = small_coco()
    document["annotations"][1]["id"] = 1
    with pytest.warns(UserWarning, match="numbers differ from pycocotools'"):
        dataset = CocoDataset.from_coco(document)
    dataset.add_predictions(RESULTS, name="model")
    with pytest.warns(UserWarning, match="keeps the last annotation"):
        dataset.evaluate("model")
