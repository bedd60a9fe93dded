"""Every pycocotools ``Params`` field, at values other than COCO's, gives COCOeval's
numbers: random scenes and random parameters (useCats=0, custom maxDets, areaRng,
iouThrs, recThrs, imgIds, catIds), compared array for array and line for line."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cocowidget as cw
from cocowidget.evaluation import (
    EvalParams,
    Evaluation,
    detections_from_results,
    evaluate,
    ground_truth_from_dict,
)

from .reference import expected_detection_flags, load_results, quiet_coco, run_cocoeval_with
from .strategies import Scene, scenes

SETTINGS = settings(
    max_examples=int(os.environ.get("COCOWIDGET_EVAL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

IOU_THRESHOLDS = [[0.5], [0.3, 0.5, 0.75], [0.9, 0.6], [0.55, 0.75, 0.95], [0.25, 0.5]]
RECALL_THRESHOLDS = [[0.0, 0.5, 1.0], np.linspace(0, 1, 11).tolist(), [0.2, 0.9]]
MAX_DETECTIONS = [[1, 5, 50], [1, 2, 3], [3, 1, 2, 10], [2, 2, 4]]
AREAS = [
    ([[0, 1e10], [0, 16], [16, 64], [64, 1e10]], ["all", "small", "medium", "large"]),
    ([[0, 1e10], [10, 40]], ["all", "mid"]),
    ([[4, 200], [0, 1e10], [0, 30]], ["all", "large", "small"]),
]


@st.composite
def coco_fields(draw: st.DrawFn, scene: Scene) -> dict[str, Any]:
    """Some of pycocotools' Params fields, each at a non-default value."""
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["iouThrs"] = draw(st.sampled_from(IOU_THRESHOLDS))
    if draw(st.booleans()):
        fields["recThrs"] = draw(st.sampled_from(RECALL_THRESHOLDS))
    if draw(st.booleans()):
        fields["maxDets"] = draw(st.sampled_from(MAX_DETECTIONS))
    if draw(st.booleans()):
        fields["areaRng"], fields["areaRngLbl"] = draw(st.sampled_from(AREAS))
    if draw(st.booleans()):
        fields["useCats"] = 0
    categories = [c["id"] for c in scene.dataset["categories"]]
    if len(categories) > 1 and draw(st.booleans()):
        # A subset in a drawn order: with useCats=0 the order breaks ties.
        fields["catIds"] = draw(st.permutations(categories))[: draw(st.integers(1, 3))]
    images = [i["id"] for i in scene.dataset["images"]]
    if len(images) > 1 and draw(st.booleans()):
        fields["imgIds"] = draw(st.permutations(images))[:-1]
    return fields


def _ours(scene: Scene, iou_type: str, fields: dict[str, Any]) -> Evaluation:
    return evaluate(
        ground_truth_from_dict(scene.dataset),
        detections_from_results(scene.results),
        iou_type,  # type: ignore[arg-type]
        **fields,
    )


def _check(scene: Scene, iou_type: str, fields: dict[str, Any]) -> None:
    coco_gt = quiet_coco(scene.dataset)
    reference, printed = run_cocoeval_with(
        coco_gt, load_results(coco_gt, scene.results), iou_type, fields
    )
    ours = _ours(scene, iou_type, fields)
    np.testing.assert_array_equal(ours.precision, reference.eval["precision"])
    np.testing.assert_array_equal(ours.recall, reference.eval["recall"])
    np.testing.assert_array_equal(ours.scores, reference.eval["scores"])
    assert ours.stats.tolist() == list(reference.stats)
    assert ours.summary() == printed.rstrip("\n")

    matched, tp, fp, evaluated = expected_detection_flags(reference, len(scene.results))
    detections = ours.detections
    np.testing.assert_array_equal(detections["evaluated"], evaluated)
    np.testing.assert_array_equal(detections["matched_gt_id"], matched)
    np.testing.assert_array_equal(detections["tp"], tp)
    np.testing.assert_array_equal(detections["fp"], fp)
    expected_classes = [-1] if fields.get("useCats", 1) == 0 else reference.params.catIds
    assert ours.category_ids.tolist() == list(expected_classes)
    assert ours.image_ids.tolist() == list(reference.params.imgIds)


@SETTINGS
@given(st.data())
def test_boxes_with_any_params_equal_pycocotools(data: st.DataObject) -> None:
    scene = data.draw(scenes())
    _check(scene, "bbox", data.draw(coco_fields(scene)))


@SETTINGS
@given(st.data())
def test_masks_with_any_params_equal_pycocotools(data: st.DataObject) -> None:
    scene = data.draw(scenes(masks=True))
    _check(scene, "segm", data.draw(coco_fields(scene)))


