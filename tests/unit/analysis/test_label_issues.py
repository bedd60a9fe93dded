"""``ds.label_issues``: each kind on a hand-built scene, and the scenes where it must not fire."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cocowidget.analysis import COLUMNS

from .scenes import RUN, dataset, detection, label, well_found


def rows_of(issues: Any, kind: str) -> list[dict[str, Any]]:
    return [issues.row(int(i)) for i in np.flatnonzero(issues["kind"] == kind)]


def test_missing_label_is_the_most_confident_of_the_detections_of_an_unlabelled_object() -> None:
    labels, detections = well_found(1)
    detections += [
        detection(1, 1, (100, 100, 60, 40), 0.85),  # a car nobody labelled
        detection(1, 1, (104, 102, 60, 40), 0.6),  # the model's second box of it
        detection(1, 2, (102, 101, 58, 40), 0.7),  # and a look-alike's
        detection(1, 1, (250, 100, 40, 40), 0.2),  # not confident
    ]
    ds = dataset(labels, detections)
    issues = ds.label_issues(RUN)
    (missing,) = rows_of(issues, "missing_label")
    assert missing["detection_id"] == ds.predictions[RUN]["id"][missing["detection_row"]]
    assert ds.predictions[RUN]["score"][missing["detection_row"]] == 0.85
    assert missing["annotation_id"] == -1 and missing["annotation_row"] == -1
    assert missing["fix"] == "add_label"
    assert missing["fix_category_id"] == 1
    assert missing["fix_bbox"] == [100, 100, 60, 40]
    assert missing["score"] == pytest.approx(0.85)
    assert missing["image_id"] == 1
    kinds = ds.predictions[RUN]["model.issues.kind"]
    assert kinds[missing["detection_row"]] == "missing_label"
    assert (kinds != "").sum() == 1


def test_a_detection_inside_a_crowd_region_is_no_missing_label() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 3, (200, 50, 150, 100), crowd=True))
    detections.append(detection(1, 3, (210, 60, 30, 60), 0.9))
    issues = dataset(labels, detections).label_issues(RUN)
    assert rows_of(issues, "missing_label") == []


def test_wrong_class_when_only_another_class_is_confidently_detected_there() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 1, (50, 50, 80, 50)))  # labelled car
    detections.append(detection(1, 2, (52, 51, 80, 50), 0.9))  # seen as a truck
    ds = dataset(labels, detections)
    (wrong,) = rows_of(ds.label_issues(RUN), "wrong_class")
    assert wrong["annotation_id"] == 5
    assert wrong["category_id"] == 1 and wrong["detection_category_id"] == 2
    assert wrong["fix"] == "change_class" and wrong["fix_category_id"] == 2
    assert np.isnan(wrong["fix_bbox"]).all()
    assert wrong["score"] == pytest.approx(0.9)
    assert wrong["iou"] > 0.9
    assert ds.annotations["model.issues.kind"][4] == "wrong_class"


def test_no_wrong_class_when_the_labelled_class_is_confidently_detected_too() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 1, (50, 50, 80, 50)))
    detections += [
        detection(1, 2, (52, 51, 80, 50), 0.9),
        detection(1, 1, (50, 50, 79, 50), 0.8),
    ]
    assert rows_of(dataset(labels, detections).label_issues(RUN), "wrong_class") == []


def test_badly_located_suggests_the_detections_box() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 1, (100, 100, 60, 60)))
    detections.append(detection(1, 1, (130, 130, 60, 60), 0.9))  # IoU 900 / 6300
    (bad,) = rows_of(dataset(labels, detections).label_issues(RUN), "badly_located")
    assert bad["annotation_id"] == 5
    assert bad["iou"] == pytest.approx(900 / 6300)
    assert bad["fix"] == "replace_box" and bad["fix_bbox"] == [130, 130, 60, 60]
    assert bad["fix_category_id"] == -1
    assert bad["score"] == pytest.approx(0.9 * (1 - 900 / 6300))


def test_not_badly_located_when_well_fitted_or_when_the_detection_is_a_neighbours() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 1, (100, 100, 60, 60)))
    detections.append(detection(1, 1, (105, 105, 60, 60), 0.9))  # IoU 0.72: a fit
    labels += [label(2, 1, (100, 100, 60, 60)), label(2, 1, (135, 135, 60, 60))]
    detections.append(detection(2, 1, (130, 130, 60, 60), 0.9))  # the second car's
    issues = dataset(labels, detections).label_issues(RUN)
    assert rows_of(issues, "badly_located") == []


def test_duplicate_labels_of_one_class_and_of_two() -> None:
    labels, detections = well_found(1)
    labels += [label(1, 3, (200, 50, 50, 80)), label(1, 3, (200, 50, 50, 80))]
    detections.append(detection(1, 3, (201, 50, 50, 80), 0.9))
    labels += [label(1, 1, (50, 200, 80, 50)), label(1, 2, (51, 200, 80, 50))]
    detections.append(detection(1, 1, (50, 201, 80, 50), 0.9))
    labels += [label(1, 3, (300, 50, 50, 80)), label(1, 3, (325, 50, 50, 80))]  # IoU 1/3
    issues = dataset(labels, detections).label_issues(RUN)
    same, other = sorted(rows_of(issues, "duplicate_label"), key=lambda r: r["annotation_id"])
    # Equal support: the later label is the duplicate.
    assert (same["annotation_id"], same["other_annotation_id"]) == (6, 5)
    assert same["category_id"] == same["other_category_id"] == 3
    assert same["iou"] == 1.0
    assert same["fix"] == "remove_label" and same["detection_row"] == -1
    # Two classes: the one the model does not support goes.
    assert (other["annotation_id"], other["other_annotation_id"]) == (8, 7)
    assert (other["category_id"], other["other_category_id"]) == (2, 1)
    assert other["iou"] == pytest.approx(79 / 81)


def test_spurious_label_where_the_model_sees_nothing_but_finds_such_objects() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 1, (150, 100, 40, 40)))  # nothing there
    labels.append(label(2, 1, (150, 100, 40, 40)))  # an image the model is silent on
    ds = dataset(labels, detections)
    (spurious,) = rows_of(ds.label_issues(RUN), "spurious_label")
    assert spurious["annotation_id"] == 5
    assert spurious["fix"] == "remove_label"
    assert spurious["detection_row"] == -1
    # The model's confidence in the image, times its rate of finding 40 px labels:
    # 4 of 6 (Laplace: 5 / 8).
    assert spurious["score"] == pytest.approx(0.9 * 5 / 8)


def test_no_spurious_label_of_a_size_the_model_mostly_misses() -> None:
    labels, detections = well_found(1)
    labels += [label(1, 1, (150 + 12 * i, 100, 8, 8)) for i in range(5)]  # 8 px, unseen
    issues = dataset(labels, detections).label_issues(RUN)
    assert rows_of(issues, "spurious_label") == []


def test_the_table_has_every_column_best_first_and_kinds_can_be_chosen() -> None:
    labels, detections = well_found(1)
    labels += [label(1, 1, (50, 50, 80, 50)), label(1, 1, (100, 200, 60, 60))]
    detections += [
        detection(1, 2, (52, 51, 80, 50), 0.9),
        detection(1, 1, (130, 230, 60, 60), 0.7),
        detection(1, 1, (250, 100, 40, 40), 0.8),
    ]
    ds = dataset(labels, detections)
    issues = ds.label_issues(RUN)
    assert tuple(issues.columns) == COLUMNS
    assert set(issues["kind"].tolist()) == {"wrong_class", "badly_located", "missing_label"}
    assert np.all(np.diff(issues["score"]) <= 0)
    assert issues["fix_bbox"].shape == (len(issues), 4)
    only = ds.label_issues(RUN, kinds=["missing_label"])
    assert set(only["kind"].tolist()) == {"missing_label"}


def test_masks_decide_for_a_segm_run() -> None:
    """Two labels with one box but complementary triangles: duplicates by box only."""
    labels, detections = well_found(1)
    labels += [
        label(1, 3, (100, 100, 100, 100), segmentation=[[100, 100, 200, 100, 100, 200]]),
        label(1, 3, (100, 100, 100, 100), segmentation=[[200, 100, 200, 200, 100, 200]]),
    ]
    ds = dataset(labels, detections)
    assert len(rows_of(ds.label_issues(RUN), "duplicate_label")) == 1
    assert rows_of(ds.label_issues(RUN, "segm"), "duplicate_label") == []


def test_a_segm_run_finds_the_box_kinds_on_box_shaped_masks() -> None:
    labels, detections = well_found(1)
    labels += [label(1, 1, (50, 50, 80, 50)), label(1, 1, (100, 200, 60, 60))]
    detections += [
        detection(1, 2, (52, 51, 80, 50), 0.9),
        detection(1, 1, (130, 230, 60, 60), 0.7),
        detection(1, 1, (250, 100, 40, 40), 0.8),
    ]
    ds = dataset(labels, detections)
    by_box, by_mask = ds.label_issues(RUN), ds.label_issues(RUN, "segm")
    assert sorted(by_mask["kind"].tolist()) == sorted(by_box["kind"].tolist())
    assert "model.segm.issues.score" in ds.annotations
    assert "model.issues.score" in ds.annotations


def test_the_derived_columns_go_with_their_run() -> None:
    labels, detections = well_found(1)
    labels.append(label(1, 1, (50, 50, 80, 50)))
    detections.append(detection(1, 2, (52, 51, 80, 50), 0.9))
    ds = dataset(labels, detections)
    ds.label_issues(RUN)
    score = ds.annotations["model.issues.score"]
    assert score[4] == pytest.approx(0.9) and np.isnan(score[:4]).all()
    ds.remove_predictions(RUN)
    assert "model.issues.score" not in ds.annotations
    assert "model.issues.kind" not in ds.annotations
