"""cleanlab's ObjectLab as the baseline of ``bench_label_issues.py``: a dataset's run in
cleanlab's input format, and its per-box subtype scores as ranked candidates per kind
(the mapping of kinds to subtypes is in ``bench_label_issues.py``'s docstring)."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from cocowidget.analysis.planted import Ranked
from cocowidget.dataset import CocoDataset
from cocowidget.evaluation.iou import box_pair_iou, pair_indices


class CleanlabInput:
    """The dataset in cleanlab's format, with the way back from its boxes to ours."""

    def __init__(self, ds: CocoDataset, run: str) -> None:
        annotations, detections = ds.annotations, ds.predictions[run]
        category_ids = np.sort(ds.categories["id"])
        self.n_classes = len(category_ids)
        n_images = len(ds.images)
        self.image_ids = ds.images["id"]
        gt_keep = (annotations["image_index"] >= 0) & (annotations["iscrowd"] == 0)
        gt_rows = np.flatnonzero(gt_keep)
        dt_rows = np.flatnonzero(detections["image_index"] >= 0)
        dt_rows = dt_rows[~self._in_crowds(ds, run, dt_rows)]
        gt_image = annotations["image_index"][gt_rows]
        dt_image = detections["image_index"][dt_rows]
        gt_class = np.searchsorted(category_ids, annotations["category_id"][gt_rows])
        dt_class = np.searchsorted(category_ids, detections["category_id"][dt_rows])
        # Within an image, cleanlab flattens predictions class by class.
        dt_order = np.lexsort((dt_rows, dt_class, dt_image))
        dt_rows, dt_image, dt_class = dt_rows[dt_order], dt_image[dt_order], dt_class[dt_order]
        gt_xyxy = _xyxy(annotations["bbox"][gt_rows])
        dt_xyxy = _xyxy(detections["bbox"][dt_rows])
        dt_score = detections["score"][dt_rows]
        gt_split = np.cumsum(np.bincount(gt_image, minlength=n_images))[:-1]
        dt_split = np.cumsum(np.bincount(dt_image, minlength=n_images))[:-1]
        self.labels = [
            {"bboxes": boxes, "labels": classes, "image_name": str(i)}
            for i, (boxes, classes) in enumerate(
                zip(np.split(gt_xyxy, gt_split), np.split(gt_class, gt_split), strict=True)
            )
        ]
        self.predictions = []
        for boxes, classes, scores in zip(
            np.split(dt_xyxy, dt_split),
            np.split(dt_class, dt_split),
            np.split(dt_score, dt_split),
            strict=True,
        ):
            rows = np.column_stack([boxes, scores]).astype(np.float32)
            starts = np.searchsorted(classes, np.arange(self.n_classes + 1))
            self.predictions.append(
                np.array(
                    [rows[starts[k] : starts[k + 1]] for k in range(self.n_classes)], dtype=object
                )
            )
        self.gt_ids = np.split(annotations["id"][gt_rows], gt_split)
        self.dt_boxes = np.split(detections["bbox"][dt_rows], dt_split)

    @staticmethod
    def _in_crowds(ds: CocoDataset, run: str, dt_rows: np.ndarray) -> np.ndarray:
        annotations, detections = ds.annotations, ds.predictions[run]
        crowd = np.flatnonzero((annotations["iscrowd"] != 0) & (annotations["image_index"] >= 0))
        det, gt = pair_indices(
            detections["image_index"][dt_rows], annotations["image_index"][crowd], len(ds.images)
        )
        iou = box_pair_iou(
            det,
            gt,
            detections["bbox"][dt_rows],
            annotations["bbox"][crowd],
            np.ones(len(crowd), dtype=bool),
        )
        inside = np.zeros(len(dt_rows), dtype=bool)
        inside[det[iou >= 0.5]] = True
        return inside

    def label_ranked(
        self, box_scores: list[np.ndarray], flagged: list[np.ndarray]
    ) -> tuple[Ranked, Ranked]:
        """Per-label-box scores as candidates (lower cleanlab score: more likely), all
        scored boxes and the flagged ones."""
        return self._ranked(box_scores, flagged, self.gt_ids, labels=True)

    def prediction_ranked(
        self, box_scores: list[np.ndarray], flagged: list[np.ndarray]
    ) -> tuple[Ranked, Ranked]:
        return self._ranked(box_scores, flagged, self.dt_boxes, labels=False)

    def _ranked(
        self,
        box_scores: list[np.ndarray],
        flagged: list[np.ndarray],
        objects: list[np.ndarray],
        *,
        labels: bool,
    ) -> tuple[Ranked, Ranked]:
        scores = np.concatenate([np.asarray(s, dtype=np.float64) for s in box_scores])
        is_flagged = np.concatenate(
            [
                f if len(f) == len(s) else np.zeros(len(s), bool)
                for f, s in zip(flagged, box_scores, strict=True)
            ]
        )
        image = np.concatenate(
            [np.full(len(s), self.image_ids[i]) for i, s in enumerate(box_scores)]
        ).astype(np.int64)
        n = len(scores)
        if labels:
            ids = np.concatenate(objects).astype(np.int64)
            boxes = np.full((n, 4), np.nan)
        else:
            ids = np.full(n, -1, dtype=np.int64)
            boxes = np.concatenate(objects).reshape(-1, 4)
        scored = ~np.isnan(scores)

        def pick(keep: np.ndarray) -> Ranked:
            return Ranked(
                score=1.0 - scores[keep],
                image_id=image[keep],
                annotation_id=ids[keep],
                other_annotation_id=np.full(int(keep.sum()), -1, dtype=np.int64),
                box=boxes[keep],
            )

        return pick(scored), pick(scored & is_flagged)


