"""What happened to each label of one image in one augmentation draw: the bookkeeping.

A transform returns boxes with the *label indices* they came from (row ``i`` of the
image's annotations), possibly several boxes for one label (Albumentations 2 labels the
mirrored copies a reflect padding makes) and none for a label it dropped.
:class:`StepLog` records what Albumentations' box filter decided at each of its passes
(the areas before and after clipping to the frame, and which test a row failed), and
:func:`label_outcomes` turns a draw's output into one record per input label: its primary
box, its copies, how much of it stayed in view, why it was dropped, and what its
transformed mask says (pixels outside every box of the label: an unlabelled mirrored
copy; the box's area against the mask's tight box: the rotation problem).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Albumentations' tolerance in its filter (``filter_bboxes``'s epsilon).
FILTER_EPSILON = 1e-7
#: Below this share of its unclipped box in view, a kept box counts as clipped; above it
#: the difference is float rounding (coordinates are normalised and converted back).
CLIP_TOLERANCE = 1e-6
#: An unlabelled mirrored copy needs at least this many mask pixels outside every box of
#: its label, and this share of the label's mask pixels: a one-pixel fringe from
#: rounding the mask against the box is no copy.
MIRROR_MIN_PIXELS = 16
MIRROR_MIN_SHARE = 0.05

#: Why a label was dropped, by the first of Albumentations' filter tests it failed.
DROP_REASONS = (
    "",
    "zero area",
    "min_area",
    "min_visibility",
    "min_width",
    "min_height",
    "max_accept_ratio",
    "removed by a transform",
    "not returned",
)


@dataclass
class FilterPass:
    """One call of Albumentations' box filter: per row, its label index, its pixel area
    before and after clipping to the frame, and the reason it failed ("" if kept)."""

    labels: np.ndarray
    area: np.ndarray
    clipped_area: np.ndarray
    reasons: np.ndarray


@dataclass
class StepLog:
    """The filter passes of one call of a transform, in order."""

    passes: list[FilterPass] = field(default_factory=list)

    def record(
        self, labels: np.ndarray, area: np.ndarray, clipped: np.ndarray, reasons: np.ndarray
    ) -> None:
        self.passes.append(FilterPass(labels, area, clipped, reasons))


@dataclass
class StepSummary:
    """Per input label, what the filter passes say."""

    visible: np.ndarray  # product over passes of the best row's clipped / unclipped area
    mirrored: np.ndarray  # rows a transform added for the label (mirrored copies)
    reasons: np.ndarray  # why the label's last row went ("" while it has one)


def summarise_steps(log: StepLog, count: int) -> StepSummary:
    """Fold the passes of ``log`` into one value per label ``0..count-1``."""
    visible = np.ones(count)
    mirrored = np.zeros(count, dtype=np.int64)
    reasons = np.full(count, "", dtype=object)
    present = np.ones(count, dtype=np.int64)  # rows of each label after the last pass
    for step in log.passes:
        rows_in = np.bincount(step.labels, minlength=count)[:count]
        added = rows_in - present
        mirrored += np.maximum(added, 0)
        removed = (present > 0) & (rows_in == 0) & (reasons == "")
        reasons[removed] = "removed by a transform"
        share = np.divide(
            step.clipped_area,
            step.area + FILTER_EPSILON,
            out=np.zeros(len(step.area)),
            where=step.area >= FILTER_EPSILON,
        )
        best = np.zeros(count)
        np.maximum.at(best, step.labels, share)
        visible = np.where(rows_in > 0, visible * np.minimum(best, 1.0), visible)
        kept = step.reasons == ""
        rows_out = np.bincount(step.labels[kept], minlength=count)[:count]
        gone = (rows_in > 0) & (rows_out == 0)
        for label in np.flatnonzero(gone):
            # The reason of the row that came closest to staying: the most visible one.
            mine = np.flatnonzero(step.labels == label)
            reasons[label] = step.reasons[mine[np.argmax(share[mine])]]
        present = rows_out
    return StepSummary(visible=visible, mirrored=mirrored, reasons=reasons)


@dataclass
class LabelOutcomes:
    """One value per input label of one draw."""

    boxes: np.ndarray  # (N, 4) primary box after (COCO xywh), NaN when dropped
    copies: np.ndarray  # boxes returned for the label beyond the primary one
    mask_pixels: np.ndarray  # pixels of the label's mask after (NaN without masks)
    unlabelled_pixels: np.ndarray  # of those, outside every box of the label (grown 1 px)
    box_mask_ratio: np.ndarray  # primary box area / tight box of its mask (NaN: no mask)


def primary_boxes(
    boxes: np.ndarray, labels: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per label: its largest returned box (the first of equals), the row of it in
    ``boxes`` (-1 if none) and how many other boxes it has."""
    primary = np.full((count, 4), np.nan)
    rows = np.full(count, -1, dtype=np.int64)
    number = np.bincount(labels, minlength=count)[:count] if len(labels) else np.zeros(count, int)
    if len(labels):
        area = np.nan_to_num(boxes[:, 2] * boxes[:, 3], nan=-np.inf)
        # Largest area first, then the earliest row: a stable sort on the negated area.
        order = np.lexsort((np.arange(len(labels)), -area, labels))
        first = np.ones(len(order), dtype=bool)
        first[1:] = labels[order][1:] != labels[order][:-1]
        chosen = order[first]
        rows[labels[chosen]] = chosen
        primary[labels[chosen]] = boxes[chosen]
    return primary, rows, np.maximum(number - 1, 0)


