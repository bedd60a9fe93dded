"""The generator's planted mistakes, found again: recall (and precision at k) above floors.

Measured on this set (500 images, seed 1; ``benchmarks/bench_label_issues.py`` has the
2,000-image table): boxes recall 0.61 missing, 0.59 wrong class, 0.53 badly located,
1.00 duplicates, 0.81 spurious; masks 0.67, 0.54, 0.45, 0.96, 0.64. The floors leave a
margin for generator changes, not for a finder that got worse.
"""

from __future__ import annotations

from typing import Any

import pytest

from cocowidget.analysis import KINDS
from cocowidget.analysis.planted import Ranked, recovery
from cocowidget.dataset import CocoDataset
from cocowidget.datasets import generate_coco_dict_with_mistakes

RUN = "detector"
#: kind: (recall floor, precision-at-k floor), boxes then masks
FLOORS = {
    "bbox": {
        "missing_label": (0.5, 0.5),
        "wrong_class": (0.45, 0.45),
        "badly_located": (0.45, 0.45),
        "duplicate_label": (0.95, 0.95),
        "spurious_label": (0.7, 0.1),
    },
    "segm": {
        "missing_label": (0.55, 0.5),
        "wrong_class": (0.45, 0.4),
        "badly_located": (0.35, 0.3),
        "duplicate_label": (0.9, 0.9),
        "spurious_label": (0.55, 0.05),
    },
}


@pytest.fixture(scope="module")
def planted() -> tuple[CocoDataset, dict[str, Any]]:
    dataset, results, record = generate_coco_dict_with_mistakes(500, seed=1)
    ds = CocoDataset.from_coco(dataset)
    ds.add_predictions(results, RUN)
    return ds, record


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_planted_mistakes_are_found(
    planted: tuple[CocoDataset, dict[str, Any]], iou_type: str
) -> None:
    ds, record = planted
    issues = ds.label_issues(RUN, iou_type)
    for kind in KINDS:
        mistakes = [m for m in record["mistakes"] if m["kind"] == kind]
        assert len(mistakes) >= 40, kind  # enough to measure
        found = recovery(Ranked.of_kind(issues, kind), mistakes, kind)
        recall_floor, precision_floor = FLOORS[iou_type][kind]
        assert found.recall >= recall_floor, (kind, found)
        assert found.precision_at_k >= precision_floor, (kind, found)
