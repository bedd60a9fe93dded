"""The tables of an augmentation check, built from the workers' draw outcomes.

One row per annotation per draw (:func:`label_table`), one per image per draw
(:func:`image_table`), one per box returned (:func:`box_table`), one per problem
(:func:`problem_table`). Status and flags are decided here, vectorised over all draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cocowidget.analysis.augment_labels import CLIP_TOLERANCE, mirrored_unlabelled
from cocowidget.analysis.augment_run import DrawOutcome, ImageJob
from cocowidget.data.table import Table

#: What became of a label in a draw.
STATUSES = ("kept", "clipped", "dropped", "failed")

#: Within this many pixels of the frame, a box touches it (callables: the clip heuristic).
BORDER_TOLERANCE = 0.5


def _touches_border(boxes: np.ndarray, height: np.ndarray, width: np.ndarray) -> np.ndarray:
    x, y, w, h = boxes.T
    with np.errstate(invalid="ignore"):
        touches: np.ndarray = (
            (x <= BORDER_TOLERANCE)
            | (y <= BORDER_TOLERANCE)
            | (x + w >= width - BORDER_TOLERANCE)
            | (y + h >= height - BORDER_TOLERANCE)
        )
    return touches


def label_table(
    jobs: Sequence[ImageJob],
    outcomes: Sequence[Sequence[DrawOutcome]],
    annotation_ids: Sequence[np.ndarray],
    min_size: float,
) -> Table:
    """One row per annotation per draw, images in ``jobs`` order, draws in order."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in _LABEL_PARTS}
    for job, draws, ids in zip(jobs, outcomes, annotation_ids, strict=True):
        count = len(job.boxes)
        for outcome in draws:
            _append_draw(parts, job, outcome, ids, count)
    columns = {
        name: np.concatenate(values) if values else _empty(name) for name, values in parts.items()
    }
    return _finish_labels(columns, min_size)


_LABEL_PARTS = (
    "image_id",
    "annotation_id",
    "category_id",
    "draw",
    "failed",
    "bbox_before",
    "bbox_after",
    "copies",
    "visible_fraction",
    "mirrored",
    "drop_reason",
    "mask_pixels",
    "unlabelled_pixels",
    "box_mask_ratio",
    "height_after",
    "width_after",
    "touched_before",
    "keypoints_before",
    "keypoints_after",
)


def _empty(name: str) -> np.ndarray:
    if name in ("bbox_before", "bbox_after"):
        return np.zeros((0, 4))
    if name == "drop_reason":
        return np.zeros(0, dtype=object)
    if name in ("failed", "touched_before"):
        return np.zeros(0, dtype=bool)
    if name in ("image_id", "annotation_id", "category_id", "draw"):
        return np.zeros(0, dtype=np.int64)
    return np.zeros(0)


def _append_draw(
    parts: dict[str, list[np.ndarray]],
    job: ImageJob,
    outcome: DrawOutcome,
    ids: np.ndarray,
    count: int,
) -> None:
    def add(name: str, values: np.ndarray) -> None:
        parts[name].append(values)

    nan = np.full(count, np.nan)
    add("image_id", np.full(count, job.image_id, dtype=np.int64))
    add("annotation_id", ids)
    add("category_id", job.category_ids)
    add("draw", np.full(count, outcome.draw, dtype=np.int64))
    add("bbox_before", job.boxes)
    add(
        "touched_before",
        _touches_border(job.boxes, np.full(count, job.height), np.full(count, job.width)),
    )
    height, width = outcome.size_after
    add("height_after", np.full(count, height, dtype=np.float64))
    add("width_after", np.full(count, width, dtype=np.float64))
    add("keypoints_before", _labelled_joints(job, count))
    add("keypoints_after", _returned_joints(job, outcome, count))
    labels = outcome.labels
    add("failed", np.full(count, labels is None))
    if labels is None:
        for name in ("copies", "visible_fraction", "mirrored", "mask_pixels"):
            add(name, nan)
        add("unlabelled_pixels", nan)
        add("box_mask_ratio", nan)
        add("bbox_after", np.full((count, 4), np.nan))
        add("drop_reason", np.full(count, "", dtype=object))
        return
    add("bbox_after", labels.boxes)
    add("copies", labels.copies.astype(np.float64))
    add("mask_pixels", labels.mask_pixels)
    add("unlabelled_pixels", labels.unlabelled_pixels)
    add("box_mask_ratio", labels.box_mask_ratio)
    returned = np.isfinite(labels.boxes).all(axis=1)
    reasons = np.full(count, "", dtype=object)
    if outcome.steps is None:
        add("visible_fraction", nan)
        add("mirrored", np.zeros(count))
        reasons[~returned] = "not returned"
    else:
        add("visible_fraction", outcome.steps.visible)
        add("mirrored", outcome.steps.mirrored.astype(np.float64))
        reasons[~returned] = outcome.steps.reasons[~returned]
        reasons[~returned & (reasons == "")] = "not returned"
    add("drop_reason", reasons)


