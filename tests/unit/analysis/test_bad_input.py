"""Runs and options ``label_issues`` cannot work with: clear errors, before any work."""

from __future__ import annotations

import pytest

from cocowidget.dataset import CocoDataset

from .scenes import RUN, dataset, well_found


@pytest.fixture
def ds() -> CocoDataset:
    labels, detections = well_found(1)
    return dataset(labels, detections)


def test_an_unknown_run_names_the_runs_there_are(ds: CocoDataset) -> None:
    with pytest.raises(KeyError, match=r"no prediction run 'other'; runs are: 'model'"):
        ds.label_issues("other")


def test_an_empty_run(ds: CocoDataset) -> None:
    ds.add_predictions([], "empty")
    with pytest.raises(ValueError, match=r"run 'empty' has no detections"):
        ds.label_issues("empty")


def test_a_run_without_scores(ds: CocoDataset) -> None:
    records = b'[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 30, 40], "score": NaN}]'
    with pytest.warns(UserWarning, match="NaN"):
        ds.add_predictions(records, "unscored")
    with pytest.raises(ValueError, match=r"run 'unscored' has no scores.*all NaN or infinite"):
        ds.label_issues("unscored")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"iou_type": "keypoints"}, r"iou_type must be 'bbox' or 'segm'"),
        ({"min_score": 1.5}, r"min_score must lie in \[0, 1\]"),
        ({"duplicate_iou": -0.1}, r"duplicate_iou must lie in \[0, 1\]"),
        ({"location_iou": (0.5, 0.1)}, r"location_iou must be \(low, high\)"),
        ({"kinds": ["missing", "wrong_class"]}, r"unknown issue kinds \['missing'\]"),
    ],
)
def test_options_out_of_range(ds: CocoDataset, options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ds.label_issues(RUN, **options)  # type: ignore[arg-type]


def test_a_mistyped_option_names_the_right_one(ds: CocoDataset) -> None:
    with pytest.raises(TypeError, match=r"did you mean 'min_score'"):
        ds.label_issues(RUN, min_scor=0.4)  # type: ignore[call-arg]


def test_a_dataset_without_labels_has_only_missing_labels() -> None:
    _, detections = well_found(1)
    issues = dataset([], detections).label_issues(RUN)
    assert set(issues["kind"].tolist()) == {"missing_label"}
    assert len(issues) == 4
