"""The person-keypoints demo: deterministic, COCO-shaped, clean to load, a pose model
that scores like a real one, and images on disk for every entry."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pycocotools.cocoeval import COCOeval

import cocowidget as cw
from cocowidget.datasets import generate_keypoints_demo, generate_keypoints_dict
from cocowidget.datasets.people import KEYPOINT_NAMES, SKELETON

from ..evaluation.reference import load_results, quiet_coco


@pytest.fixture(scope="module")
def people() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return generate_keypoints_dict(300, seed=4)


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = generate_keypoints_dict(20, seed=1)
    assert generate_keypoints_dict(20, seed=1) == first
    assert generate_keypoints_dict(20, seed=2) != first


def test_people_have_cocos_joints_and_flags(people: tuple[dict[str, Any], list[Any]]) -> None:
    dataset, _ = people
    (category,) = dataset["categories"]
    assert category["keypoints"] == list(KEYPOINT_NAMES) and len(KEYPOINT_NAMES) == 17
    assert category["skeleton"] == [list(bone) for bone in SKELETON] and len(SKELETON) == 19
    annotations = dataset["annotations"]
    per_image = len(annotations) / len(dataset["images"])
    assert 1.6 < per_image < 2.8  # person_keypoints_val2017: 2.2
    with_keypoints = [a for a in annotations if a["num_keypoints"] > 0]
    assert 0.45 < len(with_keypoints) / len(annotations) < 0.75  # val2017: 0.58
    flags = np.array([a["keypoints"][2::3] for a in annotations])
    assert set(np.unique(flags).tolist()) == {0, 1, 2}
    assert [a["num_keypoints"] for a in annotations] == (flags > 0).sum(axis=1).tolist()
    unlabelled = np.array([a["keypoints"] for a in annotations]).reshape(-1, 17, 3)[flags == 0]
    assert (unlabelled == 0).all()  # as COCO writes them


def test_the_demo_loads_without_a_keypoint_problem(
    people: tuple[dict[str, Any], list[Any]],
) -> None:
    dataset, results = people
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(copy.deepcopy(dataset))
        ds.add_predictions(copy.deepcopy(results), name="pose")
    problems = ds.quality(check_files=False)
    assert "keypoints" not in problems["category"].tolist()
    assert ds.annotations["keypoints"].shape == (len(dataset["annotations"]), 17, 3)
    assert ds.categories["skeleton"][0].shape == (19, 2)


def test_the_pose_model_scores_like_a_real_one_and_equals_pycocotools(
    people: tuple[dict[str, Any], list[Any]],
) -> None:
    dataset, results = people
    assert max(np.bincount([r["image_id"] for r in results])) <= 20
    coco_gt = quiet_coco(dataset)
    reference = COCOeval(coco_gt, load_results(coco_gt, results), "keypoints")
    with contextlib.redirect_stdout(io.StringIO()):
        reference.evaluate()
        reference.accumulate()
        reference.summarize()
    assert 0.45 < reference.stats[0] < 0.75  # AP: between OpenPose's and HRNet's
    assert reference.stats[1] > reference.stats[2]  # AP50 > AP75
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(copy.deepcopy(dataset))
        ds.add_predictions(copy.deepcopy(results), name="pose")
    assert ds.evaluate("pose", "keypoints").stats.tolist() == list(reference.stats)


def test_the_demo_on_disk_has_an_image_per_entry_and_is_reused(tmp_path: Path) -> None:
    paths = generate_keypoints_demo(tmp_path, 6, seed=2)
    dataset = json.loads(paths.annotations.read_text())
    assert dataset == generate_keypoints_dict(6, seed=2)[0]
    assert paths.predictions is not None
    assert json.loads(paths.predictions.read_text()) == generate_keypoints_dict(6, seed=2)[1]
    for image in dataset["images"]:
        with Image.open(paths.image_dir / image["file_name"]) as picture:
            assert picture.size == (image["width"], image["height"])
    written = paths.annotations.stat().st_mtime_ns
    assert generate_keypoints_demo(tmp_path, 6, seed=2) == paths
    assert paths.annotations.stat().st_mtime_ns == written
