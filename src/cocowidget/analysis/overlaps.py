"""What the label-issue finders read: the objects, and every overlap within an image.

Ground truth and detections are taken from the dataset's tables (grouped by image, so
already in image order), leaving out objects of unknown images or classes, boxes that
are not finite and detections without a score. Overlaps are the evaluation's own:
:func:`~cocowidget.evaluation.iou.pair_indices` pairs the objects of each image and
:func:`~cocowidget.evaluation.iou.box_pair_iou` (pycocotools' ``bbIou``, so a detection
inside a crowd region counts as covered by it) or, for ``"segm"``, the mask IoUs of
:mod:`~cocowidget.evaluation.mask_pairs` (on two cores) give their IoU. Pairs that do
not overlap at all are dropped: no finder looks at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray, segment_starts
from cocowidget.evaluation.dataset_adapter import (
    detections_from_dataset,
    ground_truth_from_dataset,
)
from cocowidget.evaluation.iou import box_pair_iou, mask_pair_iou, pair_indices
from cocowidget.evaluation.mask_pairs import MaskBlock, mask_ious, start_worker
from cocowidget.evaluation.masks import to_rles

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.data.table import Table

IouType = Literal["bbox", "segm"]


@dataclass(frozen=True, eq=False)
class Objects:
    """Ground truth (``gt_*``) and detections (``dt_*``) in image order; ``*_rows`` are
    rows of ``ds.annotations`` and ``ds.predictions[run]``, ``*_image`` rows of
    ``ds.images``."""

    n_images: int
    gt_rows: IntArray
    gt_image: IntArray
    gt_category: IntArray
    gt_crowd: BoolArray
    gt_box: FloatArray
    dt_rows: IntArray
    dt_image: IntArray
    dt_category: IntArray
    dt_score: FloatArray
    dt_box: FloatArray

    @property
    def n_gt(self) -> int:
        return len(self.gt_rows)

    @property
    def n_dt(self) -> int:
        return len(self.dt_rows)


@dataclass(frozen=True, eq=False)
class Overlaps:
    """Overlapping pairs: detection ``det`` with annotation ``gt`` (detection-major), and
    annotations ``a < b`` (neither a crowd region), indices into :class:`Objects`."""

    det: IntArray
    gt: IntArray
    iou: FloatArray
    a: IntArray
    b: IntArray
    ab_iou: FloatArray


def _usable(table: Table, *, scored: bool) -> IntArray:
    keep = (table["image_index"] >= 0) & (table["category_index"] >= 0)
    keep &= np.isfinite(table["bbox"]).all(axis=1)
    if scored:
        keep &= np.isfinite(table["score"])
    rows: IntArray = np.flatnonzero(keep).astype(np.int64)
    return rows


def gather(ds: CocoData, run: str) -> Objects:
    """The objects the finders read (see the module docstring)."""
    annotations, detections = ds.annotations, ds.predictions[run]
    gt_rows = _usable(annotations, scored=False)
    dt_rows = _usable(detections, scored=True)
    return Objects(
        n_images=len(ds.images),
        gt_rows=gt_rows,
        gt_image=annotations["image_index"][gt_rows].astype(np.int64),
        gt_category=annotations["category_id"][gt_rows].astype(np.int64),
        gt_crowd=annotations["iscrowd"][gt_rows] != 0,
        gt_box=annotations["bbox"][gt_rows].astype(np.float64),
        dt_rows=dt_rows,
        dt_image=detections["image_index"][dt_rows].astype(np.int64),
        dt_category=detections["category_id"][dt_rows].astype(np.int64),
        dt_score=detections["score"][dt_rows].astype(np.float64),
        dt_box=detections["bbox"][dt_rows].astype(np.float64),
    )


def overlaps(ds: CocoData, run: str, objects: Objects, iou_type: IouType) -> Overlaps:
    """Every overlapping pair of the image, by box or by mask."""
    det, gt = pair_indices(objects.dt_image, objects.gt_image, objects.n_images)
    a, b = pair_indices(objects.gt_image, objects.gt_image, objects.n_images)
    distinct = (a < b) & ~objects.gt_crowd[a] & ~objects.gt_crowd[b]
    a, b = a[distinct], b[distinct]
    not_crowd = np.zeros(objects.n_gt, dtype=bool)
    ab_iou = box_pair_iou(a, b, objects.gt_box, objects.gt_box, not_crowd)
    if iou_type == "bbox":
        iou = box_pair_iou(det, gt, objects.dt_box, objects.gt_box, objects.gt_crowd)
    else:
        start_worker()  # it starts while the masks are gathered
        gt_masks = ground_truth_from_dataset(ds, with_masks=True).segmentation
        dt_masks = detections_from_dataset(ds, run, with_masks=True).segmentation
        assert gt_masks is not None and dt_masks is not None
        heights, widths = ds.images["height"], ds.images["width"]
        block = MaskBlock(
            gt_segmentations=[gt_masks[row] for row in objects.gt_rows.tolist()],
            gt_image=objects.gt_image,
            gt_crowd=objects.gt_crowd,
            dt_segmentations=[dt_masks[row] for row in objects.dt_rows.tolist()],
            dt_image=objects.dt_image,
            heights=heights.astype(np.int64),
            widths=widths.astype(np.int64),
        )
        iou = mask_ious(block)
        touching = ab_iou > 0  # masks can only overlap where their boxes do
        a, b = a[touching], b[touching]
        ab_iou = _annotation_mask_ious(block, objects.n_images, a, b)
    kept = iou > 0
    ab_kept = ab_iou > 0
    return Overlaps(
        det=det[kept],
        gt=gt[kept],
        iou=iou[kept],
        a=a[ab_kept],
        b=b[ab_kept],
        ab_iou=ab_iou[ab_kept],
    )


def _annotation_mask_ious(block: MaskBlock, n_images: int, a: IntArray, b: IntArray) -> FloatArray:
    """Mask IoU of the annotation pairs (a, b): only the annotations in a pair are
    rasterised, and each image's block of them is intersected once."""
    if len(a) == 0:
        return np.zeros(0, dtype=np.float64)
    members = np.unique(np.concatenate([a, b]))  # in image order, as the objects are
    image = block.gt_image[members]
    rles = to_rles(
        [block.gt_segmentations[m] for m in members.tolist()],
        block.heights[image],
        block.widths[image],
    )
    ious = mask_pair_iou(image, image, n_images, rles, rles, np.zeros(len(members), dtype=bool))
    # mask_pair_iou lays each image's members out row-major: member i's row starts after
    # the rows of the members before it, and j sits at its place within the image.
    per_image = np.bincount(image, minlength=n_images).astype(np.int64)
    image_start = segment_starts(per_image)
    row_start = segment_starts(per_image[image])
    i, j = np.searchsorted(members, a), np.searchsorted(members, b)
    picked: FloatArray = ious[row_start[i] + j - image_start[image[j]]]
    return picked
