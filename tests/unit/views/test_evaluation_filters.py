"""Error filters against pycocotools: COCOeval's evalImgs say which detections are false
positives and which objects are missed; pycocotools' IoU says why a detection is wrong."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.cocoeval import COCOeval

from cocowidget.dataset import CocoDataset
from cocowidget.datasets import DemoPaths
from cocowidget.evaluation.result import Evaluation
from cocowidget.views.evaluation_filters import (
    OperatingPoint,
    class_images,
    confusion_cell,
    error_counts,
    false_positive_ids,
    false_positive_mask,
    images_with_class,
    images_with_false_positives,
    images_with_missed,
    missed_ids,
)
from tests.unit.evaluation.reference import (
    eval_images_at_area,
    load_results,
    quiet_coco,
    run_cocoeval,
)

# (IoU threshold, score threshold): the grid's default, a strict one, and everything.
POINTS = [(0.5, 0.3), (0.75, 0.5), (0.5, 0.0)]
BACKGROUND_IOU = 0.1


@dataclass
class Case:
    ds: CocoDataset
    ev: Evaluation
    evaluator: Any
    results: list[dict[str, Any]]  # detection id k + 1 is results[k] (as loadRes numbers)
    gt: dict[str, Any]


def _case(annotations: Path, results_path: Path, image_dir: Path | None = None) -> Case:
    gt = json.loads(annotations.read_text())
    results = json.loads(results_path.read_text())
    for result in results:
        result.pop("id", None)  # both sides then number detections 1..N in file order
    ds = CocoDataset.from_coco(gt, image_dir=image_dir)
    ds.add_predictions(results, name="run")
    ev = ds.evaluate("run")
    coco = quiet_coco(gt)
    evaluator = run_cocoeval(coco, load_results(coco, results), "bbox")
    return Case(ds, ev, evaluator, results, gt)


@pytest.fixture(scope="module")
def demo_case(demo: DemoPaths) -> Case:
    return _case(demo.annotations, demo.predictions, demo.image_dir)


@pytest.fixture(scope="module")
def real_case(shared_data: Path) -> Case:
    folder = shared_data / "cocoapi_val2014_100"
    return _case(
        folder / "instances_val2014_100.json",
        folder / "instances_val2014_fakebbox100_results.json",
    )


@pytest.fixture(scope="module", params=["demo", "real"])
def case(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(f"{request.param}_case")  # type: ignore[no-any-return]


# -- the reference -------------------------------------------------------------------------
def _t_index(case: Case, iou: float) -> int:
    return int(np.argmin(np.abs(case.evaluator.params.iouThrs - iou)))


def reference_false_positives(case: Case, iou: float, score: float) -> list[dict[str, Any]]:
    """COCOeval's false positives at area 'all' scoring >= score: id, image, class."""
    t = _t_index(case, iou)
    out = []
    for e in eval_images_at_area(case.evaluator, 0):
        for d, det_id in enumerate(e["dtIds"]):
            wrong = e["dtMatches"][t, d] == 0 and not e["dtIgnore"][t, d]
            if wrong and e["dtScores"][d] >= score:
                out.append(
                    {"id": det_id, "image_id": e["image_id"], "category_id": e["category_id"]}
                )
    return out


def reference_missed(case: Case, iou: float, score: float) -> list[dict[str, Any]]:
    """Counted ground truth that no true positive scoring >= score claimed."""
    t = _t_index(case, iou)
    scores = {k + 1: r["score"] for k, r in enumerate(case.results)}
    areas = {a["id"]: a["area"] for a in case.gt["annotations"]}
    out = []
    for e in eval_images_at_area(case.evaluator, 0):
        for g, gt_id in enumerate(e["gtIds"]):
            if e["gtIgnore"][g]:
                continue
            claimer = int(e["gtMatches"][t, g])
            if claimer == 0 or scores[claimer] < score:
                out.append(
                    {
                        "id": gt_id,
                        "image_id": e["image_id"],
                        "category_id": e["category_id"],
                        "area": areas[gt_id],
                    }
                )
    return out


