"""pycocotools as the reference: run COCOeval quietly on in-memory COCO dicts."""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from tests.shared_data import REPO_ROOT as REPO_ROOT
from tests.shared_data import SHARED_DATA as SHARED_DATA
from tests.shared_data import VAL2014_100 as VAL2014_100


def quiet_coco(dataset: dict[str, Any]) -> COCO:
    coco = COCO()
    coco.dataset = copy.deepcopy(dataset)
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def load_results(gt: COCO, results: Sequence[dict[str, Any]]) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return gt.loadRes(copy.deepcopy(list(results)))


def run_cocoeval(
    gt: COCO,
    dt: COCO,
    iou_type: str,
    *,
    max_dets: Sequence[int] | None = None,
    area_ranges: Sequence[Sequence[float]] | None = None,
    img_ids: Sequence[int] | None = None,
    cat_ids: Sequence[int] | None = None,
) -> COCOeval:
    evaluator = COCOeval(gt, dt, iou_type)
    if max_dets is not None:
        evaluator.params.maxDets = list(max_dets)
    if area_ranges is not None:
        evaluator.params.areaRng = [list(r) for r in area_ranges]
    if img_ids is not None:
        evaluator.params.imgIds = list(img_ids)
    if cat_ids is not None:
        evaluator.params.catIds = list(cat_ids)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def eval_images_at_area(evaluator: COCOeval, area_index: int) -> list[dict[str, Any]]:
    """``evalImgs`` entries of one area range (COCOeval orders them cat, area, image)."""
    n_images = len(evaluator.params.imgIds)
    n_areas = len(evaluator.params.areaRng)
    out = []
    for k in range(len(evaluator.params.catIds)):
        start = (k * n_areas + area_index) * n_images
        out.extend(e for e in evaluator.evalImgs[start : start + n_images] if e is not None)
    return out


def expected_detection_flags(
    evaluator: COCOeval, n_detections: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From evalImgs at area 'all': per detection (loadRes ids 1..N) matched gt id (-1),
    tp, fp, and whether COCOeval evaluated it; each ``(N, T)`` except the last."""
    n_thresholds = len(evaluator.params.iouThrs)
    matched = np.full((n_detections, n_thresholds), -1, dtype=np.int64)
    tp = np.zeros((n_detections, n_thresholds), dtype=bool)
    fp = np.zeros((n_detections, n_thresholds), dtype=bool)
    evaluated = np.zeros(n_detections, dtype=bool)
    for e in eval_images_at_area(evaluator, 0):
        for d, det_id in enumerate(e["dtIds"]):
            row = det_id - 1
            dtm = e["dtMatches"][:, d]
            ignored = e["dtIgnore"][:, d].astype(bool)
            evaluated[row] = True
            matched[row] = np.where(dtm != 0, dtm, -1)
            tp[row] = (dtm != 0) & ~ignored
            fp[row] = (dtm == 0) & ~ignored
    return matched, tp, fp, evaluated


def run_cocoeval_with(
    gt: COCO, dt: COCO, iou_type: str, fields: dict[str, Any], *, summarize: bool = True
) -> tuple[COCOeval, str]:
    """COCOeval with ``params.<name> = value`` for each of ``fields`` (pycocotools'
    names; thresholds as arrays, as Params holds them); returns it and what
    ``summarize()`` printed (``""`` when not summarized)."""
    evaluator = COCOeval(gt, dt, iou_type)
    for name, value in fields.items():
        if name in ("iouThrs", "recThrs"):
            value = np.asarray(value, dtype=np.float64)
        elif name != "useCats":
            value = [list(v) for v in value] if name == "areaRng" else list(value)
        setattr(evaluator.params, name, value)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
    printed = io.StringIO()
    if summarize:
        with contextlib.redirect_stdout(printed):
            evaluator.summarize()
    return evaluator, printed.getvalue()
