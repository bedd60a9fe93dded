"""What the evaluation charts draw: summary rows, class labels, curves, confusion cuts."""

from __future__ import annotations

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset
from cocowidget.datasets import generate_coco_dict
from cocowidget.evaluation.confusion import ConfusionMatrix
from cocowidget.evaluation.result import Evaluation
from cocowidget.views.evaluation_charts import (
    class_labels,
    confusion_view,
    precision_curves,
    stat_rows,
)


@pytest.fixture(scope="module")
def ev() -> Evaluation:
    data, results = generate_coco_dict(40, seed=5)
    # A class nobody annotated: no ground truth, no AP, no curve.
    data["categories"].append({"id": 999, "name": "unicorn", "supercategory": "none"})
    ds = CocoDataset.from_coco(data)
    ds.add_predictions(results, name="run")
    return ds.evaluate("run")


def test_stat_rows_are_cocoeval_stats(ev: Evaluation) -> None:
    precision, recall = stat_rows(ev)
    assert [s.label for s in precision] == ["AP", "AP50", "AP75", "small", "medium", "large"]
    assert [s.label for s in recall] == ["AR1", "AR10", "AR100", "small", "medium", "large"]
    values = [s.value for s in precision + recall]
    expected = [np.nan if v < 0 else v for v in ev.stats.tolist()]
    np.testing.assert_array_equal(values, expected)
    assert "0.50:0.95" in precision[0].meaning and "area < 32²" in precision[3].meaning


def test_class_labels_are_distinct() -> None:
    labels = class_labels([1, 2, 3, 4], ["cat", "dog", "cat", ""])
    assert labels == ["cat (1)", "dog", "cat (3)", "(4)"]
    assert class_labels([7, 9], None) == ["7", "9"]


def test_precision_curves(ev: Evaluation) -> None:
    curves = precision_curves(ev, 0.5)
    stored = ev.pr_curves["precision"]  # (K, T, R), -1 without ground truth
    has_truth = ev.classes["n_gt"] > 0
    assert not has_truth.all(), "the fixture has a class without ground truth"
    np.testing.assert_array_equal(curves.has_truth, has_truth)
    np.testing.assert_array_equal(curves.precision[has_truth], stored[has_truth, 0])
    assert np.isnan(curves.precision[~has_truth]).all()
    np.testing.assert_allclose(curves.ap[has_truth], ev.classes["ap50"][has_truth])
    np.testing.assert_allclose(curves.mean, stored[has_truth, 0].mean(axis=0))
    # The class mean of AP50 is COCO's AP50.
    assert np.nanmean(curves.ap) == pytest.approx(ev.stats[1])
    averaged = precision_curves(ev, None)
    np.testing.assert_allclose(averaged.ap[has_truth], ev.classes["ap"][has_truth])
    assert np.nanmean(averaged.ap) == pytest.approx(ev.stats[0])
    np.testing.assert_array_equal(averaged.recall, ev.recall_thresholds)
    with pytest.raises(ValueError, match=r"0\.52"):
        precision_curves(ev, 0.52)


def matrix_of(counts: list[list[int]]) -> ConfusionMatrix:
    array = np.array(counts, dtype=np.int64)
    k = array.shape[0] - 1
    return ConfusionMatrix(np.arange(10, 10 + k), array, 0.5, 0.3)


def test_confusion_modes() -> None:
    matrix = matrix_of(
        [
            [9, 2, 0, 1],  # class 10: 9 right, 2 as class 11, 1 missed
            [0, 5, 0, 3],
            [0, 0, 4, 0],
            [6, 1, 2, 0],  # background detections per predicted class
        ]
    )
    labels = ["a", "b", "c"]
    errors = confusion_view(matrix, labels, mode="errors")
    assert errors.rows == errors.columns == ["a", "b", "c"]
    assert not errors.with_background
    np.testing.assert_array_equal(errors.counts, matrix.counts[:3, :3])
    assert np.isnan(np.diag(errors.values)).all()
    assert errors.values[0, 1] == 2 and np.isnan(errors.values[1, 0])  # empty stays blank

    counts = confusion_view(matrix, labels, mode="counts")
    assert counts.rows == ["a", "b", "c", "(background)"]
    assert counts.columns == ["a", "b", "c", "(missed)"]
    np.testing.assert_array_equal(counts.counts, matrix.counts)
    assert counts.values[0, 0] == 9

    shares = confusion_view(matrix, labels, mode="shares")
    np.testing.assert_array_equal(shares.row_totals, [12, 8, 4, 9])
    assert shares.values[0, 0] == pytest.approx(9 / 12)
    np.testing.assert_allclose(np.nansum(shares.values, axis=1), 1.0)
    with pytest.raises(ValueError, match="mode"):
        confusion_view(matrix, labels, mode="odd")  # type: ignore[arg-type]


def test_confusion_keeps_the_most_mixed_up_classes() -> None:
    counts = np.zeros((6, 6), dtype=np.int64)
    np.fill_diagonal(counts, 50)
    counts[0, 3] = 7  # a <-> d mixed up
    counts[3, 0] = 2
    counts[4, 1] = 1  # e -> b
    matrix = matrix_of(counts.tolist())
    view = confusion_view(matrix, ["a", "b", "c", "d", "e"], mode="counts", max_classes=3)
    assert view.rows == ["a", "b", "d", "(background)"]
    assert view.category_ids == [10, 11, 13]
    assert view.classes_total == 5
    assert view.counts[0, 2] == 7
