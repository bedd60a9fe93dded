"""The simulated detector makes the mistakes real detectors make."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from cocowidget.datasets.categories import CATEGORIES, SIMILAR

Coco = tuple[dict[str, Any], list[dict[str, Any]]]
SIMILAR_IDS = {
    CATEGORIES[i].id: {CATEGORIES[j].id for j in SIMILAR[i]} for i in range(len(CATEGORIES))
}


def _outcomes(coco: Coco) -> dict[str, list[dict[str, Any]]]:
    """Each detection classified against the ground truth of its image by box IoU."""
    dataset, detections = coco
    truths = defaultdict(list)
    for ann in dataset["annotations"]:
        if not ann["iscrowd"]:
            truths[ann["image_id"]].append(ann)
    outcome: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for det in detections:
        gts = truths[det["image_id"]]
        if not gts:
            outcome["background"].append(det)
            continue
        iou = mask_utils.iou([det["bbox"]], [g["bbox"] for g in gts], [0] * len(gts))[0]
        best = int(np.argmax(iou))
        gt = gts[best]
        if iou[best] < 0.1:
            outcome["background"].append(det)
        elif iou[best] < 0.5:
            outcome["poorly localised"].append(det)
        elif det["category_id"] == gt["category_id"]:
            outcome["true positive"].append(det)
        elif det["category_id"] in SIMILAR_IDS[gt["category_id"]]:
            outcome["look-alike class"].append(det)
        else:
            outcome["other class"].append(det)
    return outcome


def test_all_error_types_occur(coco_300: Coco) -> None:
    outcome = _outcomes(coco_300)
    for kind in ("true positive", "look-alike class", "background", "poorly localised"):
        assert len(outcome[kind]) >= 10, kind
    assert len(outcome["true positive"]) > len(outcome["look-alike class"]) * 4


def test_scores_track_correctness_with_overlap(coco_300: Coco) -> None:
    outcome = _outcomes(coco_300)
    tp = np.array([d["score"] for d in outcome["true positive"]])
    fp = np.array([d["score"] for d in outcome["background"]])
    assert np.median(tp) > np.median(fp) + 0.3
    assert (fp > np.percentile(tp, 10)).any(), "no confident false positive at all"
    assert min(tp.min(), fp.min()) >= 0.05 and max(tp.max(), fp.max()) <= 1.0


def test_about_1_2_detections_per_object(coco_300: Coco) -> None:
    dataset, detections = coco_300
    ratio = len(detections) / len(dataset["annotations"])
    assert 1.05 < ratio < 1.4


def test_small_objects_are_missed_more(coco_300: Coco) -> None:
    dataset, detections = coco_300
    found = set()
    by_image = defaultdict(list)
    for det in detections:
        by_image[det["image_id"]].append(det)
    for ann in dataset["annotations"]:
        dets = by_image[ann["image_id"]]
        if ann["iscrowd"] or not dets:
            continue
        iou = mask_utils.iou([d["bbox"] for d in dets], [ann["bbox"]], [0])[:, 0]
        if (iou >= 0.5).any():
            found.add(ann["id"])

    def recall(lo: float, hi: float) -> float:
        group = [
            a["id"] for a in dataset["annotations"] if not a["iscrowd"] and lo <= a["area"] < hi
        ]
        return sum(i in found for i in group) / len(group)

    assert recall(0, 16**2) < 0.5 < 0.85 < recall(96**2, 1e9)
    assert recall(0, 16**2) < recall(16**2, 32**2) < recall(32**2, 96**2)


def test_duplicates_exist(coco_300: Coco) -> None:
    """Two detections of one class on the same object, the second scoring lower."""
    _, detections = coco_300
    by_image = defaultdict(list)
    for det in detections:
        by_image[det["image_id"]].append(det)
    duplicates = 0
    for dets in by_image.values():
        boxes = [d["bbox"] for d in dets]
        iou = mask_utils.iou(boxes, boxes, [0] * len(boxes))
        for i in range(len(dets)):
            for j in range(i + 1, len(dets)):
                same = dets[i]["category_id"] == dets[j]["category_id"]
                duplicates += bool(same and iou[i, j] > 0.5)
    assert duplicates >= 10


def test_results_format(coco_300: Coco) -> None:
    dataset, detections = coco_300
    sizes = {img["id"]: [img["height"], img["width"]] for img in dataset["images"]}
    for det in detections[:500]:
        assert list(det) == ["image_id", "category_id", "bbox", "score", "segmentation"]
        assert det["segmentation"]["size"] == sizes[det["image_id"]]
        assert isinstance(det["segmentation"]["counts"], str)
        assert mask_utils.area(det["segmentation"]) > 0
    per_image = defaultdict(list)
    for det in detections:
        per_image[det["image_id"]].append(det["score"])
    for scores in per_image.values():
        assert scores == sorted(scores, reverse=True) and len(scores) <= 100
