"""The evaluation pipeline up to COCOeval's ``accumulate``: layout, IoUs, matches, curves.

Everything the result tables need is kept on :class:`Core`, so tables at a new IoU or
score threshold, the confusion matrix and run comparisons never redo the matching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.accumulate import (
    Accumulated,
    accumulate,
    summarize,
    summarize_keypoints,
)
from cocowidget.evaluation.flags import MatchFlags, gt_ignore_flags, match_flags
from cocowidget.evaluation.inputs import Detections, GroundTruth
from cocowidget.evaluation.iou import ImagePairs, box_pair_iou, pair_indices
from cocowidget.evaluation.layout import Layout, build_layout
from cocowidget.evaluation.mask_pairs import MaskBlock, mask_ious
from cocowidget.evaluation.matching import greedy_match
from cocowidget.evaluation.oks import keypoint_pair_oks
from cocowidget.evaluation.params import EvalParams, IouType

#: From the accumulated arrays to the stats (COCOeval's ``summarize``, or a protocol's).
Summarizer = Callable[[Accumulated, EvalParams], FloatArray]


@dataclass(frozen=True, eq=False)
class RowRules:
    """What an evaluation protocol decides per input row before the matching; ``None``
    is COCOeval's rule. LVIS's (:mod:`~cocowidget.evaluation.lvis_rules`) leave
    detections and objects out (``*_evaluated``), ignore ground truth by its own
    ``ignore`` field and not as crowds (``gt_ignored``: the ground truth is then given
    no crowds), and ignore unmatched detections of categories not exhaustively labelled
    (``dt_ignored_unmatched``), as an area range ignores those outside it."""

    gt_evaluated: BoolArray | None = None
    dt_evaluated: BoolArray | None = None
    gt_ignored: BoolArray | None = None
    dt_ignored_unmatched: BoolArray | None = None


COCO_ROWS = RowRules()


@dataclass(frozen=True, eq=False)
class Core:
    """Intermediate results; ``gt_*`` / ``dt_*`` arrays follow the layout's order."""

    params: EvalParams
    iou_type: IouType
    gt: GroundTruth
    dt: Detections
    layout: Layout
    pairs: ImagePairs
    gt_ignore: BoolArray  # (A, n_gt)
    flags: MatchFlags  # (T, A, n_det)
    npig: IntArray  # (A, K)
    accumulated: Accumulated
    stats: FloatArray
    #: Ground truth ignored whatever the area range (crowds, or the protocol's rule).
    gt_ignored: BoolArray  # (n_gt,)
    #: Detections ignored when unmatched whatever the area range (none for COCOeval).
    dt_ignored_unmatched: BoolArray  # (n_det,)
    summarizer: Summarizer

    def summarize(self, accumulated: Accumulated, params: EvalParams | None = None) -> FloatArray:
        """The stats of other accumulated arrays (a part of the images) by this
        evaluation's rules."""
        return self.summarizer(accumulated, self.params if params is None else params)

    @property
    def gt_ids(self) -> IntArray:
        return self.gt.ids[self.layout.gt_rows]

    @property
    def gt_crowd(self) -> BoolArray:
        return self.gt.iscrowd[self.layout.gt_rows]

    @property
    def dt_ids(self) -> IntArray:
        return self.dt.ids[self.layout.dt_rows]

    @property
    def dt_score(self) -> FloatArray:
        return self.dt.score[self.layout.dt_rows]

    @property
    def same_category_pairs(self) -> BoolArray:
        layout, pairs = self.layout, self.pairs
        same: BoolArray = layout.dt_category[pairs.det] == layout.gt_category[pairs.gt]
        return same


def keypoint_similarities(
    gt: GroundTruth,
    dt: Detections,
    layout: Layout,
    det: IntArray,
    truth: IntArray,
    params: EvalParams,
) -> FloatArray:
    """OKS of every pair (see :mod:`~cocowidget.evaluation.oks`)."""
    gt_points, dt_points = (
        _keypoints_of(gt.keypoints, len(gt)),
        _keypoints_of(dt.keypoints, len(dt)),
    )
    sigmas = params.sigma_array()
    for name, points in (("ground truth", gt_points), ("detections", dt_points)):
        if points.shape[1] < len(sigmas) and not np.isnan(points).all():
            raise ValueError(
                f"the {name}' keypoints have {points.shape[1]} joints, but there are "
                f"{len(sigmas)} OKS sigmas (kpt_oks_sigmas): give one sigma per joint"
            )
    return keypoint_pair_oks(
        det,
        truth,
        dt_points[layout.dt_rows],
        gt_points[layout.gt_rows],
        gt.bbox[layout.gt_rows],
        gt.area[layout.gt_rows],
        sigmas,
    )


def _keypoints_of(keypoints: FloatArray | None, n: int) -> FloatArray:
    if keypoints is not None:
        return keypoints
    if n:
        raise ValueError("iou_type='keypoints' needs keypoints for ground truth and detections")
    return np.zeros((0, 0, 3))


def without_keypoints(gt: GroundTruth) -> BoolArray:
    """Ground truth COCOeval's keypoint evaluation ignores: ``num_keypoints == 0`` (or no
    count: an object without keypoints, whose count is read as 0)."""
    if gt.num_keypoints is not None:
        ignored: BoolArray = gt.num_keypoints <= 0
        return ignored
    if gt.keypoints is None:
        return np.ones(len(gt), dtype=bool)
    with np.errstate(invalid="ignore"):
        labelled = (gt.keypoints[:, :, 2] > 0).sum(axis=1)
    return np.asarray(labelled == 0)


