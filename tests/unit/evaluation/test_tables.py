"""Tables on hand-made scenes where every answer is known."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cocowidget.evaluation import (
    DetectionOutcome,
    Detections,
    EvalParams,
    GroundTruth,
    GroundTruthStatus,
    compare_runs,
    detections_from_results,
    evaluate,
    ground_truth_from_dict,
)

from .reference import load_results, quiet_coco, run_cocoeval

CAT, DOG = 1, 2


def _dataset(annotations: list[dict[str, Any]], n_images: int = 1) -> dict[str, Any]:
    for i, ann in enumerate(annotations):
        ann.setdefault("id", i + 1)
        ann.setdefault("image_id", 1)
        ann.setdefault("iscrowd", 0)
        ann.setdefault("area", ann["bbox"][2] * ann["bbox"][3])
    return {
        "images": [
            {"id": i + 1, "file_name": f"{i + 1}.jpg", "height": 200, "width": 200}
            for i in range(n_images)
        ],
        "annotations": annotations,
        "categories": [{"id": CAT, "name": "cat"}, {"id": DOG, "name": "dog"}],
    }


def _result(category: int, box: list[float], score: float, image: int = 1) -> dict[str, Any]:
    return {"image_id": image, "category_id": category, "bbox": box, "score": score}


SCENE = _dataset(
    [
        {"category_id": CAT, "bbox": [0, 0, 10, 10]},  # id 1
        {"category_id": DOG, "bbox": [20, 0, 10, 10]},  # id 2
        {"category_id": CAT, "bbox": [40, 0, 20, 20], "iscrowd": 1},  # id 3
        {"category_id": DOG, "bbox": [100, 100, 10, 10]},  # id 4: nobody finds it
    ]
)
RESULTS = [
    _result(CAT, [0, 0, 10, 10], 0.9),  # true positive on 1
    _result(CAT, [0, 0, 10, 10], 0.8),  # duplicate of 1
    _result(CAT, [0, 0, 10, 4], 0.7),  # IoU .4 with 1: localisation
    _result(CAT, [20, 0, 10, 10], 0.6),  # exactly on the dog 2: confusion
    _result(CAT, [150, 150, 5, 5], 0.5),  # nothing near: background
    _result(CAT, [45, 5, 5, 5], 0.4),  # inside the crowd region 3: ignored
    _result(DOG, [20, 0, 10, 3], 0.3),  # IoU .3 with dog 2: localisation
    _result(DOG, [0, 0, 10, 3], 0.2),  # IoU .3 with cat 1 only: confusion (rule 4)
    _result(99, [0, 0, 10, 10], 0.95),  # category not in the ground truth
]


@pytest.fixture(scope="module")
def scene_eval() -> Any:
    return evaluate(ground_truth_from_dict(SCENE), detections_from_results(RESULTS), "bbox")


def test_false_positive_reasons(scene_eval: Any) -> None:
    outcome = scene_eval.detections["outcome"][:, 0]  # IoU .50
    o = DetectionOutcome
    assert outcome.tolist() == [
        o.TRUE_POSITIVE,
        o.DUPLICATE,
        o.LOCALISATION,
        o.CONFUSION,
        o.BACKGROUND,
        o.IGNORED,
        o.LOCALISATION,
        o.CONFUSION,
        o.NOT_EVALUATED,
    ]
    detections = scene_eval.detections
    assert detections["iou"][2] == pytest.approx(0.4)
    assert detections["best_gt_id"][2] == 1
    assert detections["confusion_gt_id"][3] == 2
    assert detections["confusion_category_id"][3] == DOG
    assert detections["matched_gt_id"][5, 0] == 3  # the crowd region absorbed it
    assert detections["matched_iou"][5, 0] == 1.0  # crowd IoU: intersection / detection
    assert detections["matched_iou"][0].tolist() == [1.0] * 10
    assert np.isnan(detections["matched_iou"][1]).all()
    assert not detections["evaluated"][8]


def test_reasons_move_with_the_iou_threshold(scene_eval: Any) -> None:
    # At .95 the exact copy is still a TP, the duplicate still a duplicate.
    outcome = scene_eval.detections["outcome"][:, -1]
    assert outcome[0] == DetectionOutcome.TRUE_POSITIVE
    assert outcome[1] == DetectionOutcome.DUPLICATE


def test_ground_truth_status(scene_eval: Any) -> None:
    table = scene_eval.ground_truth
    status = table["status"][:, 0]
    assert status.tolist() == [
        GroundTruthStatus.MATCHED,
        GroundTruthStatus.MISSED,
        GroundTruthStatus.IGNORED,
        GroundTruthStatus.MISSED,
    ]
    assert table["matched_dt_id"][0, 0] == 1
    assert table["matched_score"][0, 0] == 0.9
    assert table["matched_iou"][0, 0] == 1.0
    assert np.isnan(table["matched_iou"][1, 0])
    assert table["best_iou"][1] == pytest.approx(0.3)  # the dog's own poor detection
    assert table["best_dt_id"][1] == 7


def test_image_and_class_counts(scene_eval: Any) -> None:
    images = scene_eval.image_table(0.5, 0.0)
    assert images["tp"].tolist() == [1]
    assert images["fp"].tolist() == [6]
    assert images["fn"].tolist() == [2]
    assert images["n_gt"].tolist() == [3]
    assert images["n_ignored"].tolist() == [1]
    assert images["precision"][0] == pytest.approx(1 / 7)
    assert images["recall"][0] == pytest.approx(1 / 3)
    # Above .85 only the true positive remains.
    confident = scene_eval.image_counts(0.5, 0.85)
    assert (confident.tp[0], confident.fp[0], confident.fn[0]) == (1, 0, 2)
    classes = scene_eval.class_table(0.5, 0.0)
    assert classes["name"].tolist() == ["cat", "dog"]
    assert classes["tp"].tolist() == [1, 0]
    assert classes["fp"].tolist() == [4, 2]
    assert classes["fn"].tolist() == [0, 2]


def test_unevaluated_iou_threshold_is_refused(scene_eval: Any) -> None:
    with pytest.raises(ValueError, match="not evaluated"):
        scene_eval.image_counts(0.42, 0.0)


def test_confusion_matrix(scene_eval: Any) -> None:
    matrix = scene_eval.confusion_matrix(iou_threshold=0.5, score_threshold=0.0)
    counts = matrix.counts
    assert matrix.category_ids.tolist() == [CAT, DOG]
    # The exact cat copy takes cat 1; the cat label on the dog takes dog 2.
    assert counts[0, 0] == 1
    assert counts[1, 0] == 1
    # Background row: the duplicate, localisation, background cat boxes, both poor dogs.
    assert counts[2].tolist() == [3, 2, 0]
    # Missed column: dog 4.
    assert counts[:, 2].tolist() == [0, 1, 0]
    table = matrix.to_table()
    assert table["gt_category_id"].tolist() == [CAT, DOG, -1]


def test_compare_runs(scene_eval: Any) -> None:
    better = evaluate(
        ground_truth_from_dict(SCENE),
        detections_from_results([*RESULTS[:1], _result(DOG, [20, 0, 10, 10], 0.9)]),
        "bbox",
    )
    comparison = compare_runs(scene_eval, better, score_threshold=0.0)
    images = comparison.images
    assert images["fp_delta"].tolist() == [-6]
    assert images["tp_delta"].tolist() == [1]
    classes = comparison.classes
    assert classes["ap_b"][1] > classes["ap_a"][1]
    assert classes["ap_delta"][1] == pytest.approx(classes["ap_b"][1] - classes["ap_a"][1])
    np.testing.assert_allclose(comparison.stats_delta, better.stats - scene_eval.stats)


def test_annotation_id_zero_behaves_as_in_pycocotools() -> None:
    dataset = _dataset([{"id": 0, "category_id": CAT, "bbox": [0, 0, 10, 10]}])
    results = [_result(CAT, [0, 0, 10, 10], 0.9)]
    with pytest.warns(UserWarning, match="id 0"):
        ours = evaluate(ground_truth_from_dict(dataset), detections_from_results(results), "bbox")
    coco_gt = quiet_coco(dataset)
    reference = run_cocoeval(coco_gt, load_results(coco_gt, results), "bbox")
    assert ours.stats.tolist() == list(reference.stats)
    assert ours.stats[0] == 0.0  # pycocotools never credits a match to id 0


def test_no_detections_at_all() -> None:
    gt = ground_truth_from_dict(SCENE)
    empty = Detections(
        ids=[], image_id=[], category_id=[], score=[], bbox=np.zeros((0, 4)), area=[]
    )
    ev = evaluate(gt, empty, "bbox")
    assert ev.stats[0] == 0.0
    assert ev.images["fn"].tolist() == [3]
    assert len(ev.detections) == 0
    assert ev.confusion_matrix().counts[:, 2].tolist() == [1, 2, 0]


def test_no_ground_truth_at_all() -> None:
    gt = GroundTruth(
        image_ids=[1],
        category_ids=[CAT],
        ids=[],
        image_id=[],
        category_id=[],
        bbox=np.zeros((0, 4)),
        area=[],
        iscrowd=[],
    )
    ev = evaluate(gt, detections_from_results([_result(CAT, [0, 0, 5, 5], 0.5)]), "bbox")
    assert ev.stats.tolist() == [-1.0] * 12
    assert ev.detections["outcome"][0, 0] == DetectionOutcome.BACKGROUND
    assert np.isnan(ev.images["ap"][0])


def test_image_and_category_subsets() -> None:
    dataset = _dataset(
        [
            {"category_id": CAT, "bbox": [0, 0, 10, 10]},
            {"category_id": DOG, "bbox": [0, 0, 10, 10], "image_id": 2},
        ],
        n_images=2,
    )
    results = [_result(CAT, [0, 0, 10, 10], 0.9), _result(DOG, [0, 0, 10, 10], 0.9, image=2)]
    ours = evaluate(
        ground_truth_from_dict(dataset),
        detections_from_results(results),
        "bbox",
        params=EvalParams(image_ids=(2,), category_ids=(DOG,)),
    )
    coco_gt = quiet_coco(dataset)
    reference = run_cocoeval(
        coco_gt, load_results(coco_gt, results), "bbox", img_ids=[2], cat_ids=[DOG]
    )
    assert ours.stats.tolist() == list(reference.stats)
    assert ours.detections["evaluated"].tolist() == [False, True]
    assert ours.ground_truth["status"][:, 0].tolist() == [
        GroundTruthStatus.NOT_EVALUATED,
        GroundTruthStatus.MATCHED,
    ]


def test_results_with_boxes_and_masks_take_box_areas_like_load_res() -> None:
    from pycocotools import mask as mask_utils

    mask = np.zeros((200, 200), dtype=np.uint8, order="F")
    mask[0:10, 0:5] = 1
    rle = mask_utils.encode(mask)
    rle["counts"] = rle["counts"].decode("ascii")
    with_box = [{**_result(CAT, [0, 0, 10, 10], 0.9), "segmentation": rle}]
    mask_only = [{"image_id": 1, "category_id": CAT, "score": 0.9, "segmentation": rle}]
    coco_gt = quiet_coco(SCENE)
    for results in (with_box, mask_only):
        loaded = load_results(coco_gt, results).dataset["annotations"][0]
        ours = detections_from_results(results)
        assert ours.area.tolist() == [float(loaded["area"])]
        assert ours.bbox.tolist() == [list(map(float, loaded["bbox"]))]
    assert detections_from_results(with_box).area[0] == 100.0
    assert detections_from_results(mask_only).area[0] == 50.0


def test_unknown_iou_type_is_refused() -> None:
    with pytest.raises(ValueError, match="iou_type"):
        evaluate(ground_truth_from_dict(SCENE), detections_from_results(RESULTS), "keypoints")  # type: ignore[arg-type]