def _labelled_joints(job: ImageJob, count: int) -> np.ndarray:
    """Per annotation, its labelled joints (``v > 0``); NaN without keypoints."""
    if job.keypoints is None or not job.keypoints.size:
        return np.full(count, np.nan)
    labelled = np.isfinite(job.keypoints).all(axis=2) & (job.keypoints[:, :, 2] > 0)
    counts: np.ndarray = labelled.sum(axis=1).astype(np.float64)
    return counts


def _returned_joints(job: ImageJob, outcome: DrawOutcome, count: int) -> np.ndarray:
    """Per annotation, how many of its joints the transform returned; NaN where they were
    not followed (a callable, a Compose without keypoint_params, a failed draw)."""
    if job.keypoints is None or outcome.keypoint_index is None or outcome.labels is None:
        return np.full(count, np.nan)
    joints = max(job.keypoints.shape[1], 1)
    return np.bincount(outcome.keypoint_index // joints, minlength=count)[:count].astype(np.float64)


def _finish_labels(columns: dict[str, np.ndarray], min_size: float) -> Table:
    before, after = columns["bbox_before"], columns["bbox_after"]
    failed = columns["failed"]
    returned = np.isfinite(after).all(axis=1)
    height, width = columns["height_after"], columns["width_after"]
    visible = columns["visible_fraction"]
    followed = np.isfinite(visible)  # Albumentations told how much stayed in view
    with np.errstate(invalid="ignore"):
        clipped_by_filter = followed & (visible < 1.0 - CLIP_TOLERANCE)
    clipped_by_border = (
        ~followed & _touches_border(after, height, width) & ~columns["touched_before"]
    )
    clipped = returned & np.where(followed, clipped_by_filter, clipped_by_border)
    status = np.full(len(failed), "kept", dtype=object)
    status[clipped] = "clipped"
    status[~returned] = "dropped"
    status[failed] = "failed"

    x, y, w, h = after.T
    with np.errstate(invalid="ignore"):
        outside = (x >= width) | (y >= height) | (x + w <= 0) | (y + h <= 0)
        degenerate = returned & ((w <= 0) | (h <= 0) | outside)
        shorter_after = np.minimum(w, h)
        shorter_before = np.minimum(before[:, 2], before[:, 3])
        shrunk = returned & ~degenerate & (shorter_after < min_size)
        small_before = ~failed & (shorter_before < min_size)
    mirrored = columns["mirrored"]
    unlabelled = columns["unlabelled_pixels"]
    copy_seen = mirrored_unlabelled(columns["mask_pixels"], unlabelled)
    # A dropped label's pixels outside every box are its own remains, unless a reflect
    # step copied it (then the copy is what shows).
    reflected = ~failed & copy_seen & ((status != "dropped") | (mirrored > 0))

    return Table(
        {
            "image_id": columns["image_id"],
            "annotation_id": columns["annotation_id"],
            "category_id": columns["category_id"],
            "draw": columns["draw"],
            "status": status,
            "drop_reason": columns["drop_reason"],
            "bbox_before": before,
            "bbox_after": after,
            "area_before": before[:, 2] * before[:, 3],
            "area_after": np.where(returned, w * h, np.nan),
            "visible_fraction": visible,
            "small_before": small_before,
            "shrunk": shrunk,
            "degenerate": degenerate,
            "copies": columns["copies"],
            "mirrored": mirrored,
            "mask_pixels": columns["mask_pixels"],
            "unlabelled_pixels": unlabelled,
            "reflected_unlabelled": reflected,
            "box_mask_ratio": columns["box_mask_ratio"],
            "keypoints_before": columns["keypoints_before"],
            "keypoints_after": columns["keypoints_after"],
            "keypoints_lost": columns["keypoints_before"] - columns["keypoints_after"],
        }
    )


def image_table(
    jobs: Sequence[ImageJob], outcomes: Sequence[Sequence[DrawOutcome]], labels: Table
) -> Table:
    """One row per image per draw: sizes, counts of the label table, classes lost."""
    rows = [(job, outcome) for job, draws in zip(jobs, outcomes, strict=True) for outcome in draws]
    counts = np.array([len(job.boxes) for job, _ in rows], dtype=np.int64)
    group = np.repeat(np.arange(len(rows)), counts)
    status = labels["status"]

    def per_image(mask: np.ndarray) -> np.ndarray:
        return np.bincount(group[mask], minlength=len(rows)).astype(np.int64)

    lost: list[tuple[int, ...]] = []
    start = 0
    for (_, outcome), count in zip(rows, counts, strict=True):
        part = slice(start, start + count)
        start += count
        categories = labels["category_id"][part]
        if outcome.labels is None:
            lost.append(())
            continue
        kept = np.isin(status[part], ("kept", "clipped"))
        lost.append(tuple(sorted(set(categories.tolist()) - set(categories[kept].tolist()))))
    lost_ids = np.empty(len(rows), dtype=object)
    lost_ids[:] = lost
    return Table(
        {
            "image_id": np.array([job.image_id for job, _ in rows], dtype=np.int64),
            "draw": np.array([o.draw for _, o in rows], dtype=np.int64),
            "seed": np.array([o.seed for _, o in rows], dtype=np.int64),
            "height": np.array([job.height for job, _ in rows], dtype=np.int64),
            "width": np.array([job.width for job, _ in rows], dtype=np.int64),
            "height_after": np.array([o.size_after[0] for _, o in rows], dtype=np.int64),
            "width_after": np.array([o.size_after[1] for _, o in rows], dtype=np.int64),
            "labels": counts,
            "boxes_after": np.array([len(o.boxes) for _, o in rows], dtype=np.int64),
            "kept": per_image(status == "kept"),
            "clipped": per_image(status == "clipped"),
            "dropped": per_image(status == "dropped"),
            "shrunk": per_image(labels["shrunk"]),
            "degenerate": per_image(labels["degenerate"]),
            "reflected_unlabelled": per_image(labels["reflected_unlabelled"]),
            "classes_lost": np.array([len(ids) for ids in lost], dtype=np.int64),
            "lost_category_ids": lost_ids,
            "problem": np.array([o.problem for _, o in rows], dtype=object),
            "error": np.array([o.message for _, o in rows], dtype=object),
            "traceback": np.array([o.traceback for _, o in rows], dtype=object),
        }
    )


def box_table(
    jobs: Sequence[ImageJob],
    outcomes: Sequence[Sequence[DrawOutcome]],
    annotation_ids: Sequence[np.ndarray],
) -> Table:
    """Every box the transform returned, as it returned it, with its annotation."""
    image_ids, draws, ids, categories, boxes = [], [], [], [], []
    for job, per_draw, annotation in zip(jobs, outcomes, annotation_ids, strict=True):
        for outcome in per_draw:
            labels = outcome.box_labels
            image_ids.append(np.full(len(labels), job.image_id, dtype=np.int64))
            draws.append(np.full(len(labels), outcome.draw, dtype=np.int64))
            ids.append(annotation[labels])
            categories.append(job.category_ids[labels])
            boxes.append(outcome.boxes)

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return Table(
        {
            "image_id": joined(image_ids, np.int64),
            "draw": joined(draws, np.int64),
            "annotation_id": joined(ids, np.int64),
            "category_id": joined(categories, np.int64),
            "bbox": np.concatenate(boxes) if boxes else np.zeros((0, 4)),
        }
    )


def problem_table(images: Table) -> Table:
    """The image table's rows with a problem: image, draw, kind, message, traceback."""
    rows = images["problem"] != ""
    return Table(
        {
            "image_id": images["image_id"][rows],
            "draw": images["draw"][rows],
            "kind": images["problem"][rows],
            "message": images["error"][rows],
            "traceback": images["traceback"][rows],
        }
    )