@SETTINGS
@given(st.data())
def test_class_agnostic_matching_equals_pycocotools(data: st.DataObject) -> None:
    """useCats=0 always, so every example matches across categories."""
    scene = data.draw(scenes())
    fields = data.draw(coco_fields(scene))
    fields["useCats"] = 0
    _check(scene, "bbox", fields)


def test_fewer_than_three_max_detections_give_minus_one_where_summarize_fails() -> None:
    """pycocotools' summarize reads maxDets[2] and fails with two; the arrays still agree
    and the stats that need maxDets[2] are -1 (as for a maxDets value not evaluated)."""
    scene = Scene(
        dataset={
            "images": [{"id": 1, "height": 24, "width": 24}],
            "annotations": [
                {
                    "id": 1,
                    "image_id": 1,
                    "category_id": 1,
                    "bbox": [1, 1, 8, 8],
                    "area": 64.0,
                    "iscrowd": 0,
                }
            ],
            "categories": [{"id": 1, "name": "c1"}],
        },
        results=[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 8, 8], "score": 0.9}],
    )
    fields = {"maxDets": [1, 10]}
    coco_gt = quiet_coco(scene.dataset)
    reference, _ = run_cocoeval_with(
        coco_gt, load_results(coco_gt, scene.results), "bbox", fields, summarize=False
    )
    with pytest.raises(IndexError):
        reference.summarize()
    ours = _ours(scene, "bbox", fields)
    np.testing.assert_array_equal(ours.precision, reference.eval["precision"])
    assert ours.stats.tolist() == [-1, -1, -1, -1, -1, -1, 1, 1, -1, -1, -1, -1]


def test_params_and_pycocotools_options_together_are_refused() -> None:
    gt = ground_truth_from_dict({"images": [{"id": 1}], "annotations": [], "categories": []})
    dt = detections_from_results(
        [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]
    )
    with pytest.raises(TypeError, match="either params= or the options maxDets"):
        evaluate(gt, dt, params=EvalParams(), maxDets=[1, 5, 50])
    # COCO's defaults spelled out are no conflict.
    evaluate(gt, dt, params=EvalParams(), maxDets=[1, 10, 100], useCats=True)


def test_dataset_evaluate_passes_the_options_on(demo: Any) -> None:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    fields: dict[str, Any] = {"maxDets": [1, 5, 50], "useCats": 0, "iouThrs": [0.6, 0.8]}
    ours = ds.evaluate("sim", **fields)
    assert ours.params == EvalParams.from_coco(**fields)
    assert ours.iou_threshold == 0.6  # the evaluated threshold closest to 0.5
    assert ours.classes["category_id"].tolist() == [-1]
    assert ours.classes["name"].tolist() == ["all categories"]
    coco_gt = quiet_coco(ds.to_dict())
    predictions = [dict(r) for r in _results(demo.predictions)]
    reference, printed = run_cocoeval_with(
        coco_gt, load_results(coco_gt, predictions), "bbox", fields
    )
    assert ours.stats.tolist() == list(reference.stats)
    assert ours.summary() == printed.rstrip("\n")


def _results(path: Any) -> list[dict[str, Any]]:
    import json

    loaded: list[dict[str, Any]] = json.loads(path.read_text())
    return loaded


@pytest.mark.parametrize(("cat_ids", "winner"), [(None, 2), ([1, 2], 2), ([2, 1], 1)])
def test_class_agnostic_score_ties_go_to_the_earlier_category(
    cat_ids: list[int] | None, winner: int
) -> None:
    """useCats=0: COCOeval concatenates an image's detections category by category (in
    catIds order), so of two detections tied on score the earlier category's claims the
    object, even when it comes later in the file."""
    box = [2.0, 2.0, 8.0, 8.0]
    scene = Scene(
        dataset={
            "images": [{"id": 1, "height": 24, "width": 24}],
            "annotations": [
                {"id": 7, "image_id": 1, "category_id": 1, "bbox": box, "area": 64.0, "iscrowd": 0}
            ],
            "categories": [{"id": 1, "name": "c1"}, {"id": 2, "name": "c2"}],
        },
        results=[
            {"image_id": 1, "category_id": 2, "bbox": box, "score": 0.5},  # id 1
            {"image_id": 1, "category_id": 1, "bbox": box, "score": 0.5},  # id 2
        ],
    )
    fields: dict[str, Any] = {"useCats": 0}
    if cat_ids is not None:
        fields["catIds"] = cat_ids
    _check(scene, "bbox", fields)
    tp = _ours(scene, "bbox", fields).detections["tp"][:, 0]
    assert tp.tolist() == [winner == 1, winner == 2]
