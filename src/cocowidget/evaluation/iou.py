"""IoU between every detection and every ground-truth object of the same image.

All pairs of an image are computed, whatever their classes: same-class pairs feed COCO's
matching, the others explain false positives (class confusion) and feed the class-agnostic
confusion matrix. Pairs are laid out image by image, detection-major, in layout order.

Box IoU is vectorised numpy that performs, per pair, the same double-precision operations
in the same order as pycocotools' C ``bbIou`` (so the values are bit-identical): for crowd
ground truth the union is the detection's area. Mask IoU calls pycocotools' ``iou`` once
per image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray, segment_starts
from cocowidget.evaluation.masks import Rle

_PAIRS_PER_CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class ImagePairs:
    """All (detection, ground truth) pairs within each image: indices into the layout's
    ``dt_*`` and ``gt_*`` arrays, and their IoU."""

    det: IntArray
    gt: IntArray
    iou: FloatArray

    def __len__(self) -> int:
        return len(self.det)

    def lookup(self, det: IntArray, gt: IntArray) -> FloatArray:
        """IoU of (det, gt) pairs of the same image, NaN where ``gt`` is -1."""
        if len(self.det) == 0:
            return np.full(det.shape, np.nan)
        first_pair = np.searchsorted(self.det, det, side="left")
        first_gt = self.gt[np.minimum(first_pair, len(self.gt) - 1)]
        index = np.clip(first_pair + gt - first_gt, 0, len(self.iou) - 1)
        return np.where(gt >= 0, self.iou[index], np.nan)


def pair_indices(
    dt_image: IntArray, gt_image: IntArray, n_images: int
) -> tuple[IntArray, IntArray]:
    """Pairs (det, gt) sharing an image; both inputs must be sorted by image."""
    gt_count = np.bincount(gt_image, minlength=n_images).astype(np.int64)
    gt_start = segment_starts(gt_count)
    per_det = gt_count[dt_image]
    det = np.repeat(np.arange(len(dt_image), dtype=np.int64), per_det)
    first_pair_of_det = segment_starts(per_det)
    within = np.arange(len(det), dtype=np.int64) - first_pair_of_det[det]
    gt = gt_start[dt_image[det]] + within
    return det, gt


def box_iou(dt_boxes: FloatArray, gt_boxes: FloatArray, gt_crowd: BoolArray) -> FloatArray:
    """IoU of aligned box pairs (row i of each input), as pycocotools' ``bbIou``."""
    dx, dy, dw, dh = dt_boxes.T
    gx, gy, gw, gh = gt_boxes.T
    w = np.minimum(dw + dx, gw + gx) - np.maximum(dx, gx)
    h = np.minimum(dh + dy, gh + gy) - np.maximum(dy, gy)
    overlap = (w > 0) & (h > 0)
    inter = w * h
    dt_area = dw * dh
    union = np.where(gt_crowd, dt_area, dt_area + gw * gh - inter)
    out = np.zeros(len(dt_boxes), dtype=np.float64)
    np.divide(inter, union, out=out, where=overlap)
    return out


def box_pair_iou(
    det: IntArray,
    gt: IntArray,
    dt_boxes: FloatArray,
    gt_boxes: FloatArray,
    gt_crowd: BoolArray,
) -> FloatArray:
    out = np.empty(len(det), dtype=np.float64)
    for start in range(0, len(det), _PAIRS_PER_CHUNK):
        d = det[start : start + _PAIRS_PER_CHUNK]
        g = gt[start : start + _PAIRS_PER_CHUNK]
        out[start : start + len(d)] = box_iou(dt_boxes[d], gt_boxes[g], gt_crowd[g])
    return out


def mask_pair_iou(
    dt_image: IntArray,
    gt_image: IntArray,
    n_images: int,
    dt_rles: Sequence[Rle],
    gt_rles: Sequence[Rle],
    gt_crowd: BoolArray,
) -> FloatArray:
    """Mask IoU of every pair from :func:`pair_indices`, in the same order."""
    dt_count = np.bincount(dt_image, minlength=n_images)
    gt_count = np.bincount(gt_image, minlength=n_images)
    dt_start = segment_starts(dt_count.astype(np.int64))
    gt_start = segment_starts(gt_count.astype(np.int64))
    sizes = dt_count * gt_count
    out = np.empty(int(sizes.sum()), dtype=np.float64)
    crowd = gt_crowd.astype(np.uint8)
    position = 0
    for image in np.flatnonzero(sizes):
        d0, g0 = dt_start[image], gt_start[image]
        d1, g1 = d0 + dt_count[image], g0 + gt_count[image]
        block = mask_utils.iou(list(dt_rles[d0:d1]), list(gt_rles[g0:g1]), crowd[g0:g1])
        out[position : position + sizes[image]] = np.asarray(block, dtype=np.float64).reshape(-1)
        position += int(sizes[image])
    return out
