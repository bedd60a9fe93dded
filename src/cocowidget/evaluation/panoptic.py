"""Panoptic quality (PQ, SQ, RQ) exactly as panopticapi's ``pq_compute`` computes it.

Per image, both PNGs are decoded once and every (ground-truth id, predicted id) pair is
counted from the runs of the two id maps (row-major, so a few thousand runs stand for
the image's pixels). Matching then follows ``pq_compute_single_core`` step by step,
quirks included:

- VOID is id 0; a ground-truth pixel of an id that ``segments_info`` does not list is
  neither void nor a segment;
- IoU = I / (|pred| + |gt| - I - |pred ∩ void|), with the ground truth's area *as the
  JSON gives it* and the prediction's from its PNG; a match needs IoU > 0.5 and the same
  category; crowd segments (``iscrowd == 1``) are never matched;
- an unmatched ground-truth segment is a FN unless it is a crowd (the last crowd segment
  of a category is the one predictions are checked against);
- an unmatched prediction is a FP unless more than half of it is void or that category's
  crowd region;
- a segment id listed twice in an image counts once, with the last listing's values.

Where panopticapi stops with an error (an image without prediction, a predicted segment
missing from its PNG, a PNG id the JSON does not list), this evaluates what can be
evaluated and says what it left out (:attr:`PanopticEvaluation.notes`): an image without
prediction is predicted all void, unreadable PNGs leave their image out.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation.panoptic_result import (
    GT_STATUS,
    PRED_STATUS,
    ClassStats,
    ImageResult,
    PanopticEvaluation,
    build_evaluation,
    image_offsets,
)
from cocowidget.formats.panoptic_png import VOID, IdMap, PngTrouble, read_ids
from cocowidget.progress import run_in_parallel

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

THREADS = 2
_ID_BITS = np.uint64(24)
_ID_MASK = np.uint64(0xFFFFFF)


@dataclass(frozen=True)
class Segments:
    """One image's segments of one side: table rows and what matching reads."""

    rows: np.ndarray
    ids: np.ndarray
    category_ids: np.ndarray
    iscrowd: np.ndarray  # ground truth only (zeros for predictions)
    areas: np.ndarray  # ground truth: the file's area (predictions: unused)


@dataclass(frozen=True)
class ImageTask:
    image_row: int
    gt_png: Path
    pred_png: Path | None
    gt: Segments
    pred: Segments


def pair_counts(gt: IdMap, pred: IdMap) -> dict[tuple[int, int], int]:
    """Pixels of every (gt id, predicted id) pair, in increasing (gt, pred) order (the
    order of panopticapi's ``np.unique`` over ``gt * 2**24 + pred``)."""
    g, p = gt.ravel(), pred.ravel()
    change = np.flatnonzero((g[1:] != g[:-1]) | (p[1:] != p[:-1])) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [g.size])))
    keys = (g[starts].astype(np.uint64) << _ID_BITS) | p[starts].astype(np.uint64)
    unique, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=lengths, minlength=len(unique))
    labels = zip((unique >> _ID_BITS).tolist(), (unique & _ID_MASK).tolist(), strict=True)
    return dict(zip(labels, counts.astype(np.int64).tolist(), strict=True))


def _last_of_each(segments: Segments) -> dict[int, int]:
    """Segment id -> position of its last listing, in order of first listing (a dict
    comprehension over segments_info, as panopticapi builds it)."""
    positions: dict[int, int] = {}
    for position, segment_id in enumerate(segments.ids.tolist()):
        positions[segment_id] = position
    return positions


def match_image(task: ImageTask, gt_ids: IdMap, pred_ids: IdMap) -> ImageResult:
    """pq_compute_single_core for one image, with per-row outcomes."""
    gt, pred = task.gt, task.pred
    result = ImageResult(
        task.image_row,
        gt_status=np.full(len(gt.rows), GT_STATUS["shadowed"], np.int8),
        gt_iou=np.full(len(gt.rows), np.nan),
        pred_status=np.full(len(pred.rows), PRED_STATUS["shadowed"], np.int8),
        pred_iou=np.full(len(pred.rows), np.nan),
    )
    gt_segms = _last_of_each(gt)
    pred_segms = _last_of_each(pred)
    pairs = pair_counts(gt_ids, pred_ids)
    pred_area: dict[int, int] = {}
    for (_, pred_label), count in pairs.items():
        pred_area[pred_label] = pred_area.get(pred_label, 0) + count
    # A listed prediction the PNG lacks (panopticapi: KeyError) is left out.
    absent = [label for label in pred_segms if label not in pred_area]
    for label in absent:
        result.pred_status[pred_segms.pop(label)] = PRED_STATUS["not_in_png"]
    stats = result.stats
    gt_cat = gt.category_ids.tolist()
    pred_cat = pred.category_ids.tolist()
    crowd = gt.iscrowd.tolist()
    gt_areas = gt.areas.tolist()
    gt_matched: set[int] = set()
    pred_matched: set[int] = set()
    with np.errstate(divide="ignore", invalid="ignore"):
        for (gt_label, pred_label), intersection in pairs.items():
            g = gt_segms.get(gt_label)
            p = pred_segms.get(pred_label)
            if g is None or p is None or crowd[g] == 1 or gt_cat[g] != pred_cat[p]:
                continue
            union = (
                np.float64(pred_area[pred_label])
                + np.float64(gt_areas[g])
                - intersection
                - pairs.get((VOID, pred_label), 0)
            )
            iou = float(np.float64(intersection) / union)
            if iou > 0.5:
                category = stats.setdefault(gt_cat[g], ClassStats())
                category.tp += 1
                category.iou += iou
                gt_matched.add(gt_label)
                pred_matched.add(pred_label)
                result.gt_status[g] = GT_STATUS["matched"]
                result.gt_iou[g] = iou
                result.pred_status[p] = PRED_STATUS["tp"]
                result.pred_iou[p] = iou
    crowd_labels: dict[int, int] = {}
    for gt_label, g in gt_segms.items():
        if gt_label in gt_matched:
            continue
        if crowd[g] == 1:
            crowd_labels[gt_cat[g]] = gt_label
            result.gt_status[g] = GT_STATUS["crowd"]
            continue
        stats.setdefault(gt_cat[g], ClassStats()).fn += 1
        result.gt_status[g] = GT_STATUS["missed"]
    for pred_label, p in pred_segms.items():
        if pred_label in pred_matched:
            continue
        intersection = pairs.get((VOID, pred_label), 0)
        if pred_cat[p] in crowd_labels:
            intersection += pairs.get((crowd_labels[pred_cat[p]], pred_label), 0)
        if intersection / pred_area[pred_label] > 0.5:
            result.pred_status[p] = PRED_STATUS["ignored"]
            continue
        stats.setdefault(pred_cat[p], ClassStats()).fp += 1
        result.pred_status[p] = PRED_STATUS["fp"]
    return result