def reference_reason(case: Case, det_id: int, iou: float) -> tuple[str, int]:
    """Why a false positive is wrong (the detections_table rules, from pycocotools' IoU
    over the image's non-crowd objects), and the class of its best other-class overlap."""
    det = case.results[det_id - 1]
    objects = [
        a
        for a in case.gt["annotations"]
        if a["image_id"] == det["image_id"] and not a.get("iscrowd", 0)
    ]
    same = other = 0.0
    other_class = -1
    if objects:
        ious = mask_utils.iou([det["bbox"]], [a["bbox"] for a in objects], [0] * len(objects))[0]
        for a, value in zip(objects, ious, strict=True):
            if a["category_id"] == det["category_id"]:
                same = max(same, value)
            elif value > other:
                other, other_class = value, a["category_id"]
    limit = min(iou, 1 - 1e-10)
    if same >= limit:
        return "duplicate", other_class
    if other >= limit:
        return "confusion", other_class
    if same >= BACKGROUND_IOU:
        return "localisation", other_class
    if other >= BACKGROUND_IOU:
        return "confusion", other_class
    return "background", other_class


def image_set(rows: list[dict[str, Any]], **where: Any) -> list[int]:
    return sorted({r["image_id"] for r in rows if all(r[k] == v for k, v in where.items())})


def id_list(rows: list[dict[str, Any]], **where: Any) -> list[int]:
    return sorted(r["id"] for r in rows if all(r[k] == v for k, v in where.items()))


def category_ids(case: Case) -> list[int]:
    return [int(c) for c in case.ev.category_ids]


# -- false positives -----------------------------------------------------------------------
@pytest.mark.parametrize(("iou", "score"), POINTS)
def test_images_with_false_positives_of_each_class(case: Case, iou: float, score: float) -> None:
    expected = reference_false_positives(case, iou, score)
    assert expected, "the case must have false positives to test anything"
    found = images_with_false_positives(case.ev, iou_threshold=iou, score_threshold=score)
    assert found.tolist() == image_set(expected)
    for category in category_ids(case):
        found = images_with_false_positives(
            case.ev, category_id=category, iou_threshold=iou, score_threshold=score
        )
        assert found.tolist() == image_set(expected, category_id=category), category


@pytest.mark.parametrize(("iou", "score"), POINTS)
def test_false_positive_ids_and_reasons(case: Case, iou: float, score: float) -> None:
    expected = reference_false_positives(case, iou, score)
    for row in expected:
        row["reason"], row["on_class"] = reference_reason(case, row["id"], iou)
    assert sorted(false_positive_ids(case.ev, iou_threshold=iou, score_threshold=score)) == (
        id_list(expected)
    )
    for reason in ("duplicate", "localisation", "confusion", "background"):
        found = false_positive_ids(case.ev, reason=reason, iou_threshold=iou, score_threshold=score)
        assert sorted(found.tolist()) == id_list(expected, reason=reason), reason
    several = false_positive_ids(
        case.ev, reason=["duplicate", "background"], iou_threshold=iou, score_threshold=score
    )
    assert sorted(several.tolist()) == sorted(
        id_list(expected, reason="duplicate") + id_list(expected, reason="background")
    )
    # Present in the demo at the default point: every kind of mistake the simulated
    # detector makes shows up under its own reason.
    if len(case.ds) == 120 and (iou, score) == (0.5, 0.3):
        assert {r["reason"] for r in expected} == {
            "duplicate",
            "localisation",
            "confusion",
            "background",
        }


