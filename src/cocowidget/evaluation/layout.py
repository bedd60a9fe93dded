"""Which rows COCOeval evaluates, and in which order it visits them.

pycocotools keeps, per (image, category), the ground truth in file order and the
detections sorted by descending score (stable mergesort, so file order breaks ties), cut
to ``maxDets[-1]``. The layout reproduces that order once for all images with a lexsort,
so later stages work on contiguous slices instead of dict lookups.

With ``useCats=0`` (``params.use_categories`` false) a group is a whole image: COCOeval
concatenates the image's objects category by category (in ``catIds`` order, each in
file order) and sorts the detections so concatenated by score, so category order breaks
ties before file order. The layout then has one category, id -1, as COCOeval's
``catIds = [-1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, IntArray, position_in_segment
from cocowidget.evaluation.inputs import Detections, GroundTruth
from cocowidget.evaluation.params import EvalParams


def positions(values: IntArray, sorted_ids: IntArray) -> IntArray:
    """Index of each value in ``sorted_ids``, or -1 where it is absent."""
    if len(sorted_ids) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    index = np.searchsorted(sorted_ids, values)
    clipped = np.minimum(index, len(sorted_ids) - 1)
    found = sorted_ids[clipped] == values
    return np.where(found, clipped, -1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Layout:
    """Evaluated rows, grouped by (image, category).

    ``gt_*`` arrays describe evaluated ground truth sorted by (image, category, row);
    ``dt_*`` arrays describe evaluated detections sorted by (image, category, rank), where
    rank orders a group's detections by descending score and only ranks below
    ``maxDets[-1]`` are kept. ``*_rows`` point back into the input columns; ``*_group``
    numbers the (image, category) pairs that hold any of them, in (image, category) order.
    """

    image_ids: IntArray
    category_ids: IntArray
    gt_rows: IntArray
    gt_image: IntArray
    gt_category: IntArray
    gt_group: IntArray
    dt_rows: IntArray
    dt_image: IntArray
    dt_category: IntArray
    dt_group: IntArray
    dt_rank: IntArray
    n_groups: int
    group_image: IntArray
    group_category: IntArray
    #: rank of every input detection in its (image, category), -1 outside the evaluation
    rank_of_row: IntArray

    @property
    def n_images(self) -> int:
        return len(self.image_ids)

    @property
    def n_categories(self) -> int:
        return len(self.category_ids)


def _category_order(params: EvalParams, category_ids: IntArray) -> IntArray:
    """Per evaluated category (ascending id), its place in ``catIds`` as given: the
    order ``useCats=0`` concatenates categories in."""
    if params.category_ids is None:
        return np.arange(len(category_ids), dtype=np.int64)
    given = np.asarray(params.category_ids, dtype=np.int64)
    _, first = np.unique(given, return_index=True)  # aligned with category_ids
    return np.argsort(np.argsort(first)).astype(np.int64)


def build_layout(
    gt: GroundTruth,
    dt: Detections,
    params: EvalParams,
    gt_evaluated: BoolArray | None = None,
    dt_evaluated: BoolArray | None = None,
) -> Layout:
    """``gt_evaluated`` / ``dt_evaluated`` (per input row; ``None``: all) leave rows out
    before anything else, as a protocol's own rules may (LVIS's)."""
    image_ids = params.selected_ids(gt.image_ids, params.image_ids)
    category_ids = params.selected_ids(gt.category_ids, params.category_ids)
    by_category = params.use_categories

    gt_image_all = positions(gt.image_id, image_ids)
    gt_category_all = positions(gt.category_id, category_ids)
    gt_known = (gt_image_all >= 0) & (gt_category_all >= 0)
    gt_rows = np.flatnonzero(gt_known if gt_evaluated is None else gt_known & gt_evaluated)
    dt_image_all = positions(dt.image_id, image_ids)
    dt_category_all = positions(dt.category_id, category_ids)
    dt_known = (dt_image_all >= 0) & (dt_category_all >= 0)
    dt_rows = np.flatnonzero(dt_known if dt_evaluated is None else dt_known & dt_evaluated)
    if not by_category:
        # One group per image; categories only order the objects (see the docstring).
        place = _category_order(params, category_ids)
        gt_rank, dt_rank_key = place[gt_category_all[gt_rows]], place[dt_category_all[dt_rows]]
        gt_order = np.lexsort((gt_rows, gt_rank, gt_image_all[gt_rows]))
        dt_order = np.lexsort((dt_rows, dt_rank_key, -dt.score[dt_rows], dt_image_all[dt_rows]))
        category_ids = np.array([-1], dtype=np.int64)
        gt_category_all = np.where(gt_category_all >= 0, 0, -1)
        dt_category_all = np.where(dt_category_all >= 0, 0, -1)
    else:
        gt_order = np.lexsort((gt_rows, gt_category_all[gt_rows], gt_image_all[gt_rows]))
        dt_order = np.lexsort(
            (dt_rows, -dt.score[dt_rows], dt_category_all[dt_rows], dt_image_all[dt_rows])
        )
    n_categories = len(category_ids)
    gt_rows = gt_rows[gt_order]
    gt_image = gt_image_all[gt_rows]
    gt_category = gt_category_all[gt_rows]

    dt_rows = dt_rows[dt_order]
    dt_key = dt_image_all[dt_rows] * n_categories + dt_category_all[dt_rows]
    _, dt_key_index = np.unique(dt_key, return_inverse=True)
    rank = position_in_segment(dt_key_index.reshape(-1).astype(np.int64), len(dt_key))
    rank_of_row = np.full(len(dt), -1, dtype=np.int64)
    rank_of_row[dt_rows] = rank
    kept = rank < params.max_detections_evaluated
    dt_rows = dt_rows[kept]
    dt_rank = rank[kept]
    dt_image = dt_image_all[dt_rows]
    dt_category = dt_category_all[dt_rows]

    gt_key = gt_image * n_categories + gt_category
    dt_key = dt_image * n_categories + dt_category
    group_keys, inverse = np.unique(np.concatenate([gt_key, dt_key]), return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    return Layout(
        image_ids=image_ids,
        category_ids=category_ids,
        gt_rows=gt_rows,
        gt_image=gt_image,
        gt_category=gt_category,
        gt_group=inverse[: len(gt_key)],
        dt_rows=dt_rows,
        dt_image=dt_image,
        dt_category=dt_category,
        dt_group=inverse[len(gt_key) :],
        dt_rank=dt_rank,
        n_groups=len(group_keys),
        group_image=(group_keys // max(n_categories, 1)).astype(np.int64),
        group_category=(group_keys % max(n_categories, 1)).astype(np.int64),
        rank_of_row=rank_of_row,
    )
