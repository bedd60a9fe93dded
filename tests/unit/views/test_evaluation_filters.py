"""Error filters against pycocotools: COCOeval's evalImgs say which detections are false
positives and which objects are missed; pycocotools' IoU says why a detection is wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from cocowidget.data.dataset import CocoDataset
from cocowidget.datasets import DemoPaths
from cocowidget.evaluation.result import Evaluation
from cocowidget.views.evaluation_filters import (
    OperatingPoint,
    class_images,
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
    expected = (run["outcome50"] != "true positive") & (run["outcome50"] != "ignored")
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