def ignored_ground_truth(gt: GroundTruth, rows: IntArray, iou_type: IouType) -> BoolArray:
    """The ground truth at ``rows`` that matching ignores before area ranges: crowd
    regions, and for keypoints people without keypoints (COCOeval's _prepare sets their
    'ignore', not their 'iscrowd', so they are ignored but never used up)."""
    crowd: BoolArray = gt.iscrowd[rows]
    if iou_type != "keypoints":
        return crowd
    ignored: BoolArray = crowd | without_keypoints(gt)[rows]
    return ignored


def image_pair_ious(
    gt: GroundTruth, dt: Detections, layout: Layout, iou_type: IouType, params: EvalParams
) -> ImagePairs:
    det, truth = pair_indices(layout.dt_image, layout.gt_image, layout.n_images)
    crowd = gt.iscrowd[layout.gt_rows]
    if iou_type == "bbox":
        iou = box_pair_iou(det, truth, dt.bbox[layout.dt_rows], gt.bbox[layout.gt_rows], crowd)
        return ImagePairs(det=det, gt=truth, iou=iou)
    if iou_type == "keypoints":
        oks = keypoint_similarities(gt, dt, layout, det, truth, params)
        return ImagePairs(det=det, gt=truth, iou=oks)
    if iou_type != "segm":
        raise ValueError(f"iou_type must be 'bbox', 'segm' or 'keypoints', not {iou_type!r}")
    if gt.segmentation is None or dt.segmentation is None:
        raise ValueError("iou_type='segm' needs segmentations for ground truth and detections")
    if gt.image_height is None or gt.image_width is None:
        raise ValueError("iou_type='segm' needs image heights and widths")
    # Images are rasterised at the ground truth's image size, for detections too, as
    # COCOeval does through cocoDt.imgs (a copy of the ground truth's images).
    image_row = {int(i): n for n, i in enumerate(gt.image_ids.tolist())}
    rows_of_layout_image = np.array(
        [image_row[int(i)] for i in layout.image_ids.tolist()], dtype=np.int64
    )
    block = MaskBlock(
        gt_segmentations=[gt.segmentation[r] for r in layout.gt_rows.tolist()],
        gt_image=layout.gt_image,
        gt_crowd=crowd,
        dt_segmentations=[dt.segmentation[r] for r in layout.dt_rows.tolist()],
        dt_image=layout.dt_image,
        heights=gt.image_height[rows_of_layout_image],
        widths=gt.image_width[rows_of_layout_image],
    )
    iou = mask_ious(block)
    return ImagePairs(det=det, gt=truth, iou=iou)


def coco_summarizer(iou_type: IouType) -> Summarizer:
    return summarize_keypoints if iou_type == "keypoints" else summarize


def run_core(
    gt: GroundTruth,
    dt: Detections,
    iou_type: IouType,
    params: EvalParams,
    rules: RowRules = COCO_ROWS,
    summarizer: Summarizer | None = None,
) -> Core:
    """Match and accumulate by COCOeval's rules, or with ``rules`` / ``summarizer`` a
    protocol's that differ from them only per row and in the stats (LVIS's)."""
    if rules.gt_ignored is not None:
        gt = replace(gt, iscrowd=np.zeros(len(gt), dtype=bool))
    layout = build_layout(gt, dt, params, rules.gt_evaluated, rules.dt_evaluated)
    pairs = image_pair_ious(gt, dt, layout, iou_type, params)
    area_ranges = params.area_array()
    crowd = gt.iscrowd[layout.gt_rows]
    ignored = (
        ignored_ground_truth(gt, layout.gt_rows, iou_type)
        if rules.gt_ignored is None
        else rules.gt_ignored[layout.gt_rows]
    )
    dt_ignored_unmatched = (
        np.zeros(len(layout.dt_rows), dtype=bool)
        if rules.dt_ignored_unmatched is None
        else rules.dt_ignored_unmatched[layout.dt_rows]
    )
    gt_ignore = gt_ignore_flags(ignored, gt.area[layout.gt_rows], area_ranges)

    same = layout.dt_category[pairs.det] == layout.gt_category[pairs.gt]
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
    flags = match_flags(
        matched_gt=matched_gt,
        gt_ignore=gt_ignore,
        gt_ids=gt.ids[layout.gt_rows],
        dt_area=dt.area[layout.dt_rows],
        area_ranges=area_ranges,
        dt_ignored_unmatched=dt_ignored_unmatched,
    )
    n_categories = layout.n_categories
    npig = np.stack(
        [np.bincount(layout.gt_category[~ignore], minlength=n_categories) for ignore in gt_ignore]
    ).astype(np.int64)
    accumulated = accumulate(
        params=params,
        n_categories=n_categories,
        dt_category=layout.dt_category,
        dt_image=layout.dt_image,
        dt_rank=layout.dt_rank,
        dt_score=dt.score[layout.dt_rows],
        tp=flags.tp,
        fp=flags.fp,
        npig=npig,
    )
    return Core(
        params=params,
        iou_type=iou_type,
        # Segmentations are spent once the IoUs are known; parsed polygons are the
        # largest part of the inputs, so an evaluation kept in a notebook does not hold them.
        # (Keypoints are arrays, and small: they stay.)
        gt=replace(gt, segmentation=None),
        dt=replace(dt, segmentation=None),
        layout=layout,
        pairs=pairs,
        gt_ignore=gt_ignore,
        flags=flags,
        npig=npig,
        accumulated=accumulated,
        stats=(summarizer or coco_summarizer(iou_type))(accumulated, params),
        gt_ignored=ignored,
        dt_ignored_unmatched=dt_ignored_unmatched,
        summarizer=summarizer or coco_summarizer(iou_type),
    )
