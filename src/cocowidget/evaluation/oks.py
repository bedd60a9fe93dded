"""Object keypoint similarity (OKS) of (detection, ground truth) pairs, as COCOeval's
``computeOks``, vectorised over all pairs.

For a ground-truth person with labelled joints (``v > 0``), OKS is the mean over those
joints of ``exp(-d² / (2 s² κ²))``, ``d`` the distance between the detected and the true
joint, ``s² = area`` (plus ``np.spacing(1)``) and ``κ = 2σ``. A person without labelled
joints is compared over every joint by how far each detected joint lies outside the box
of twice its size (``[x - w, x + 2w] × [y - h, y + 2h]``), so a detection inside it
scores 1.

The per-element arithmetic is COCOeval's, in the same order. The sums are too: COCOeval
sums each pair's values with ``np.sum`` of a 1-D array, and pairs with the same number of
summed joints are summed here as the rows of one C-contiguous 2-D array, which numpy
sums row by row with the same (pairwise) algorithm. So the OKS values are COCOeval's bit
for bit (the randomised tests hold them to 1e-12 and have found them equal).

A pair whose detection or ground truth has no usable keypoints (all NaN: none given, or
refused at load), and one with a NaN coordinate, has OKS 0: it matches nothing.
"""

from __future__ import annotations

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray

_PAIRS_PER_CHUNK = 1 << 15


def usable_keypoints(keypoints: FloatArray, n_joints: int) -> tuple[FloatArray, BoolArray]:
    """The first ``n_joints`` joints of each object, and whether the object has them: some
    value given, and nothing given past them (an object of a category with other joints).
    """
    have = keypoints.shape[1]
    given = np.asarray(~np.isnan(keypoints).all(axis=2), dtype=bool)  # (N, K') joints given
    if have < n_joints:
        padded = np.full((len(keypoints), n_joints, 3), np.nan)
        padded[:, :have] = keypoints
        return padded, np.zeros(len(keypoints), dtype=bool)
    usable = np.any(given[:, :n_joints], axis=1) & ~np.any(given[:, n_joints:], axis=1)
    return np.ascontiguousarray(keypoints[:, :n_joints]), np.asarray(usable, dtype=bool)


def keypoint_pair_oks(
    det: IntArray,
    gt: IntArray,
    dt_keypoints: FloatArray,
    gt_keypoints: FloatArray,
    gt_boxes: FloatArray,
    gt_area: FloatArray,
    sigmas: FloatArray,
) -> FloatArray:
    """OKS of each (det, gt) pair: indices into the ``dt_*`` and ``gt_*`` arrays."""
    n_joints = len(sigmas)
    dt_points, dt_usable = usable_keypoints(dt_keypoints, n_joints)
    gt_points, gt_usable = usable_keypoints(gt_keypoints, n_joints)
    variances = (sigmas * 2) ** 2
    out = np.zeros(len(det), dtype=np.float64)
    for start in range(0, len(det), _PAIRS_PER_CHUNK):
        d = det[start : start + _PAIRS_PER_CHUNK]
        g = gt[start : start + _PAIRS_PER_CHUNK]
        wanted = np.flatnonzero(dt_usable[d] & gt_usable[g])
        if len(wanted):
            values = _oks(
                dt_points[d[wanted]],
                gt_points[g[wanted]],
                gt_boxes[g[wanted]],
                gt_area[g[wanted]],
                variances,
            )
            out[start + wanted] = np.nan_to_num(values, nan=0.0)
    return out


def _oks(
    dt: FloatArray, gt: FloatArray, boxes: FloatArray, area: FloatArray, variances: FloatArray
) -> FloatArray:
    """``computeOks`` for aligned pairs: ``dt`` and ``gt`` are ``(P, K, 3)``."""
    xd, yd = dt[:, :, 0], dt[:, :, 1]
    xg, yg, vg = gt[:, :, 0], gt[:, :, 1], gt[:, :, 2]
    with np.errstate(invalid="ignore"):
        labelled = vg > 0
    k1 = np.count_nonzero(labelled, axis=1)
    with np.errstate(invalid="ignore", over="ignore"):
        # Labelled joints: distance to the true joint.
        dx = xd - xg
        dy = yd - yg
        # No labelled joint: distance outside twice the box, as COCOeval's bounds.
        x0 = (boxes[:, 0] - boxes[:, 2])[:, None]
        x1 = (boxes[:, 0] + boxes[:, 2] * 2)[:, None]
        y0 = (boxes[:, 1] - boxes[:, 3])[:, None]
        y1 = (boxes[:, 1] + boxes[:, 3] * 2)[:, None]
        zero = np.zeros_like(xd)
        bx = np.maximum(zero, x0 - xd) + np.maximum(zero, xd - x1)
        by = np.maximum(zero, y0 - yd) + np.maximum(zero, yd - y1)
        none = k1 == 0
        dx[none] = bx[none]
        dy[none] = by[none]
        e = (dx**2 + dy**2) / variances / (area + np.spacing(1))[:, None] / 2
        similarity = np.exp(-e)
    # Which joints count: the labelled ones, or all where none is.
    counted = labelled | none[:, None]
    n_counted = np.where(none, similarity.shape[1], k1)
    oks = np.empty(len(dt), dtype=np.float64)
    for n in np.unique(n_counted).tolist():
        rows = np.flatnonzero(n_counted == n)
        block = similarity[rows][counted[rows]].reshape(len(rows), n)
        oks[rows] = np.sum(block, axis=1) / n
    return oks
