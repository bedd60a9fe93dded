"""From matches to COCOeval's per-detection flags: true positive, false positive, ignored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray


@dataclass(frozen=True, eq=False)
class MatchFlags:
    """Per IoU threshold, area range and evaluated detection, ``(T, A, n_det)``.

    ``credited`` is COCOeval's ``dtMatches != 0``: matched to a ground truth whose id is
    not 0 (pycocotools stores ids in a zero-initialised array, so a match to an object
    with id 0 reads as no match). ``ignored`` is COCOeval's ``dtIgnore``.
    """

    matched_gt: IntArray
    credited: BoolArray
    ignored: BoolArray
    tp: BoolArray
    fp: BoolArray


def gt_ignore_flags(crowd: BoolArray, area: FloatArray, area_ranges: FloatArray) -> BoolArray:
    """COCOeval's ``_ignore`` per area range, ``(A, n_gt)``: crowd, or area outside."""
    lo, hi = area_ranges[:, :1], area_ranges[:, 1:]
    return crowd[None, :] | (area[None, :] < lo) | (area[None, :] > hi)


def match_flags(
    *,
    matched_gt: IntArray,
    gt_ignore: BoolArray,
    gt_ids: IntArray,
    dt_area: FloatArray,
    area_ranges: FloatArray,
    dt_ignored_unmatched: BoolArray | None = None,
) -> MatchFlags:
    """``dt_ignored_unmatched`` (per detection): ignored when unmatched in every range,
    as outside one (LVIS: a category not exhaustively labelled in the image)."""
    lo, hi = area_ranges[:, :1], area_ranges[:, 1:]
    outside = (dt_area[None, :] < lo) | (dt_area[None, :] > hi)  # (A, n_det)
    if dt_ignored_unmatched is not None:
        outside |= dt_ignored_unmatched[None, :]
    return flags_outside(
        matched_gt=matched_gt, gt_ignore=gt_ignore, gt_ids=gt_ids, dt_outside=outside
    )


def flags_outside(
    *, matched_gt: IntArray, gt_ignore: BoolArray, gt_ids: IntArray, dt_outside: BoolArray
) -> MatchFlags:
    """:func:`match_flags` with each detection's place per range given, ``(A, n_det)``
    (a per-bin evaluation of any object metric: a NaN value is in no bin)."""
    matched = matched_gt >= 0
    if len(gt_ids):
        safe = np.where(matched, matched_gt, 0)
        n_areas = gt_ignore.shape[0]
        on_ignored = matched & gt_ignore[np.arange(n_areas)[None, :, None], safe]
        credited = matched & (gt_ids[safe] != 0)
    else:  # nothing to match: every detection is unmatched
        on_ignored = credited = np.zeros_like(matched)
    ignored = on_ignored | (~credited & dt_outside[None, :, :])
    return MatchFlags(
        matched_gt=matched_gt,
        credited=credited,
        ignored=ignored,
        tp=credited & ~ignored,
        fp=~credited & ~ignored,
    )