def _xyxy(boxes: np.ndarray) -> np.ndarray:
    out = boxes.astype(np.float64).copy()
    out[:, 2] += out[:, 0]
    out[:, 3] += out[:, 1]
    return out


def cleanlab_per_kind(
    data: CleanlabInput, threshold: float | None
) -> dict[str, tuple[Ranked, Ranked]]:
    """cleanlab's per-box subtype scores, as (all scored, flagged) candidates per kind."""
    from cleanlab.internal.constants import (
        ALPHA,
        BADLOC_THRESHOLD_FACTOR,
        OVERLOOKED_THRESHOLD_FACTOR,
        SWAP_THRESHOLD_FACTOR,
    )
    from cleanlab.object_detection import filter as cl_filter
    from cleanlab.object_detection import rank as cl_rank

    labels, predictions = data.labels, data.predictions
    high = {} if threshold is None else {"high_probability_threshold": threshold}
    low = {} if threshold is None else {"low_probability_threshold": threshold}
    auxiliary = cl_rank._get_valid_inputs_for_compute_scores(ALPHA, labels, predictions)
    overlooked = cl_rank.compute_overlooked_box_scores(auxiliary_inputs=auxiliary, **high)
    swap = cl_rank.compute_swap_box_scores(auxiliary_inputs=auxiliary, **high)
    badloc = cl_rank.compute_badloc_box_scores(auxiliary_inputs=auxiliary, **low)
    lower = [np.fmin(s, b) for s, b in zip(swap, badloc, strict=True)]
    # find_label_issues' own per-box rule (it writes 1.0 over NaN: give it copies).
    ap = quietly(cl_filter._get_per_class_ap, labels, predictions)
    pred_thresholds = cl_filter._process_class_list(
        [cl_rank._separate_prediction(p)[1] for p in predictions], ap
    )
    label_thresholds = cl_filter._process_class_list([lab["labels"] for lab in labels], ap)

    def flags(scores: list[np.ndarray], thresholds: list[Any], factor: float) -> list[np.ndarray]:
        copies = [np.array(s, dtype=np.float64) for s in scores]
        return cl_filter._find_label_issues_per_box(copies, thresholds, factor)

    swap_flags = flags(swap, label_thresholds, SWAP_THRESHOLD_FACTOR)
    badloc_flags = flags(badloc, label_thresholds, BADLOC_THRESHOLD_FACTOR)
    either = [
        np.asarray(a) | np.asarray(b) if len(a) == len(b) else np.asarray(a)
        for a, b in zip(swap_flags, badloc_flags, strict=True)
    ]
    return {
        "missing_label": data.prediction_ranked(
            overlooked, flags(overlooked, pred_thresholds, OVERLOOKED_THRESHOLD_FACTOR)
        ),
        "wrong_class": data.label_ranked(swap, swap_flags),
        "badly_located": data.label_ranked(badloc, badloc_flags),
        "duplicate_label": data.label_ranked(swap, swap_flags),
        "spurious_label": data.label_ranked(lower, either),
    }


def quietly(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)
