"""The per-image table.

One row per evaluated image (``params.image_ids``, or all images of the ground truth), in
ascending image id.

Columns
-------
``image_id``
``n_gt``
    Ground-truth objects COCOeval counts (not crowd, area inside ``area_ranges[0]``).
``n_ignored``
    Ignored ground truth (crowd regions, objects outside the area range).
``n_dt``
    Evaluated detections (at most ``maxDets[-1]`` per category).
``ap``, ``ap50``
    COCO AP restricted to this image: what ``COCOeval`` reports as ``stats[0]`` and
    ``stats[1]`` with ``params.imgIds = [image_id]``. For each category with at least one
    counted ground-truth object in the image, the 101-point interpolated AP of the image's
    detections of that category (area ``'all'``, ``maxDets[-1]`` detections), averaged
    over IoU thresholds .50:.95 (``ap``) or taken at .50 (``ap50``); then the mean over
    those categories. NaN when the image has no counted ground truth. Categories that
    appear only among the detections do not enter the mean (COCO has no AP for a class
    without ground truth): their false positives show in ``fp`` and ``precision``.
``tp``, ``fp``, ``fn``, ``precision``, ``recall``
    At an operating point (IoU threshold ``t``, one of ``params.iou_thresholds``, and score
    threshold ``s``): among evaluated detections scoring at least ``s``, those COCOeval's
    matching at ``t`` (area ``'all'``) calls true or false positives; ignored detections
    (matched to a crowd region) count as neither. ``fn`` counts the counted ground truth
    not claimed by one of those true positives. ``precision = tp / (tp + fp)`` (NaN if no
    detection), ``recall = tp / (tp + fn)`` (NaN if no ground truth).
"""

from __future__ import annotations

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import FloatArray
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.curves import mean_interpolated_precision
from cocowidget.evaluation.operating_point import Counts


def image_average_precision(core: Core) -> tuple[FloatArray, FloatArray]:
    """Per evaluated image: AP@[.50:.95] and AP@.50 restricted to the image (see above)."""
    layout, flags, params = core.layout, core.flags, core.params
    n_groups = layout.n_groups
    npig = np.bincount(layout.gt_group[~core.gt_ignore[0]], minlength=n_groups).astype(np.int64)
    # One curve per (image, category): the group's detections, already in rank order.
    mean_precision = mean_interpolated_precision(
        tp=flags.tp[:, 0, :],
        fp=flags.fp[:, 0, :],
        lengths=np.bincount(layout.dt_group, minlength=n_groups).astype(np.int64),
        npig=npig,
        recall_thresholds=params.recall_array(),
    )  # (T, groups)
    valid = npig > 0
    group_ap = mean_precision.mean(axis=0)
    at_50 = np.flatnonzero(np.isclose(params.iou_array(), 0.5, rtol=0, atol=1e-12))
    group_ap50 = mean_precision[at_50[0]] if at_50.size else np.full(n_groups, np.nan)

    image = layout.group_image[valid]
    n_images = layout.n_images
    counted = np.bincount(image, minlength=n_images)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = np.bincount(image, weights=group_ap[valid], minlength=n_images) / counted
        ap50 = np.bincount(image, weights=group_ap50[valid], minlength=n_images) / counted
    return ap, ap50


def images_table(core: Core, ap: FloatArray, ap50: FloatArray, counts: Counts) -> Table:
    layout = core.layout
    n_images = layout.n_images
    ignored = core.gt_ignore[0]
    return Table(
        {
            "image_id": layout.image_ids,
            "n_gt": np.bincount(layout.gt_image[~ignored], minlength=n_images),
            "n_ignored": np.bincount(layout.gt_image[ignored], minlength=n_images),
            "n_dt": np.bincount(layout.dt_image, minlength=n_images),
            "ap": ap,
            "ap50": ap50,
            "tp": counts.tp,
            "fp": counts.fp,
            "fn": counts.fn,
            "precision": counts.precision,
            "recall": counts.recall,
        }
    )