def evaluate_task(task: ImageTask) -> ImageResult:
    """Decode the image's PNGs and match them; an unreadable PNG leaves it out."""
    gt_read = read_ids(task.gt_png)
    if isinstance(gt_read, PngTrouble):
        return _left_out(task, f"ground truth: {gt_read.reason}")
    note = None
    if task.pred_png is None:
        pred_ids = np.zeros_like(gt_read.ids)
        note = "no prediction: evaluated as all void"
    else:
        pred_read = read_ids(task.pred_png)
        if isinstance(pred_read, PngTrouble):
            return _left_out(task, f"prediction: {pred_read.reason}")
        pred_ids = pred_read.ids
        if pred_ids.shape != gt_read.ids.shape:
            return _left_out(task, "the predicted PNG's size differs from the ground truth's")
    result = match_image(task, gt_read.ids, pred_ids)
    result.note = note
    return result


def _left_out(task: ImageTask, note: str) -> ImageResult:
    return ImageResult(
        task.image_row,
        note,
        evaluated=False,
        gt_status=np.full(len(task.gt.rows), GT_STATUS["not_evaluated"], np.int8),
        gt_iou=np.full(len(task.gt.rows), np.nan),
        pred_status=np.full(len(task.pred.rows), PRED_STATUS["not_evaluated"], np.int8),
        pred_iou=np.full(len(task.pred.rows), np.nan),
    )


def tasks_of(ds: CocoData, run: str) -> list[ImageTask]:
    """One task per image with a ground-truth PNG, in image order."""
    images = ds.images
    if "panoptic_png" not in images or "isthing" not in ds.categories:
        raise ValueError(
            "iou_type='panoptic' needs panoptic ground truth: load it with "
            "CocoDataset.from_coco_panoptic(json, png_dir, image_dir=...)"
        )
    record = ds.runs[run]
    if record.kind != "panoptic":
        raise ValueError(
            f"run {run!r} holds {record.kind}, not panoptic segments: add them with "
            "ds.add_panoptic_predictions(json, png_dir, name=...)"
        )
    pred_pngs: dict[int, str] = record.parameters.get("png_files", {})
    annotations, predictions = ds.annotations, record.objects.table
    gt_offsets = image_offsets(annotations, len(images))
    pred_offsets = image_offsets(predictions, len(images))
    tasks = []
    for row, (image_id, png) in enumerate(
        zip(images["id"].tolist(), images["panoptic_png"].tolist(), strict=True)
    ):
        if png is None:
            continue
        pred_png = pred_pngs.get(image_id)
        tasks.append(
            ImageTask(
                row,
                Path(png),
                Path(pred_png) if pred_png is not None else None,
                _segments(annotations, np.arange(gt_offsets[row], gt_offsets[row + 1]), True),
                _segments(predictions, np.arange(pred_offsets[row], pred_offsets[row + 1]), False),
            )
        )
    return tasks


def _segments(table: Table, rows: np.ndarray, ground_truth: bool) -> Segments:
    return Segments(
        rows,
        table["segment_id"][rows],
        table["category_id"][rows],
        table["iscrowd"][rows] if ground_truth else np.zeros(len(rows), np.int8),
        table["area"][rows] if ground_truth else np.zeros(len(rows)),
    )


def evaluate_panoptic(ds: CocoData, run: str, *, threads: int = THREADS) -> PanopticEvaluation:
    """PQ of run ``run`` against the dataset's panoptic ground truth."""
    tasks = tasks_of(ds, run)
    results = _run_all(tasks, threads)
    return build_evaluation(ds, run, results)


def _run_all(tasks: Sequence[ImageTask], threads: int) -> list[ImageResult]:
    def batch(part: list[ImageTask]) -> list[ImageResult]:
        return [evaluate_task(task) for task in part]

    if threads <= 1 or len(tasks) < 8:
        return batch(list(tasks))
    with ThreadPoolExecutor(threads, thread_name_prefix="cocowidget-pq") as executor:
        return run_in_parallel(batch, tasks, executor, "Panoptic quality", batch=16)