def test_false_positives_of_a_class_confused_with_another(case: Case) -> None:
    iou, score = 0.5, 0.0
    expected = reference_false_positives(case, iou, score)
    for row in expected:
        row["reason"], row["on_class"] = reference_reason(case, row["id"], iou)
    confusions = [r for r in expected if r["reason"] == "confusion"]
    assert confusions
    pairs = {(r["category_id"], r["on_class"]) for r in confusions}
    for labelled, truth in sorted(pairs):
        found = images_with_false_positives(
            case.ev,
            category_id=labelled,
            reason="confusion",
            confused_with=truth,
            score_threshold=0,
        )
        assert found.tolist() == image_set(confusions, category_id=labelled, on_class=truth)


def test_false_positive_mask_rows_are_detection_rows(demo_case: Case) -> None:
    mask = false_positive_mask(demo_case.ev, category_id=1, iou_threshold=0.5, score_threshold=0.3)
    run = demo_case.ds.predictions["run"]
    # The evaluation's detection rows are the run's rows; the attached column agrees.
    assert np.array_equal(demo_case.ev.detections["id"], run["id"])
    expected = (run["run.outcome50"] != "true positive") & (run["run.outcome50"] != "ignored")
    expected &= (run["score"] >= 0.3) & (run["category_id"] == 1)
    assert np.array_equal(mask, expected)


# -- missed objects ------------------------------------------------------------------------
@pytest.mark.parametrize(("iou", "score"), POINTS)
def test_images_and_ids_of_missed_objects(case: Case, iou: float, score: float) -> None:
    expected = reference_missed(case, iou, score)
    assert expected
    point = {"iou_threshold": iou, "score_threshold": score}
    assert images_with_missed(case.ev, **point).tolist() == image_set(expected)
    assert sorted(missed_ids(case.ev, **point).tolist()) == id_list(expected)
    for category in category_ids(case):
        found = images_with_missed(case.ev, category_id=category, **point)
        assert found.tolist() == image_set(expected, category_id=category), category


@pytest.mark.parametrize(("iou", "score"), POINTS)
def test_missed_small_objects(case: Case, iou: float, score: float) -> None:
    expected = reference_missed(case, iou, score)
    small = [r for r in expected if r["area"] <= 32**2]
    medium = [r for r in expected if 32**2 <= r["area"] <= 96**2]
    assert small and medium
    point = {"iou_threshold": iou, "score_threshold": score}
    assert sorted(missed_ids(case.ev, size="small", **point).tolist()) == id_list(small)
    assert sorted(missed_ids(case.ev, size="medium", **point).tolist()) == id_list(medium)
    assert images_with_missed(case.ev, size="small", **point).tolist() == image_set(small)


def test_missed_objects_match_the_counts_of_the_grid(demo_case: Case) -> None:
    counts = demo_case.ev.image_counts(0.6, 0.4)
    missed = images_with_missed(demo_case.ev, iou_threshold=0.6, score_threshold=0.4)
    assert missed.tolist() == demo_case.ev.image_ids[counts.fn > 0].tolist()
    wrong = images_with_false_positives(demo_case.ev, iou_threshold=0.6, score_threshold=0.4)
    assert wrong.tolist() == demo_case.ev.image_ids[counts.fp > 0].tolist()


# -- images with a class -------------------------------------------------------------------
@pytest.mark.parametrize("score", [0.0, 0.3, 0.9])
def test_images_with_a_class(case: Case, score: float) -> None:
    evaluated = {image["id"] for image in case.gt["images"]}
    for category in category_ids(case):
        truth = {
            a["image_id"]
            for a in case.gt["annotations"]
            if a["category_id"] == category and a["image_id"] in evaluated
        }
        detected = {
            r["image_id"]
            for r in case.results
            if r["category_id"] == category and r["score"] >= score and r["image_id"] in evaluated
        }
        ev = case.ev
        assert images_with_class(ev, category, score_threshold=score).tolist() == sorted(
            truth | detected
        )
        only_truth = images_with_class(ev, category, detections=False)
        assert only_truth.tolist() == sorted(truth)
        only_detected = images_with_class(ev, category, ground_truth=False, score_threshold=score)
        assert only_detected.tolist() == sorted(detected)


