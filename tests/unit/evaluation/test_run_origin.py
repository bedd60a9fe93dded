"""An evaluation knows the run it was made of (the Run in ``ds.runs``), not its arrays:
it follows a rename, fails clearly once the run is removed or replaced, and is of no run
of a subset. Only an evaluation made outside a dataset is found by its arrays."""

from __future__ import annotations

import json

import pytest

from cocowidget.dataset import CocoDataset
from cocowidget.evaluation import detections_from_dataset, evaluate, ground_truth_from_dataset
from cocowidget.evaluation.compare_columns import compare_columns
from cocowidget.evaluation.dataset_adapter import run_name

from .test_tables import RESULTS, SCENE


@pytest.fixture
def ds() -> CocoDataset:
    ds = CocoDataset.from_coco(json.loads(json.dumps(SCENE)))
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "a")
    return ds


def test_an_evaluation_holds_its_run(ds: CocoDataset) -> None:
    ev = ds.evaluate("a")
    assert ev.origin is not None and ev.origin.run is ds.runs["a"]
    assert ev.run == "a"
    assert run_name(ds, ev) == "a"


def test_a_rename_is_followed(ds: CocoDataset) -> None:
    ev = ds.evaluate("a")
    ds.rename_predictions("a", "frcnn")
    assert ev.run == "frcnn"
    assert run_name(ds, ev) == "frcnn"
    # A new run under the old name is another run, though its detections are the same.
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "a")
    assert run_name(ds, ev) == "frcnn"
    assert run_name(ds, ds.evaluate("a")) == "a"


def test_identical_runs_are_no_ambiguity(ds: CocoDataset) -> None:
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "b")
    assert run_name(ds, ds.evaluate("a")) == "a"
    assert run_name(ds, ds.evaluate("b")) == "b"


def test_a_removed_run_fails_clearly(ds: CocoDataset) -> None:
    ev = ds.evaluate("a")
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "b")  # same arrays: no stand-in
    ds.remove_predictions("a")
    with pytest.raises(ValueError, match="run 'a' this evaluation was made of was removed"):
        run_name(ds, ev)
    with pytest.raises(ValueError, match="was removed"):
        compare_columns(ds, ev, ds.evaluate("b"))


def test_a_replaced_run_fails_clearly(ds: CocoDataset) -> None:
    ev = ds.evaluate("a")
    number = ds.runs["a"].number
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "a", replace=True)
    assert ds.runs["a"].number != number
    with pytest.raises(ValueError, match=r"removed .* or replaced; the run named 'a' now is"):
        run_name(ds, ev)
    assert run_name(ds, ds.evaluate("a")) == "a"


def test_a_subset_has_runs_of_its_own(ds: CocoDataset) -> None:
    ev = ds.evaluate("a")
    subset = ds.subset(ds.images["id"])  # every image: the same arrays, other runs
    with pytest.raises(ValueError, match="of another dataset"):
        run_name(subset, ev)
    assert run_name(subset, subset.evaluate("a")) == "a"
    assert run_name(ds, ev) == "a"


def test_an_evaluation_made_outside_a_dataset_is_found_by_its_arrays(ds: CocoDataset) -> None:
    outside = evaluate(ground_truth_from_dataset(ds), detections_from_dataset(ds, "a"))
    assert outside.origin is None and outside.run is None
    assert run_name(ds, outside) == "a"
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "b")
    with pytest.raises(ValueError, match=r"matches the runs \['a', 'b'\]"):
        run_name(ds, outside)
    ds.remove_predictions("a")
    ds.remove_predictions("b")
    with pytest.raises(ValueError, match="matches no prediction run"):
        run_name(ds, outside)
