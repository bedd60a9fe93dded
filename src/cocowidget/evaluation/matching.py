"""COCOeval's greedy matching, vectorised across groups, IoU thresholds and area ranges.

Within a group (an image and category, or an image for class-agnostic matching) COCOeval
visits detections by descending score; each takes, among the ground truth still free
(crowd regions are never used up) with IoU >= ``min(t, 1 - 1e-10)``, the one of highest
IoU, preferring ground truth that is not ignored: ignored objects are sorted last and the
scan stops at them once a regular match is found. Ties go to the later object in the
sorted order, because the scan accepts ``iou >= best``.

That greedy walk is sequential within a group but groups are independent, so the k-th
detection of every group is processed in one numpy step, for all thresholds and area
ranges at once. Groups are bucketed by their number of ground-truth objects (padded to a
power of two) so a crowded image does not pad every other group.
"""

from __future__ import annotations

import numpy as np

from cocowidget.evaluation._arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    position_in_segment,
    segment_starts,
)

_NO_IOU = -np.inf


def greedy_match(
    *,
    det_group: IntArray,
    gt_group: IntArray,
    gt_crowd: BoolArray,
    gt_ignore: BoolArray,
    pair_det: IntArray,
    pair_gt: IntArray,
    pair_iou: FloatArray,
    iou_thresholds: FloatArray,
    n_groups: int,
) -> IntArray:
    """Matched ground-truth index of each detection, ``(T, A, n_det)``, -1 if unmatched.

    Detections must be sorted by group, then by visiting order; ground truth sorted by
    group, in the order COCOeval sees it. ``gt_ignore`` is ``(A, n_gt)``: one ignore flag
    per area range. Pairs hold the IoUs of (detection, ground truth) of the same group;
    missing pairs never match.
    """
    n_det = len(det_group)
    n_areas = gt_ignore.shape[0]
    limits = np.minimum(iou_thresholds, 1 - 1e-10)
    matches = np.full((len(limits), n_areas, n_det), -1, dtype=np.int64)

    dt_count = np.bincount(det_group, minlength=n_groups).astype(np.int64)
    gt_count = np.bincount(gt_group, minlength=n_groups).astype(np.int64)
    dt_start = segment_starts(dt_count)
    gt_start = segment_starts(gt_count)
    det_local = position_in_segment(det_group, n_groups)
    gt_local = position_in_segment(gt_group, n_groups)

    live = np.flatnonzero((dt_count > 0) & (gt_count > 0))
    width_of_group = np.ones(n_groups, dtype=np.int64)
    width_of_group[live] = 1 << np.ceil(np.log2(gt_count[live])).astype(np.int64)
    pair_group = det_group[pair_det]

    for width in np.unique(width_of_group[live]):
        groups = live[width_of_group[live] == width]
        groups = groups[np.argsort(-dt_count[groups], kind="stable")]
        _match_bucket(
            groups=groups,
            width=int(width),
            dt_count=dt_count,
            dt_start=dt_start,
            gt_start=gt_start,
            gt_count=gt_count,
            det_local=det_local,
            gt_local=gt_local,
            gt_group=gt_group,
            gt_crowd=gt_crowd,
            gt_ignore=gt_ignore,
            pair_group=pair_group,
            pair_det=pair_det,
            pair_gt=pair_gt,
            pair_iou=pair_iou,
            limits=limits,
            n_groups=n_groups,
            matches=matches,
        )
    return matches


def _match_bucket(
    *,
    groups: IntArray,
    width: int,
    dt_count: IntArray,
    dt_start: IntArray,
    gt_start: IntArray,
    gt_count: IntArray,
    det_local: IntArray,
    gt_local: IntArray,
    gt_group: IntArray,
    gt_crowd: BoolArray,
    gt_ignore: BoolArray,
    pair_group: IntArray,
    pair_det: IntArray,
    pair_gt: IntArray,
    pair_iou: FloatArray,
    limits: FloatArray,
    n_groups: int,
    matches: IntArray,
) -> None:
    n_slots = len(groups)
    n_thresholds, n_areas = len(limits), gt_ignore.shape[0]
    slot_of_group = np.full(n_groups, -1, dtype=np.int64)
    slot_of_group[groups] = np.arange(n_slots)
    depth = dt_count[groups]  # descending
    row_start = segment_starts(depth)

    # One row of IoUs per detection of the bucket, one column per ground-truth slot.
    ious = np.full((int(depth.sum()), width), _NO_IOU)
    pair_slot = slot_of_group[pair_group]
    in_bucket = np.flatnonzero(pair_slot >= 0)
    rows = row_start[pair_slot[in_bucket]] + det_local[pair_det[in_bucket]]
    ious[rows, gt_local[pair_gt[in_bucket]]] = pair_iou[in_bucket]

    gt_slot = slot_of_group[gt_group]
    gt_members = np.flatnonzero(gt_slot >= 0)
    crowd = np.zeros((n_slots, width), dtype=bool)
    crowd[gt_slot[gt_members], gt_local[gt_members]] = gt_crowd[gt_members]
    ignore = np.zeros((n_slots, n_areas, width), dtype=bool)
    ignore[gt_slot[gt_members], :, gt_local[gt_members]] = gt_ignore[:, gt_members].T
    taken = np.zeros((n_slots, n_thresholds, n_areas, width), dtype=bool)

    group_gt_start = gt_start[groups]
    group_dt_start = dt_start[groups]
    for k in range(int(depth[0]) if n_slots else 0):
        n = int(np.searchsorted(-depth, -k, side="left"))  # groups with more than k dets
        choice = _choose(
            ious[row_start[:n] + k], limits, taken[:n], crowd[:n], ignore[:n]
        )  # (n, T, A)
        # Mark the chosen slots through flat indices: taken[:n] is a contiguous prefix.
        made = (choice >= 0).reshape(-1)
        cells = np.arange(choice.size, dtype=np.int64) * width + choice.reshape(-1)
        taken[:n].reshape(-1)[cells[made]] = True
        matched_gt = np.where(choice >= 0, choice + group_gt_start[:n, None, None], -1)
        matches[:, :, group_dt_start[:n] + k] = matched_gt.transpose(1, 2, 0)


def _choose(
    ious: FloatArray,
    limits: FloatArray,
    taken: BoolArray,
    crowd: BoolArray,
    ignore: BoolArray,
) -> IntArray:
    """Ground-truth slot chosen by one detection per group, ``(n, T, A)``, -1 for none.

    ``ious`` is ``(n, W)``, ``taken`` ``(n, T, A, W)``, ``crowd`` ``(n, W)``, ``ignore``
    ``(n, A, W)``.
    """
    above = ious[:, None, :] >= limits[None, :, None]  # (n, T, W)
    free = ~taken | crowd[:, None, None, :]
    candidate = free & above[:, :, None, :]  # (n, T, A, W)
    values = np.where(candidate, ious[:, None, None, :], _NO_IOU)
    skipped = ignore[:, None, :, :]
    regular = _last_argmax(np.where(skipped, _NO_IOU, values))
    fallback = _last_argmax(np.where(skipped, values, _NO_IOU))
    return np.where(regular >= 0, regular, fallback)


def _last_argmax(values: FloatArray) -> IntArray:
    """Index of the last maximum along the last axis, -1 where all are ``-inf``."""
    width = values.shape[-1]
    flipped = np.argmax(values[..., ::-1], axis=-1)
    index = width - 1 - flipped
    best = np.take_along_axis(values, index[..., None], axis=-1)[..., 0]
    return np.where(best > _NO_IOU, index, -1).astype(np.int64)