def test_class_images_dispatch(demo_case: Case) -> None:
    ev = demo_case.ev
    assert class_images(ev, None, "all") is None
    both = class_images(ev, 3, "all", score_threshold=0.3)
    assert both is not None
    assert both.tolist() == images_with_class(ev, 3, score_threshold=0.3).tolist()
    wrong = class_images(ev, 3, "false_positives", iou_threshold=0.75, score_threshold=0.2)
    assert wrong is not None
    expected = images_with_false_positives(
        ev, category_id=3, iou_threshold=0.75, score_threshold=0.2
    )
    assert wrong.tolist() == expected.tolist()
    any_missed = class_images(ev, None, "missed")
    assert any_missed is not None
    assert any_missed.tolist() == images_with_missed(ev).tolist()
    # A class's errors lie in images that have the class.
    assert set(expected.tolist()) <= set(images_with_class(ev, 3, score_threshold=0.2).tolist())


@pytest.mark.parametrize(("iou", "score"), POINTS)
def test_error_counts_by_reason_and_size(case: Case, iou: float, score: float) -> None:
    wrong = reference_false_positives(case, iou, score)
    for row in wrong:
        row["reason"], _ = reference_reason(case, row["id"], iou)
    missed = reference_missed(case, iou, score)
    sizes = {"small": (0, 32**2), "medium": (32**2, 96**2), "large": (96**2, 1e10)}
    for category in [None, *category_ids(case)]:
        of_class = {} if category is None else {"category_id": category}
        counts = error_counts(case.ev, category, iou_threshold=iou, score_threshold=score)
        assert counts.false_positives == {
            reason: len(id_list(wrong, reason=reason, **of_class))
            for reason in ("duplicate", "localisation", "confusion", "background")
        }
        missed_of_class = [r for r in missed if category in (None, r["category_id"])]
        assert counts.missed == {
            size: sum(1 for r in missed_of_class if lo <= r["area"] <= hi)
            for size, (lo, hi) in sizes.items()
        }


def test_class_images_of_one_reason_or_size(demo_case: Case) -> None:
    ev = demo_case.ev
    point = {"iou_threshold": 0.5, "score_threshold": 0.3}
    for reason in ("duplicate", "background"):
        found = class_images(ev, None, "false_positives", reason=reason, **point)
        assert found is not None
        expected = images_with_false_positives(ev, reason=reason, **point)
        assert found.tolist() == expected.tolist()
        assert 0 < len(found) < len(images_with_false_positives(ev, **point))
    small = class_images(ev, 1, "missed", size="small", **point)
    assert small is not None
    assert small.tolist() == images_with_missed(ev, category_id=1, size="small", **point).tolist()


# -- confusion matrix cells ------------------------------------------------------------------
@dataclass
class AgnosticMatches:
    """pycocotools' class-agnostic matching (COCOeval with ``useCats = 0``) at one
    operating point: matched (detection id, annotation id) pairs, detections that
    matched nothing, counted objects nothing matched."""

    pairs: list[tuple[int, int]]
    unmatched: list[int]
    missed: list[int]


@pytest.fixture(scope="module")
def agnostic(case: Case) -> COCOeval:
    coco = quiet_coco(case.gt)
    evaluator = COCOeval(coco, load_results(coco, case.results), "bbox")
    evaluator.params.useCats = 0
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
    # COCOeval without classes keeps an image's 100 best detections; cocowidget's matrix
    # keeps 100 per image and class: the same while no image has more than 100.
    per_image = np.bincount([r["image_id"] for r in case.results])
    assert per_image.max() <= evaluator.params.maxDets[-1]
    return evaluator


