"""Engine inputs from pycocotools-style data: ``COCO`` objects or COCO-format dicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cocowidget._arguments import checked_keywords
from cocowidget.evaluation.inputs import Detections, GroundTruth, keypoint_array


@checked_keywords
def ground_truth_from_dict(dataset: Mapping[str, Any]) -> GroundTruth:
    """Ground truth from a COCO-format dict (``images``, ``annotations``, ``categories``)."""
    images = dataset.get("images", [])
    annotations = dataset.get("annotations", [])
    categories = dataset.get("categories", [])
    n = len(annotations)
    keypoints = num_keypoints = None
    if any("keypoints" in a for a in annotations):
        keypoints = keypoint_array([a.get("keypoints") for a in annotations], n)
        num_keypoints = np.array([a.get("num_keypoints", -1) for a in annotations], np.int64)
    return GroundTruth(
        image_ids=np.array([img["id"] for img in images], dtype=np.int64),
        image_height=np.array([img.get("height", 0) for img in images], dtype=np.int64),
        image_width=np.array([img.get("width", 0) for img in images], dtype=np.int64),
        category_ids=np.array([cat["id"] for cat in categories], dtype=np.int64),
        ids=np.array([a["id"] for a in annotations], dtype=np.int64),
        image_id=np.array([a["image_id"] for a in annotations], dtype=np.int64),
        category_id=np.array([a["category_id"] for a in annotations], dtype=np.int64),
        bbox=np.array([a["bbox"] for a in annotations], dtype=np.float64).reshape(n, 4),
        area=np.array([a["area"] for a in annotations], dtype=np.float64),
        iscrowd=np.array([bool(a.get("iscrowd", 0)) for a in annotations], dtype=bool),
        segmentation=[a.get("segmentation") for a in annotations],
        category_names=[str(cat.get("name", cat["id"])) for cat in categories],
        keypoints=keypoints,
        num_keypoints=num_keypoints,
    )


@checked_keywords
def ground_truth_from_coco(coco: Any) -> GroundTruth:
    """Ground truth from a ``pycocotools.coco.COCO`` object."""
    return ground_truth_from_dict(coco.dataset)


@checked_keywords
def detections_from_coco(coco_dt: Any) -> Detections:
    """Detections from the ``COCO`` object that ``COCO.loadRes`` returns (its ids, areas
    and boxes are already completed)."""
    anns = coco_dt.dataset.get("annotations", [])
    n = len(anns)
    return Detections(
        ids=np.array([a["id"] for a in anns], dtype=np.int64),
        image_id=np.array([a["image_id"] for a in anns], dtype=np.int64),
        category_id=np.array([a["category_id"] for a in anns], dtype=np.int64),
        score=np.array([a["score"] for a in anns], dtype=np.float64),
        bbox=np.array([list(a["bbox"]) for a in anns], dtype=np.float64).reshape(n, 4),
        area=np.array([a["area"] for a in anns], dtype=np.float64),
        segmentation=[a.get("segmentation") for a in anns],
        keypoints=keypoint_array([a.get("keypoints") for a in anns], n)
        if any("keypoints" in a for a in anns)
        else None,
    )


@checked_keywords
def detections_from_results(results: Sequence[Mapping[str, Any]]) -> Detections:
    """Detections from a COCO results list, completed as ``COCO.loadRes`` does.

    Like loadRes, the first result decides: if it has a non-empty ``bbox`` all results are
    read as boxes (area ``w * h``), otherwise, with a ``segmentation``, as compressed-RLE
    masks, otherwise as keypoints (box and area of their extent). Keypoints are kept
    whatever the branch, for ``iou_type="keypoints"``.
    """
    image_id = [r["image_id"] for r in results]
    category_id = [r["category_id"] for r in results]
    score = [r["score"] for r in results]
    has_boxes = bool(results) and bool(results[0].get("bbox"))
    segmentation = None
    if any("segmentation" in r for r in results):
        segmentation = [r.get("segmentation") for r in results]
    keypoints = None
    if any("keypoints" in r for r in results):
        keypoints = [r.get("keypoints") for r in results]
    if has_boxes:
        return Detections.from_results(
            image_id,
            category_id,
            score,
            bbox=[r["bbox"] for r in results],
            segmentation=segmentation,
            keypoints=keypoints,
        )
    if results and "segmentation" not in results[0]:
        segmentation = None  # loadRes' keypoint branch: it never reads a mask
    return Detections.from_results(
        image_id, category_id, score, segmentation=segmentation, keypoints=keypoints
    )
