"""``ev.metric_importance``: which metrics go with finding objects and with right detections."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import spearmanr

from cocowidget import CocoDataset
from cocowidget.datasets import generate_coco_dict
from cocowidget.evaluation import Evaluation
from cocowidget.evaluation.importance_options import ImportanceOptions
from cocowidget.evaluation.outcomes import DetectionOutcome, GroundTruthStatus

FAST = ImportanceOptions(bootstrap=20, repeats=2, max_rows=2_000)


@pytest.fixture(scope="module")
def ds() -> CocoDataset:
    data, results = generate_coco_dict(160, 7)
    dataset = CocoDataset.from_coco(data)
    dataset.add_predictions(results, "m")
    return dataset


@pytest.fixture(scope="module")
def ev(ds: CocoDataset) -> Evaluation:  # the evaluation holds its dataset weakly
    evaluation = ds.evaluate("m")
    assert isinstance(evaluation, Evaluation)
    return evaluation


@pytest.fixture(scope="module")
def table(ev: Evaluation) -> Any:
    return ev.metric_importance(options=FAST)


def _rows(table: Any, outcome: str) -> dict[tuple[str, str], int]:
    return {
        (str(table["metric"][i]), str(table["kind"][i])): i
        for i in range(len(table))
        if table["outcome"][i] == outcome
    }


def test_correlations_are_spearmans_on_the_counted_rows(ev: Evaluation, table: Any) -> None:
    # The counted objects and detections, read from the result tables apart from the
    # verdict rule: matched at IoU .5 by a detection at or above the score, or missed.
    t, score = ev.params.iou_index(ev.iou_threshold), ev.score_threshold
    gt = ev.ground_truth
    counted = np.isin(gt["status"][:, t], [GroundTruthStatus.MATCHED, GroundTruthStatus.MISSED])
    found = (gt["status"][:, t] == GroundTruthStatus.MATCHED) & (gt["matched_score"][:, t] >= score)
    ds = ev.dataset
    assert ds is not None
    rows = _rows(table, "found")
    area = np.asarray(ds.annotations["area"], dtype=float)[counted]
    expected = spearmanr(area, found[counted]).statistic
    row = rows[("area", "object")]
    assert table["correlation"][row] == pytest.approx(expected, abs=1e-12)
    assert table["rows"][row] == counted.sum()
    assert table["positive_share"][row] == pytest.approx(found[counted].mean(), abs=1e-12)
    assert table["correlation_low"][row] <= expected <= table["correlation_high"][row]

    dt = ev.detections
    taking_part = dt["evaluated"] & (dt["score"] >= score)
    right = taking_part & dt["tp"][:, t]
    wrong = taking_part & dt["fp"][:, t]
    assert (dt["outcome"][right, t] == DetectionOutcome.TRUE_POSITIVE).all()
    counted_dt = right | wrong
    image_rows = ds.image_rows(dt["image_id"][counted_dt])
    count = np.asarray(ds.images["object_count"], dtype=float)[image_rows]
    expected = spearmanr(count, right[counted_dt]).statistic
    row = _rows(table, "true_positive")[("object_count", "image")]
    assert table["correlation"][row] == pytest.approx(expected, abs=1e-12)


def test_object_size_matters_most_for_finding_objects(table: Any) -> None:
    # The demo's detector misses small objects far more often than large ones.
    found = [i for i in range(len(table)) if table["outcome"][i] == "found"]
    top = str(table["metric"][found[0]])
    assert top in {"area", "relative_area", "bbox_w", "bbox_h"}
    assert table["importance_low"][found[0]] > 0
    # Most important first; metrics without numbers last.
    importance = table["importance"][found]
    finite = importance[np.isfinite(importance)]
    assert (np.diff(finite) <= 0).all()
    assert np.isnan(importance[len(finite) :]).all()


def test_unusable_metrics_are_reported_not_ranked(table: Any) -> None:
    rows = _rows(table, "found")
    # No pixel statistics were measured: the column is all NaN.
    row = rows[("brightness", "image")]
    assert table["note"][row] == "no finite values"
    assert np.isnan(table["importance"][row]) and np.isnan(table["correlation"][row])
    assert not any("." in str(name) for name in table["metric"])  # no run results
    assert "id" not in set(table["metric"]) and "score" not in set(table["metric"])


def test_a_constant_column_gets_a_note(ev: Evaluation) -> None:
    ds = ev.dataset
    assert ds is not None
    ds.images.attach("constant", np.full(len(ds.images), 3.0))
    try:
        table = ev.metric_importance(["constant", "area"], options=FAST)
    finally:
        ds.images.detach("constant")
    notes = dict(zip(table["metric"].tolist(), table["note"].tolist(), strict=False))
    assert notes["constant"] == "constant (3)"
    assert set(table["metric"].tolist()) == {"constant", "area"}


def test_repeatable_and_checked(ev: Evaluation) -> None:
    first = ev.metric_importance(["area", "object_count"], options=FAST)
    again = ev.metric_importance(["area", "object_count"], options=FAST)
    np.testing.assert_array_equal(first["importance"], again["importance"])
    with pytest.raises(KeyError, match="no image or annotation column 'nope'"):
        ev.metric_importance(["nope"])
    with pytest.raises(TypeError, match="'bbox' is not one-dimensional"):
        ev.metric_importance(["bbox"])
    with pytest.raises(ValueError, match="level"):
        ev.metric_importance(options=ImportanceOptions(level=1.5))


def test_without_the_extra_the_error_names_it(ev: Evaluation, monkeypatch: Any) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)
    with pytest.raises(ImportError, match=r"cocowidget\[insight\]"):
        ev.metric_importance()


def test_the_auc_is_sklearns_ties_included() -> None:
    from sklearn.metrics import roc_auc_score

    from cocowidget.evaluation.metric_importance import _auc

    rng = np.random.default_rng(3)
    for _ in range(20):
        labels = rng.integers(0, 2, 300)
        scores = np.round(rng.random(300), 1)  # many ties
        assert _auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