def reference_agnostic(
    case: Case, evaluator: COCOeval, iou: float, score: float
) -> AgnosticMatches:
    """Dropping the detections below ``score`` changes no match of the others (greedy in
    descending score order), so one evaluation serves every score threshold."""
    t = int(np.argmin(np.abs(evaluator.params.iouThrs - iou)))
    scores = {k + 1: r["score"] for k, r in enumerate(case.results)}
    out = AgnosticMatches([], [], [])
    for e in evaluator.evalImgs[: len(evaluator.params.imgIds)]:  # area 'all'
        if e is None:
            continue
        for d, det_id in enumerate(e["dtIds"]):
            matched = int(e["dtMatches"][t, d])
            if scores[det_id] < score or (matched and e["dtIgnore"][t, d]):
                continue  # below the threshold, or on a crowd region: not in the matrix
            if matched:
                out.pairs.append((det_id, matched))
            else:
                out.unmatched.append(det_id)
        for g, gt_id in enumerate(e["gtIds"]):
            claimer = int(e["gtMatches"][t, g])
            if not e["gtIgnore"][g] and (claimer == 0 or scores[claimer] < score):
                out.missed.append(gt_id)
    return out


@pytest.mark.parametrize(("iou", "score"), POINTS)
def test_confusion_cells_are_pycocotools_class_agnostic_matches(
    case: Case, agnostic: COCOeval, iou: float, score: float
) -> None:
    ev = case.ev
    reference = reference_agnostic(case, agnostic, iou, score)
    det_class = {k + 1: r["category_id"] for k, r in enumerate(case.results)}
    det_image = {k + 1: r["image_id"] for k, r in enumerate(case.results)}
    gt_class = {a["id"]: a["category_id"] for a in case.gt["annotations"]}
    gt_image = {a["id"]: a["image_id"] for a in case.gt["annotations"]}
    matrix = ev.confusion_matrix(iou, score)
    classes = [*category_ids(case), None]
    assert matrix.category_ids.tolist() == classes[:-1]
    point = {"iou_threshold": iou, "score_threshold": score}
    checked = 0
    for i, truth in enumerate(classes):
        for j, predicted in enumerate(classes):
            if truth is None and predicted is None:
                expected_pairs: list[tuple[int, int]] = []
                images = set()
            elif truth is None:  # background: detections that matched nothing
                dets = sorted(d for d in reference.unmatched if det_class[d] == predicted)
                expected_pairs = [(d, -1) for d in dets]
                images = {det_image[d] for d in dets}
            elif predicted is None:  # missed objects
                objects = sorted(g for g in reference.missed if gt_class[g] == truth)
                expected_pairs = [(-1, g) for g in objects]
                images = {gt_image[g] for g in objects}
            else:
                expected_pairs = sorted(
                    (d, g)
                    for d, g in reference.pairs
                    if det_class[d] == predicted and gt_class[g] == truth
                )
                images = {det_image[d] for d, _ in expected_pairs}
            if not expected_pairs and (i + j) % 23:
                continue  # most empty cells: a sample of them is enough (the run is slow)
            cell = confusion_cell(ev, truth, predicted, **point)
            found = _cell_pairs(cell.detection_ids.tolist(), cell.annotation_ids.tolist())
            assert sorted(found) == expected_pairs, (truth, predicted)
            assert cell.image_ids.tolist() == sorted(images), (truth, predicted)
            assert cell.count == len(expected_pairs) == matrix.counts[i, j], (truth, predicted)
            assert (cell.true_category_id, cell.predicted_category_id) == (truth, predicted)
            checked += 1
    # Every kind of cell was there to check: mix-ups, hits, background and missed.
    off_diagonal = matrix.counts[:-1, :-1].sum() - np.trace(matrix.counts[:-1, :-1])
    assert off_diagonal > 0 and np.trace(matrix.counts) > 0
    assert matrix.counts[-1].sum() > 0 and matrix.counts[:, -1].sum() > 0
    assert checked > len(classes)


