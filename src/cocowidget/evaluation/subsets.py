"""COCOeval on part of the data, from an evaluation already made.

Two parts, two rules, both exact to pycocotools:

- **Images** (a slice, an image-metric bin): COCOeval's ``evaluateImg`` works per (image,
  category, area range) and ``accumulate`` only gathers its results over ``imgIds``, so
  ``COCOeval`` with ``imgIds = part`` is the full evaluation's flags of those images,
  accumulated again. No IoU or matching is redone.
- **Objects** (an object-metric bin): a bin is treated as COCOeval treats an area range
  (ground truth outside it ignored, unmatched detections outside it ignored), with the
  metric in place of ``area``. Which objects are ignored changes the greedy matching, so
  it is redone per bin from the stored IoUs; binning ``area`` with COCO's ranges is then
  COCOeval's own small/medium/large computation. Bins are closed at both ends, as
  COCOeval's ranges are; an object without a value (NaN) is in no bin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray
from cocowidget.evaluation.accumulate import Accumulated, accumulate
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.flags import MatchFlags, flags_outside
from cocowidget.evaluation.matching import greedy_match
from cocowidget.evaluation.operating_point import Counts, MatchRecord
from cocowidget.evaluation.params import EvalParams


def image_part_stats(core: Core, in_part: BoolArray) -> FloatArray:
    """``COCOeval.stats`` with ``imgIds`` = the images where ``in_part`` (aligned with the
    layout's images) holds."""
    return core.summarize(_image_part(core, in_part, core.params))


def image_part_ap(core: Core, in_part: BoolArray) -> tuple[float, float]:
    """AP and AP50 at the largest ``maxDets`` of COCOeval with ``imgIds`` = the part
    (only that ``maxDets`` is accumulated: a third of the work for COCO's three)."""
    params = largest_max_detections(core.params)
    accumulated = _image_part(core, in_part, params)
    ap = average_precision(accumulated, params)
    ap50 = average_precision(accumulated, params, 0.5)
    return float(ap[0]), float(ap50[0])


def largest_max_detections(params: EvalParams) -> EvalParams:
    return replace(params, max_detections=(params.max_detections[-1],))


def average_precision(
    accumulated: Accumulated, params: EvalParams, iou: float | None = None
) -> FloatArray:
    """Per area range, COCOeval's ``_summarize`` AP at the largest ``maxDets`` (at one IoU
    threshold if ``iou``): the mean over the defined (> -1) precisions, -1 if none."""
    precision = accumulated.precision[..., -1]  # (T, R, K, A)
    if iou is not None:
        precision = precision[np.where(iou == params.iou_array())[0]]
    out = np.full(precision.shape[-1], -1.0)
    for a in range(precision.shape[-1]):
        valid = precision[..., a][precision[..., a] > -1]
        if len(valid):
            out[a] = float(np.mean(valid))
    return out


def _image_part(core: Core, in_part: BoolArray, params: EvalParams) -> Accumulated:
    layout, flags = core.layout, core.flags
    keep_dt = in_part[layout.dt_image]
    keep_gt = in_part[layout.gt_image]
    npig = np.stack(
        [
            np.bincount(layout.gt_category[keep_gt & ~ignore], minlength=layout.n_categories)
            for ignore in core.gt_ignore
        ]
    ).astype(np.int64)
    return accumulate(
        params=params,
        n_categories=layout.n_categories,
        dt_category=layout.dt_category[keep_dt],
        dt_image=layout.dt_image[keep_dt],
        dt_rank=layout.dt_rank[keep_dt],
        dt_score=core.dt_score[keep_dt],
        tp=flags.tp[:, :, keep_dt],
        fp=flags.fp[:, :, keep_dt],
        npig=npig,
    )


@dataclass(frozen=True, eq=False)
class BinnedObjects:
    """Per-bin matching of an object metric: ``flags`` ``(T, B, n_det)``, ``gt_ignore``
    ``(B, n_gt)`` and the accumulation with one "area range" per bin."""

    flags: MatchFlags
    gt_ignore: BoolArray
    accumulated: Accumulated

    def average_precision(self, core: Core, iou: float | None = None) -> FloatArray:
        """Per bin, AP at the largest ``maxDets`` (:func:`average_precision`)."""
        return average_precision(self.accumulated, core.params, iou)

    def counts(self, core: Core, bin_index: int, iou_index: int, score: float) -> Counts:
        """TP / FP / FN of one bin at an operating point, by the one rule."""
        record = MatchRecord.from_flags(core, self.flags, self.gt_ignore, area=bin_index)
        return record.counts(iou_index, score, by="category", n_groups=core.layout.n_categories)


def _inside(values: FloatArray, ranges: FloatArray) -> BoolArray:
    """``(B, n)``: in each closed range; NaN is in none."""
    with np.errstate(invalid="ignore"):
        inside: BoolArray = (values[None, :] >= ranges[:, :1]) & (values[None, :] <= ranges[:, 1:])
    return inside


def binned_objects(
    core: Core, gt_values: FloatArray, dt_values: FloatArray, ranges: FloatArray
) -> BinnedObjects:
    """Match and accumulate with each ``ranges[b]`` as an area range over the metric.
    ``gt_values`` / ``dt_values`` follow the layout's ground truth / detections."""
    layout, pairs, params = core.layout, core.pairs, core.params
    crowd = core.gt_crowd
    gt_ignore = core.gt_ignored[None, :] | ~_inside(gt_values, ranges)
    same = core.same_category_pairs
    matched_gt = greedy_match(
        det_group=layout.dt_group,
        gt_group=layout.gt_group,
        gt_crowd=crowd,
        gt_ignore=gt_ignore,
        pair_det=pairs.det[same],
        pair_gt=pairs.gt[same],
        pair_iou=pairs.iou[same],
        iou_thresholds=params.iou_array(),
        n_groups=layout.n_groups,
    )
    flags = flags_outside(
        matched_gt=matched_gt,
        gt_ignore=gt_ignore,
        gt_ids=core.gt_ids,
        dt_outside=~_inside(dt_values, ranges) | core.dt_ignored_unmatched[None, :],
    )
    npig = np.stack(
        [
            np.bincount(layout.gt_category[~ignore], minlength=layout.n_categories)
            for ignore in gt_ignore
        ]
    ).astype(np.int64)
    bin_params = replace(
        largest_max_detections(params),
        area_ranges=tuple((float(lo), float(hi)) for lo, hi in ranges.tolist()),
        area_labels=tuple(f"bin{b}" for b in range(len(ranges))),
    )
    accumulated = accumulate(
        params=bin_params,
        n_categories=layout.n_categories,
        dt_category=layout.dt_category,
        dt_image=layout.dt_image,
        dt_rank=layout.dt_rank,
        dt_score=core.dt_score,
        tp=flags.tp,
        fp=flags.fp,
        npig=npig,
    )
    return BinnedObjects(flags=flags, gt_ignore=gt_ignore, accumulated=accumulated)
