"""A grid with an evaluation: its score threshold starts at the evaluation's, and its
counts are of the items it shows (images, detection crops or annotation crops)."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import DemoPaths
from cocowidget.evaluation.result import Evaluation
from cocowidget.media import ThumbnailCache, ThumbnailService
from cocowidget.views import evaluation_filters as ef


@pytest.fixture(scope="module")
def evaluated(demo: DemoPaths) -> tuple[cw.CocoDataset, Evaluation]:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    return ds, ds.evaluate("sim", score_threshold=0.5)


@pytest.fixture(scope="module")
def service() -> ThumbnailService:
    return ThumbnailService(cache=ThumbnailCache.disabled())


def test_the_grid_starts_at_the_evaluations_score_threshold(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, ev = evaluated
    assert cw.CocoGrid(ds, thumbnails=service).score_threshold == 0.3  # no evaluation
    grid = cw.CocoGrid(ds, evaluation=ev, thumbnails=service)
    assert grid.score_threshold == ev.score_threshold == 0.5
    chosen = cw.CocoGrid(ds, evaluation=ev, score_threshold=0.2, thumbnails=service)
    assert chosen.score_threshold == 0.2


def test_image_counts_are_of_the_shown_images(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, ev = evaluated
    grid = cw.CocoGrid(ds, evaluation=ev, thumbnails=service)
    counts = ev.image_counts(0.5, 0.5)
    total = {"tp": counts.tp.sum(), "fp": counts.fp.sum(), "fn": counts.fn.sum()}
    assert grid.evaluation_counts == total
    shown = ev.image_ids[::3]
    grid.show(shown.tolist())
    part = np.isin(ev.image_ids, shown)
    expected = {key: getattr(counts, key)[part].sum() for key in ("tp", "fp", "fn")}
    assert grid.evaluation_counts == expected
    assert 0 < expected["tp"] < total["tp"]
    grid.score_threshold = 0.9
    strict = ev.image_counts(0.5, 0.9)
    assert grid.evaluation_counts["tp"] == strict.tp[part].sum() < expected["tp"]


def test_image_counts_of_one_class(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, ev = evaluated
    grid = cw.CocoGrid(ds, evaluation=ev, thumbnails=service)
    category = int(ev.category_ids[2])
    grid.count_category = category
    counts = ev.image_counts(0.5, 0.5, category_id=category)
    expected = {"tp": counts.tp.sum(), "fp": counts.fp.sum(), "fn": counts.fn.sum()}
    assert grid.evaluation_counts == expected
    row = ev.category_ids.tolist().index(category)
    classes = ev.class_table(0.5, 0.5)
    assert list(expected.values()) == [classes[c][row] for c in ("tp", "fp", "fn")]
    with pytest.raises(traitlets.TraitError, match="not counted"):
        grid.count_category = 12345
    grid.count_category = None
    assert grid.evaluation_counts["tp"] == ev.image_counts(0.5, 0.5).tp.sum()
    crops = cw.ObjectGrid(ds, run="sim", evaluation=ev, thumbnails=service)
    crops.count_category = category
    detections = ev.detections
    counted = (
        detections["evaluated"].astype(bool)
        & (detections["score"] >= 0.5)
        & (detections["category_id"] == category)
    )
    assert crops.evaluation_counts == {
        "tp": int((counted & detections["tp"][:, 0].astype(bool)).sum()),
        "fp": int((counted & detections["fp"][:, 0].astype(bool)).sum()),
    }


def test_emphasis_names_ground_truth_and_detections_by_source(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, _ = evaluated
    grid = cw.CocoGrid(ds, thumbnails=service)
    truth = ds.annotations
    detections = ds.predictions["sim"]
    grid.emphasize([0, 1], detections={"sim": [2]})
    number = ds.runs["sim"].number
    keys = {key for values in grid._emphasis.values() for key in values}
    assert keys == {"0:0", "0:1", f"{number}:2"}  # what the browser matches overlays by
    expected: dict[int, list[int]] = {}
    for row in (0, 1):
        image_id = int(ds.images["id"][truth["image_index"][row]])
        expected.setdefault(image_id, []).append(int(truth["id"][row]))
    assert grid.emphasized == expected
    assert grid.emphasized_detections == {
        "sim": {int(detections["image_id"][2]): [int(detections["id"][2])]}
    }
    grid.emphasize(None)
    assert grid.emphasized == {} and grid.emphasized_detections == {}


def test_detection_crops_count_their_true_and_false_positives(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, ev = evaluated
    detections = ev.detections
    counted = detections["evaluated"].astype(bool) & (detections["score"] >= 0.5)
    tp_ids = detections["id"][counted & detections["tp"][:, 0].astype(bool)][:7]
    fp_ids = detections["id"][counted & detections["fp"][:, 0].astype(bool)][:5]
    low_ids = detections["id"][detections["score"] < 0.5][:3]  # below the threshold: neither
    ids = np.concatenate([tp_ids, fp_ids, low_ids]).tolist()
    grid = cw.ObjectGrid(ds, run="sim", ids=ids, evaluation=ev, thumbnails=service)
    assert grid.evaluation_counts == {"tp": 7, "fp": 5}


def test_annotation_crops_count_found_and_missed(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, ev = evaluated
    missed = ef.missed_ids(ev)[:6]
    found = ev.ground_truth["id"][ef.found_mask(ev)][:4]
    grid = cw.ObjectGrid(
        ds, ids=np.concatenate([missed, found]).tolist(), evaluation=ev, thumbnails=service
    )
    assert grid.evaluation_counts == {"tp": 4, "fn": 6}


def test_found_and_missed_split_the_counted_objects(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    _, ev = evaluated
    for iou, score in [(0.5, 0.5), (0.75, 0.0)]:
        point = {"iou_threshold": iou, "score_threshold": score}
        found, missed = ef.found_mask(ev, **point), ef.missed_mask(ev, **point)
        assert not (found & missed).any()
        counts = ev.image_counts(iou, score)
        assert found.sum() == counts.tp.sum() and missed.sum() == counts.fn.sum()
        tp, fp = ef.true_positive_mask(ev, **point), ef.false_positive_mask(ev, **point)
        assert not (tp & fp).any()
        assert tp.sum() == counts.tp.sum() and fp.sum() == counts.fp.sum()


def test_an_evaluation_colours_its_own_run_when_runs_have_the_same_ids(
    evaluated: tuple[cw.CocoDataset, Evaluation], service: ThumbnailService
) -> None:
    ds, _ = evaluated
    # A second model on the same images: as many detections (so the same ids 1..N),
    # other scores.
    rescored = [
        {**result, "score": 1.0 - result["score"]} for result in ds.predictions_to_list("sim")
    ]
    ds.add_predictions(rescored, name="rescored")
    try:
        other = ds.evaluate("rescored", score_threshold=0.5)
        assert np.array_equal(ds.predictions["rescored"]["id"], ds.predictions["sim"]["id"])
        grid = cw.CocoGrid(ds, evaluation=other, thumbnails=service)
        assert grid._evaluated_run == "rescored"
        counts = other.image_counts(0.5, 0.5)
        assert grid.evaluation_counts == {
            "tp": counts.tp.sum(),
            "fp": counts.fp.sum(),
            "fn": counts.fn.sum(),
        }
        crops = cw.ObjectGrid(ds, run="rescored", evaluation=other, thumbnails=service)
        detections = other.detections
        counted = detections["evaluated"].astype(bool) & (detections["score"] >= 0.5)
        assert crops.evaluation_counts == {
            "tp": int((counted & detections["tp"][:, 0].astype(bool)).sum()),
            "fp": int((counted & detections["fp"][:, 0].astype(bool)).sum()),
        }
    finally:
        ds.remove_predictions("rescored")


def test_removing_renaming_and_adding_runs_reach_an_open_grid(demo: DemoPaths) -> None:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="a")
    ds.add_predictions(demo.predictions, name="b")
    ev_b = ds.evaluate("b")
    service = ThumbnailService(cache=ThumbnailCache.disabled())
    grid = cw.CocoGrid(ds, evaluation=ev_b, thumbnails=service)
    assert grid._runs == ["a", "b"] and grid._run_numbers == [1, 2]
    assert "b.ap" in grid._sortable_columns
    ds.remove_predictions("a")
    assert grid._runs == ["b"] and grid._run_numbers == [2]  # b keeps its number
    assert grid.visible_runs == ["b"] and grid.evaluation is ev_b
    ds.rename_predictions("b", "frcnn")
    assert grid._runs == ["frcnn"] and grid.visible_runs == ["frcnn"]
    assert grid._evaluated_run == "frcnn" and ev_b.run == "frcnn"
    assert not [c for c in ds.images.columns if c.startswith("b.")]  # no stale column
    assert "b.ap" not in grid._sortable_columns
    ds.add_predictions(demo.predictions, name="a")
    assert grid._runs == ["frcnn", "a"] and grid._run_numbers == [2, 3]
    assert grid.visible_runs == ["frcnn", "a"]
    ds.remove_predictions("frcnn")
    assert grid.evaluation is None and grid._evaluated_run == ""
    assert ds.derived.table()["column"].tolist() == []