def _cell_pairs(detections: list[int], annotations: list[int]) -> list[tuple[int, int]]:
    if not detections:
        return [(-1, g) for g in annotations]
    if not annotations:
        return [(d, -1) for d in detections]
    return list(zip(detections, annotations, strict=True))


def test_confusion_cell_ids_are_in_table_order(demo_case: Case) -> None:
    # Each image's detections in reverse file order: lowest score first, so the matching
    # (highest score first) visits them in another order than the table's.
    ds = CocoDataset.from_coco(demo_case.gt)
    ds.add_predictions(demo_case.results[::-1], name="reversed")
    ev = ds.evaluate("reversed")
    detections, truth = ev.detections, ev.ground_truth
    row_of = {int(i): row for row, i in enumerate(detections["id"].tolist())}
    counts = ev.confusion_matrix(0.5, 0.0).counts[:-1, :-1].copy()
    np.fill_diagonal(counts, 0)
    mixed = [int(ev.category_ids[k]) for k in np.unravel_index(counts.argmax(), counts.shape)]
    for truth_class, predicted in [(3, 3), (None, 3), (mixed[0], mixed[1])]:
        cell = confusion_cell(ev, truth_class, predicted, iou_threshold=0.5, score_threshold=0)
        rows = [row_of[i] for i in cell.detection_ids.tolist()]
        assert len(rows) > 1 and rows == sorted(rows), (truth_class, predicted)
    cell = confusion_cell(ev, 3, 3, iou_threshold=0.5, score_threshold=0.0)
    assert len(cell.detection_ids) == len(cell.annotation_ids)
    labelled = detections["category_id"][np.isin(detections["id"], cell.detection_ids)]
    assert set(labelled.tolist()) == {3}
    assert set(truth["category_id"][np.isin(truth["id"], cell.annotation_ids)].tolist()) == {3}


def test_confusion_cell_arguments(demo_case: Case) -> None:
    ev = demo_case.ev
    nothing = confusion_cell(ev, None, None)
    assert nothing.count == 0 and nothing.image_ids.size == 0
    default = confusion_cell(ev, 1, None)
    at_default = confusion_cell(
        ev, 1, None, iou_threshold=ev.iou_threshold, score_threshold=ev.score_threshold
    )
    assert default.annotation_ids.tolist() == at_default.annotation_ids.tolist()
    assert default.count == ev.confusion_matrix(ev.iou_threshold).counts[0, -1] > 0
    with pytest.raises(KeyError, match="999"):
        confusion_cell(ev, 999, 1)
    with pytest.raises(KeyError, match="999"):
        confusion_cell(ev, None, 999)
    with pytest.raises(ValueError, match=r"0\.55"):
        confusion_cell(ev, 1, 1, iou_threshold=0.52)


# -- defaults and errors -------------------------------------------------------------------
def test_default_operating_point_is_the_evaluations(demo_case: Case) -> None:
    ev = demo_case.ev
    point = OperatingPoint.of(ev)
    assert (point.iou_threshold, point.score_threshold) == (ev.iou_threshold, ev.score_threshold)
    assert images_with_false_positives(ev).tolist() == (
        images_with_false_positives(
            ev, iou_threshold=ev.iou_threshold, score_threshold=ev.score_threshold
        ).tolist()
    )


def test_bad_arguments_are_named(demo_case: Case) -> None:
    ev = demo_case.ev
    with pytest.raises(ValueError, match=r"0\.55"):
        images_with_false_positives(ev, iou_threshold=0.52)
    with pytest.raises(ValueError, match="localisation"):
        false_positive_ids(ev, reason="mislabelled")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="small"):
        missed_ids(ev, size="tiny")
    with pytest.raises(KeyError, match="999"):
        images_with_class(ev, 999)
    with pytest.raises(ValueError, match="image_filter"):
        class_images(ev, 1, "wrong")  # type: ignore[arg-type]