def label_outcomes(
    boxes: np.ndarray,
    labels: np.ndarray,
    count: int,
    masks: np.ndarray | None,
    has_segmentation: np.ndarray,
) -> LabelOutcomes:
    """The per-label record of one draw: ``boxes`` (M, 4) and ``labels`` (M,) as the
    transform returned them, ``masks`` (N, H, W) after it (or None)."""
    primary, _, copies = primary_boxes(boxes, labels, count)
    pixels = np.full(count, np.nan)
    unlabelled = np.full(count, np.nan)
    ratio = np.full(count, np.nan)
    if masks is not None:
        returned = np.isfinite(primary).all(axis=1)
        for label in range(count):
            mask = masks[label]
            # Whole-mask work is one count; the rest looks only inside the label's boxes.
            pixels[label] = np.count_nonzero(mask)
            if not pixels[label] or not returned[label]:
                unlabelled[label] = pixels[label]
                continue
            mine = boxes[labels == label] if copies[label] else primary[label : label + 1]
            unlabelled[label] = pixels[label] - _inside_boxes(mask, mine)
            if has_segmentation[label]:
                ratio[label] = _box_mask_ratio(mask, primary[label])
    return LabelOutcomes(primary, copies, pixels, unlabelled, ratio)


def _extent(mask: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]] | tuple[None, None]:
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return None, None
    cols = np.flatnonzero(mask.any(axis=0))
    return (int(rows[0]), int(rows[-1]) + 1), (int(cols[0]), int(cols[-1]) + 1)


def _pixel_range(start: float, size: float, grow: float, limit: int) -> tuple[int, int]:
    low = math.floor(start - grow)
    high = math.ceil(start + size + grow)
    return min(max(low, 0), limit), max(min(high, limit), 0)


def _inside_boxes(mask: np.ndarray, boxes: np.ndarray) -> int:
    """How many of the mask's pixels lie in one of ``boxes`` (each grown by a pixel)."""
    height, width = mask.shape
    ranges = [
        (*_pixel_range(y, h, 1.0, height), *_pixel_range(x, w, 1.0, width))
        for x, y, w, h in boxes.tolist()
        if math.isfinite(x + y + w + h)
    ]
    if not ranges:
        return 0
    if len(ranges) == 1:
        y0, y1, x0, x1 = ranges[0]
        return int(np.count_nonzero(mask[y0:y1, x0:x1]))
    # Copies may overlap: count the union, over the region they span.
    top, bottom = min(r[0] for r in ranges), max(r[1] for r in ranges)
    left, right = min(r[2] for r in ranges), max(r[3] for r in ranges)
    covered = np.zeros((bottom - top, right - left), dtype=bool)
    for y0, y1, x0, x1 in ranges:
        covered[y0 - top : y1 - top, x0 - left : x1 - left] = True
    return int(np.count_nonzero(mask[top:bottom, left:right].astype(bool) & covered))


def _box_mask_ratio(mask: np.ndarray, box: np.ndarray) -> float:
    """``box``'s area over the tight box of the mask's pixels inside ``box`` (the pixels
    it touches): a mirrored copy beside it, touching it at the frame's edge, stays out."""
    x, y, w, h = (float(v) for v in box.tolist())
    height, width = mask.shape
    y0, y1 = _pixel_range(y, h, 0.0, height)
    x0, x1 = _pixel_range(x, w, 0.0, width)
    ys, xs = _extent(mask[y0:y1, x0:x1])
    if ys is None or xs is None:
        return np.nan
    tight = float((ys[1] - ys[0]) * (xs[1] - xs[0]))
    return w * h / tight


def mirrored_unlabelled(mask_pixels: np.ndarray, unlabelled: np.ndarray) -> np.ndarray:
    """Whether the pixels outside every box of a label are a copy, not a fringe."""
    with np.errstate(invalid="ignore"):
        return (unlabelled >= MIRROR_MIN_PIXELS) & (unlabelled >= MIRROR_MIN_SHARE * mask_pixels)
