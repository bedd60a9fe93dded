"""Person keypoints load as columns (ground truth and runs), with their statistics; bad
arrays, flags and skeletons are problems with their place, and the rest loads."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cocowidget as cw
from cocowidget.data.problems import CATEGORIES, CocoFormatError

JOINTS = ["nose", "left_eye", "right_eye", "left_hip", "right_hip"]


def triplets(flags: list[float], x0: float = 10.0) -> list[float]:
    out: list[float] = []
    for j, v in enumerate(flags):
        out += [x0 + j, 20.0 + 2 * j, v]
    return out


def person(id_: int, keypoints: Any, **fields: Any) -> dict[str, Any]:
    record = {
        "id": id_,
        "image_id": fields.pop("image_id", 1),
        "category_id": 1,
        "bbox": [5.0, 5.0, 40.0, 50.0],
        "area": 1600.0,
        "iscrowd": 0,
        "segmentation": [[5, 5, 45, 5, 45, 55, 5, 55]],
        **fields,
    }
    if keypoints is not None:
        record["keypoints"] = keypoints
    return record


def dataset(annotations: list[dict[str, Any]], **category: Any) -> dict[str, Any]:
    return {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 100, "height": 100},
            {"id": 2, "file_name": "b.jpg", "width": 100, "height": 100},
        ],
        "annotations": annotations,
        "categories": [
            {
                "id": 1,
                "name": "person",
                "supercategory": "person",
                "keypoints": category.get("keypoints", JOINTS),
                "skeleton": category.get("skeleton", [[1, 2], [1, 3], [4, 5]]),
            }
        ],
    }


def load(document: dict[str, Any]) -> cw.CocoDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cw.CocoDataset.from_coco(document)


def problems(ds: cw.CocoDataset) -> list[dict[str, Any]]:
    table = ds.quality(check_files=False, check_segmentations=False)
    return [row for row in table.rows() if row["category"] == "keypoints"]


def test_keypoints_load_as_an_n_by_k_by_3_column_with_their_statistics() -> None:
    flags = [2, 1, 0, 2, 2]
    ds = load(
        dataset(
            [
                person(1, triplets(flags), num_keypoints=4),
                person(2, triplets([0] * 5), num_keypoints=0, image_id=2),
                person(3, None, image_id=2),
            ]
        )
    )
    table = ds.annotations
    assert table["keypoints"].shape == (3, 5, 3)
    np.testing.assert_array_equal(table["keypoints"][0].reshape(-1), triplets(flags))
    assert np.isnan(table["keypoints"][2]).all()  # no keypoints: NaN, the record loads
    assert table["num_keypoints"].tolist() == [4, 0, -1]
    assert table["keypoints_labeled"].tolist() == [4, 0, 0]
    assert table["keypoints_visible"].tolist() == [3, 0, 0]
    assert table["person_scale"][:2].tolist() == [40.0, 40.0]
    assert np.isnan(table["person_scale"][2])
    categories = ds.categories
    assert categories["num_joints"].tolist() == [5]
    assert categories["keypoint_names"][0] == tuple(JOINTS)
    assert categories["skeleton"][0].tolist() == [[0, 1], [0, 2], [3, 4]]
    assert problems(ds) == []


def test_joints_table_counts_labelled_and_visible_joints_per_category() -> None:
    ds = load(
        dataset(
            [
                person(1, triplets([2, 1, 0, 2, 2]), num_keypoints=4),
                person(2, triplets([2, 2, 0, 0, 1]), num_keypoints=3),
            ]
        )
    )
    joints = ds.keypoint_joints()
    assert joints["joint_name"].tolist() == JOINTS
    assert joints["objects"].tolist() == [2] * 5
    assert joints["labeled"].tolist() == [2, 2, 0, 1, 2]
    assert joints["visible"].tolist() == [2, 1, 0, 1, 1]
    assert joints["labeled_share"].tolist() == [1.0, 1.0, 0.0, 0.5, 1.0]


def test_an_instances_file_has_no_keypoint_columns() -> None:
    document = dataset([person(1, None)])
    for category in document["categories"]:
        del category["keypoints"], category["skeleton"]
    ds = load(document)
    assert "keypoints" not in ds.annotations
    assert "num_joints" not in ds.categories
    assert len(ds.keypoint_joints()) == 0


@pytest.mark.parametrize(
    ("keypoints", "kind", "path", "severity"),
    [
        (triplets([2, 2, 2, 2]), "keypoints_length", "annotations[1].keypoints", "error"),
        ([*triplets([2] * 5), 1.0], "keypoints_length", "annotations[1].keypoints", "error"),
        (
            [*triplets([2] * 5)[:7], "x", *triplets([2] * 5)[8:]],
            "invalid_keypoints",
            "annotations[1].keypoints[7]",
            "error",
        ),
        (
            [*triplets([2] * 5)[:4], None, *triplets([2] * 5)[5:]],
            "invalid_keypoints",
            "annotations[1].keypoints[4]",
            "error",
        ),
        ({"x": 1}, "invalid_keypoints", "annotations[1].keypoints", "error"),
        (triplets([2, 3, 2, 2, 2]), "invalid_visibility", "annotations[1].keypoints[5]", "warning"),
        (
            triplets([2, 2, -1, 2, 2]),
            "invalid_visibility",
            "annotations[1].keypoints[8]",
            "warning",
        ),
    ],
)
def test_a_bad_keypoints_array_is_a_problem_at_its_place_and_the_rest_loads(
    keypoints: Any, kind: str, path: str, severity: str
) -> None:
    good = person(1, triplets([2] * 5), num_keypoints=5)
    bad = person(2, keypoints, num_keypoints=5, bbox=[1.0, 2.0, 3.0, 4.0])
    ds = load(dataset([good, bad]))
    found = [p for p in problems(ds) if p["kind"] != "num_keypoints_mismatch"]
    assert [(p["kind"], p["json_path"], p["severity"]) for p in found] == [(kind, path, severity)]
    assert found[0]["annotation_id"] == 2 and found[0]["image_id"] == 1
    assert CATEGORIES["keypoints"].count(kind) == 1
    table = ds.annotations
    assert len(table) == 2
    assert table["bbox"][1].tolist() == [1.0, 2.0, 3.0, 4.0]
    np.testing.assert_array_equal(table["keypoints"][0].reshape(-1), triplets([2] * 5))
    if severity == "error":
        assert np.isnan(table["keypoints"][1]).all()
    else:  # flags outside {0, 1, 2} are kept as read: pycocotools reads them so
        np.testing.assert_array_equal(table["keypoints"][1].reshape(-1), keypoints)


def test_a_skeleton_naming_joints_that_do_not_exist_loses_only_those_bones() -> None:
    ds = load(
        dataset(
            [person(1, triplets([2] * 5))],
            skeleton=[[1, 2], [2, 6], [0, 1], ["nose", "right_hip"], ["nose", "tail"], [1]],
        )
    )
    found = problems(ds)
    assert {p["kind"] for p in found} == {"invalid_skeleton", "num_keypoints_mismatch"}
    paths = [p["json_path"] for p in found if p["kind"] == "invalid_skeleton"]
    assert paths == [
        "categories[0].skeleton[1]",
        "categories[0].skeleton[2]",
        "categories[0].skeleton[4]",
        "categories[0].skeleton[5]",
    ]
    assert all(p["category_id"] == 1 for p in found if p["kind"] == "invalid_skeleton")
    assert ds.categories["skeleton"][0].tolist() == [[0, 1], [0, 4]]


def test_joint_names_that_are_not_strings_leave_the_length_to_the_arrays() -> None:
    ds = load(dataset([person(1, triplets([2] * 4), num_keypoints=4)], keypoints=[1, 2]))
    assert [(p["kind"], p["json_path"]) for p in problems(ds)] == [
        ("invalid_keypoint_names", "categories[0].keypoints")
    ]
    assert ds.categories["num_joints"].tolist() == [4]
    assert ds.annotations["keypoints"].shape == (1, 4, 3)


def test_num_keypoints_missing_or_disagreeing_is_reported_and_what_is_used_said() -> None:
    ds = load(
        dataset(
            [
                person(1, triplets([2, 2, 0, 0, 0])),  # missing: the labelled count stands in
                person(2, triplets([2, 2, 0, 0, 0]), num_keypoints=4),  # kept as read
                person(3, triplets([2, 2, 0, 0, 0]), num_keypoints="2"),
            ]
        )
    )
    found = {(p["kind"], p["json_path"]) for p in problems(ds)}
    assert found == {
        ("num_keypoints_mismatch", "annotations[0].num_keypoints"),
        ("num_keypoints_mismatch", "annotations[1].num_keypoints"),
    }
    table = ds.quality(check_files=False)
    assert "annotations[2].num_keypoints" in table["json_path"].tolist()
    assert ds.annotations["num_keypoints"].tolist() == [2, 4, 2]


def test_strict_loading_stops_at_a_keypoints_array_of_the_wrong_length() -> None:
    document = dataset([person(1, triplets([2] * 3))])
    with pytest.raises(CocoFormatError) as error:
        cw.CocoDataset.from_coco(document, strict=True)
    assert error.value.json_path == "annotations[0].keypoints"
    assert error.value.kind == "keypoints_length"


def test_keypoints_write_back_as_read(tmp_path: Path) -> None:
    document = dataset(
        [
            person(1, triplets([2, 1, 0, 2, 2]), num_keypoints=4),
            person(2, triplets([2, 2]), num_keypoints=2),  # wrong length, written as read
        ]
    )
    ds = load(document)
    path = ds.to_coco(tmp_path / "out.json")
    assert json.loads(path.read_text())["annotations"] == document["annotations"]


def test_a_subset_keeps_its_objects_keypoints() -> None:
    ds = load(
        dataset(
            [
                person(1, triplets([2] * 5), num_keypoints=5),
                person(2, triplets([1] * 5, x0=50), num_keypoints=5, image_id=2),
            ]
        )
    )
    part = ds.subset([2])
    assert part.annotations["keypoints"].shape == (1, 5, 3)
    assert part.annotations["keypoints"][0, 0, 0] == 50.0


def test_a_runs_keypoints_are_columns_and_give_its_boxes_as_load_res_does() -> None:
    ds = load(dataset([person(1, triplets([2] * 5), num_keypoints=5)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = ds.add_predictions(
            [
                {"image_id": 1, "category_id": 1, "score": 0.9, "keypoints": triplets([1] * 5)},
                {"image_id": 1, "category_id": 1, "score": 0.8, "keypoints": triplets([1] * 3)},
                {
                    "image_id": 1,
                    "category_id": 1,
                    "score": 0.7,
                    "keypoints": triplets([0.9, 0.25, 1, 0.5, 0.75]),
                },
            ],
            name="pose",
        )
    assert table["keypoints"].shape == (3, 5, 3)
    np.testing.assert_array_equal(table["keypoints"][0].reshape(-1), triplets([1] * 5))
    assert np.isnan(table["keypoints"][1]).all()
    # loadRes: bbox and area from the extent of every keypoint
    assert table["bbox"][0].tolist() == [10.0, 20.0, 4.0, 8.0]
    assert table["area"][0] == 32.0
    assert table["keypoints_labeled"].tolist() == [5, 0, 5]
    # A detection's third value is its confidence in the joint, not a visibility flag.
    kinds = [(p.kind, p.json_path, p.severity) for p in ds.runs["pose"].problems]
    assert kinds == [("keypoints_length", "[1].keypoints", "error")]
    run_problems = ds.quality(check_files=False)
    assert "pose" in run_problems["run"].tolist()
