"""``ev.error_breakdown``: per class, the errors by kind add up to the class table's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cocowidget import CocoDataset
from cocowidget.datasets import generate_coco_dict
from cocowidget.evaluation import Evaluation
from cocowidget.evaluation.outcomes import DetectionOutcome

KINDS = ("duplicate", "localisation", "confusion", "background")


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return generate_coco_dict(80, 5)


def _evaluate(demo: Any, **options: Any) -> Evaluation:
    ds = CocoDataset.from_coco(demo[0])
    ds.add_predictions(demo[1], "m")
    ev = ds.evaluate("m", **options)
    assert isinstance(ev, Evaluation)
    return ev


@pytest.mark.parametrize(("iou", "score"), [(0.5, 0.5), (0.75, 0.3), (0.95, 0.0)])
def test_kinds_add_up_to_the_class_tables_counts(demo: Any, iou: float, score: float) -> None:
    ev = _evaluate(demo)
    table = ev.error_breakdown(iou, score)
    classes = ev.class_table(iou, score)
    assert table["category_id"].tolist() == classes["category_id"].tolist()
    fp = sum(table[kind] for kind in KINDS)
    np.testing.assert_array_equal(fp, classes["fp"])
    np.testing.assert_array_equal(table["missed"], classes["fn"])
    np.testing.assert_array_equal(table["tp"], classes["tp"])
    np.testing.assert_array_equal(table["errors"], classes["fp"] + classes["fn"])
    assert table["errors"].sum() > 0


def test_each_kind_counts_the_detections_of_that_outcome(demo: Any) -> None:
    # Read back from the per-detection table directly: a counted false positive is an
    # evaluated detection at or above the score with COCOeval's fp flag.
    ev = _evaluate(demo)
    t = ev.params.iou_index(0.5)
    table = ev.error_breakdown(0.5, 0.4)
    dt = ev.detections
    counted_fp = dt["evaluated"] & (dt["score"] >= 0.4) & dt["fp"][:, t]
    for row, category_id in enumerate(table["category_id"].tolist()):
        mine = counted_fp & (dt["category_id"] == category_id)
        for kind in KINDS:
            code = DetectionOutcome[kind.upper()]
            assert table[kind][row] == int((mine & (dt["outcome"][:, t] == code)).sum())


def test_without_categories_one_row_counts_everything(demo: Any) -> None:
    ev = _evaluate(demo, useCats=0)
    table = ev.error_breakdown()
    classes = ev.class_table()
    assert len(table) == 1
    assert sum(int(table[kind][0]) for kind in KINDS) == int(classes["fp"][0])
    assert int(table["missed"][0]) == int(classes["fn"][0])


def test_only_the_evaluated_categories(demo: Any) -> None:
    first = demo[0]["categories"][1]["id"]
    ev = _evaluate(demo, catIds=[first])
    table = ev.error_breakdown()
    assert table["category_id"].tolist() == [first]
    assert int(table["errors"][0]) == int(ev.class_table()["fp"][0] + ev.class_table()["fn"][0])
