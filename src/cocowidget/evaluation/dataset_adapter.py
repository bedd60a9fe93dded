"""Evaluate a :class:`~cocowidget.data.dataset.CocoData` run: ``ds.evaluate(run)``.

The dataset already holds what the engine needs as columns, completed as pycocotools'
``loadRes`` completes results (ids, areas, boxes), and grouped by image with a stable
sort, so each image's objects keep their file order: the order COCOeval breaks score
ties in. Segmentations are read only for ``iou_type="segm"``; an object whose
segmentation is missing or unreadable is evaluated as its box's polygon (what loadRes
gives a box result without a mask). Keypoints (``iou_type="keypoints"``) are the
``keypoints`` columns (:mod:`cocowidget.data.keypoints`); by default only the categories
with keypoints are evaluated (COCOeval fails on any other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cocowidget._arguments import checked_keywords
from cocowidget._warnings import warn
from cocowidget.evaluation.detections_table import BACKGROUND_IOU
from cocowidget.evaluation.engine import evaluate, paused_gc
from cocowidget.evaluation.inputs import Detections, GroundTruth, box_polygon
from cocowidget.evaluation.mask_pairs import start_worker
from cocowidget.evaluation.origin import RunOrigin
from cocowidget.evaluation.params import EvalParams, IouType
from cocowidget.evaluation.result import Evaluation
from cocowidget.progress import stages

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.data.table import Table


def _segmentations(
    ds: CocoData, objects: Table, run: str | None, without: list[str] | None = None
) -> list[Any]:
    """Segmentations aligned with ``objects`` rows (as read; a box polygon where absent).
    Rows of unknown images belong to no image and stay ``None``: they are not evaluated.
    ``without`` collects how many evaluated objects had none (for the warning)."""
    values = ds.segmentations(run)
    boxes = objects["bbox"]
    in_image = objects["image_index"] >= 0
    absent = in_image & np.fromiter((v is None for v in values), bool, len(values))
    if without is not None and absent.any():
        noun = "annotations of the ground truth" if run is None else f"detections of {run!r}"
        without.append(f"{int(absent.sum()):,} of {int(in_image.sum()):,} {noun}")
    for row in np.flatnonzero(absent):
        values[row] = box_polygon(boxes[row].tolist())
    for row in np.flatnonzero(~in_image):
        values[row] = None
    return values


def _keypoints(table: Table, noun: str) -> np.ndarray:
    if "keypoints" not in table:
        raise ValueError(
            f"iou_type='keypoints': the {noun} have no keypoints (COCO's 'keypoints' field)"
        )
    return table["keypoints"]


@checked_keywords
def ground_truth_from_dataset(
    ds: CocoData,
    *,
    with_masks: bool = False,
    without_masks: list[str] | None = None,
    with_keypoints: bool = False,
) -> GroundTruth:
    """The dataset's annotations as engine input (masks only if ``with_masks``; those
    without one are counted into ``without_masks``; keypoints if ``with_keypoints``)."""
    annotations, images, categories = ds.annotations, ds.images, ds.categories
    keypoints = _keypoints(annotations, "annotations") if with_keypoints else None
    return GroundTruth(
        image_ids=images["id"],
        image_height=images["height"],
        image_width=images["width"],
        category_ids=categories["id"],
        category_names=[str(name) for name in categories["name"].tolist()],
        ids=annotations["id"],
        image_id=annotations["image_id"],
        category_id=annotations["category_id"],
        bbox=annotations["bbox"],
        area=annotations["area"],
        iscrowd=annotations["iscrowd"] != 0,
        segmentation=_segmentations(ds, annotations, None, without_masks) if with_masks else None,
        keypoints=keypoints,
        num_keypoints=annotations["num_keypoints"] if keypoints is not None else None,
    )


@checked_keywords
def detections_from_dataset(
    ds: CocoData,
    run: str,
    *,
    with_masks: bool = False,
    without_masks: list[str] | None = None,
    with_keypoints: bool = False,
) -> Detections:
    """One prediction run of the dataset as engine input."""
    table = ds.predictions[run]
    keypoints = _keypoints(table, f"detections of {run!r}") if with_keypoints else None
    return Detections(
        ids=table["id"],
        image_id=table["image_id"],
        category_id=table["category_id"],
        score=table["score"],
        bbox=table["bbox"],
        area=table["area"],
        segmentation=_segmentations(ds, table, run, without_masks) if with_masks else None,
        keypoints=keypoints,
    )


@checked_keywords
def evaluate_dataset(
    ds: CocoData,
    run: str,
    iou_type: IouType = "bbox",
    *,
    iouThrs: Sequence[float] | None = None,  # noqa: N803 (pycocotools' Params names)
    recThrs: Sequence[float] | None = None,  # noqa: N803
    maxDets: Sequence[int] | None = None,  # noqa: N803
    areaRng: Sequence[Sequence[float]] | None = None,  # noqa: N803
    areaRngLbl: Sequence[str] | None = None,  # noqa: N803
    useCats: bool | int = 1,  # noqa: N803
    imgIds: Sequence[int] | None = None,  # noqa: N803
    catIds: Sequence[int] | None = None,  # noqa: N803
    kpt_oks_sigmas: Sequence[float] | None = None,
    params: EvalParams | None = None,
    iou_threshold: float | None = None,
    score_threshold: float = 0.5,
    background_iou: float = BACKGROUND_IOU,
) -> Evaluation:
    """Evaluate prediction run ``run`` of ``ds``; the options are :func:`evaluate`'s.

    Per-detection and per-ground-truth tables are row-aligned with
    ``ds.predictions[run]`` and ``ds.annotations``.
    """
    masks = iou_type == "segm"
    keypoints = iou_type == "keypoints"
    if masks:
        start_worker()  # it starts while the inputs are gathered
    _warn_duplicate_ids(ds)
    categories = catIds
    if keypoints and catIds is None and params is None:
        categories = keypoint_categories(ds)
    without: list[str] = []
    with stages(f"Evaluating {run} ({iou_type})", ("gathering", "matching")) as stage:
        stage("gathering")
        with paused_gc():
            gt = ground_truth_from_dataset(
                ds, with_masks=masks, without_masks=without, with_keypoints=keypoints
            )
            dt = detections_from_dataset(
                ds, run, with_masks=masks, without_masks=without, with_keypoints=keypoints
            )
        warn_without_masks(without)
        if keypoints:
            _warn_without_keypoints(dt, run)
        stage("matching")
        with paused_gc():
            evaluation = evaluate(
                gt,
                dt,
                iou_type,
                iouThrs=iouThrs,
                recThrs=recThrs,
                maxDets=maxDets,
                areaRng=areaRng,
                areaRngLbl=areaRngLbl,
                useCats=useCats,
                imgIds=imgIds,
                catIds=categories,
                kpt_oks_sigmas=kpt_oks_sigmas,
                params=params,
                iou_threshold=iou_threshold,
                score_threshold=score_threshold,
                background_iou=background_iou,
            )
    evaluation.origin = RunOrigin(ds.runs, run, ds)
    return evaluation


def keypoint_categories(ds: CocoData) -> list[int]:
    """The categories a keypoint evaluation covers by default: those that name joints,
    or whose annotations carry keypoints (COCOeval's would fail on any other)."""
    categories = ds.categories
    if "num_joints" not in categories:
        raise ValueError(
            "iou_type='keypoints': the dataset has no keypoints (no category names joints "
            "and no annotation has a 'keypoints' field)"
        )
    return [int(i) for i in categories["id"][categories["num_joints"] > 0].tolist()]


def _warn_without_keypoints(dt: Detections, run: str) -> None:
    assert dt.keypoints is not None
    missing = int(np.isnan(dt.keypoints).all(axis=(1, 2)).sum()) if len(dt) else 0
    if missing:
        warn(
            f"iou_type='keypoints': {missing:,} of {len(dt):,} detections of {run!r} have no "
            "usable keypoints; they match nothing (OKS 0)"
        )


def warn_without_masks(missing: list[str]) -> None:
    """A mask evaluation of objects without masks is a box evaluation in disguise."""
    if missing:
        warn(
            f"iou_type='segm': {' and '.join(missing)} have no usable segmentation; they "
            "are evaluated as their box's polygon (as loadRes does for box results; "
            "pycocotools fails on ground truth without one), so these numbers are partly "
            "or wholly the bbox evaluation's"
        )


def _warn_duplicate_ids(ds: CocoData) -> None:
    from cocowidget.data.dataset_checks import duplicate_annotation_ids_message

    message = duplicate_annotation_ids_message(ds.annotations["id"], ds.source_name)
    if message is not None:
        warn(message)


def run_name(ds: CocoData, evaluation: Evaluation) -> str:
    """The name in ``ds`` of the prediction run an evaluation was made of.

    An evaluation made by ``ds.evaluate(run)`` knows its run (``evaluation.origin``):
    its name now (after any rename), or a ``ValueError`` if the run was removed or
    replaced, or belongs to another dataset (a subset has runs of its own).

    Only an evaluation made outside a dataset (``cocowidget.evaluation.evaluate`` on
    detections handed in directly) has no origin: it is of the one run whose detections
    (ids, images, classes and scores, in table order) it holds, found by comparing
    arrays; none or several such runs is a ``ValueError`` (name the runs yourself).
    """
    if evaluation.origin is not None:
        return evaluation.origin.name_in(ds.runs)
    names = [name for name, table in ds.predictions.items() if _holds(table, evaluation)]
    if len(names) != 1:
        problem = "matches no prediction run" if not names else f"matches the runs {names}"
        raise ValueError(f"the evaluation {problem} of the dataset; name the runs explicitly")
    return names[0]


def _holds(run: Table, evaluation: Evaluation) -> bool:
    detections = evaluation.detections
    return (
        len(run) == len(detections)
        and all(
            np.array_equal(run[column], detections[column])
            for column in ("id", "image_id", "category_id")
        )
        and np.array_equal(run["score"], detections["score"], equal_nan=True)
    )
