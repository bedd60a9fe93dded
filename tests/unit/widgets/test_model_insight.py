"""ModelInsight: a metric picks its bins, a bin its images, shown in the grid."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import generate_coco_dict
from cocowidget.evaluation.importance_options import ImportanceOptions
from cocowidget.evaluation.result import Evaluation

FAST = ImportanceOptions(bootstrap=20, repeats=2, max_rows=2_000)


@pytest.fixture(scope="module")
def evaluated() -> tuple[cw.CocoDataset, Evaluation]:
    data, results = generate_coco_dict(60, 4)
    ds = cw.CocoDataset.from_coco(data)
    ds.add_predictions(results, "m")
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    return ds, ev


def test_the_most_important_metric_is_picked_and_binned(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    ds, ev = evaluated
    view = cw.ModelInsight(ds, ev, options=FAST, bins=4)
    chart = view.importance_chart
    top = chart.shown_keys[0]
    assert view.metric == top
    first = next(i for i in range(len(view.importance)) if view.importance["outcome"][i] == "found")
    assert top == (view.importance["metric"][first], view.importance["kind"][first])
    assert view.bin is None and sorted(view.shown_ids) == sorted(ds.images["id"].tolist())
    assert view.grid.sort_by == "m.ap"
    bins = ev.by_metric(top[0], 4)
    np.testing.assert_array_equal(view.metric_chart.ap_bars.y, np.maximum(bins.table["ap"], 0))


def test_a_bin_shows_exactly_its_images(evaluated: tuple[cw.CocoDataset, Evaluation]) -> None:
    ds, ev = evaluated
    view = cw.ModelInsight(ds, ev, options=FAST, bins=3)
    view.metric = ("object_count", "image")
    bins = ev.by_metric("object_count", 3)
    view.metric_chart._on_selected({"new": [1]})  # a click on the second bar
    assert view.bin == 1
    assert sorted(view.shown_ids) == sorted(bins.image_ids[1].tolist())
    assert "click" not in view._status.value
    view.metric_chart._on_selected({"new": [1]})  # the picked bin again lets go
    assert view.bin is None and len(view.shown_ids) == len(ds.images)


def test_an_object_bin_shows_the_images_of_its_objects_and_emphasises_them(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    ds, ev = evaluated
    view = cw.ModelInsight(ds, ev, options=FAST)
    view.metric = ("area", "object")
    view.bin = 0  # the smallest objects
    bins = ev.by_metric("area", 5)
    assert sorted(view.shown_ids) == bins.image_ids[0].tolist()
    emphasised = sorted(i for ids in view.grid.emphasized.values() for i in ids)
    shown = set(view.grid.shown_ids)
    image_of = dict(
        zip(ds.annotations["id"].tolist(), ds.annotations["image_id"].tolist(), strict=False)
    )
    expected = sorted(i for i in bins.annotation_ids[0].tolist() if image_of[i] in shown)
    assert emphasised and set(emphasised) <= set(expected)


def test_the_outcome_switches_the_ranking(evaluated: tuple[cw.CocoDataset, Evaluation]) -> None:
    ds, ev = evaluated
    view = cw.ModelInsight(ds, ev, options=FAST, outcome="true_positive")
    table = view.importance
    ranked = [
        (table["metric"][i], table["kind"][i])
        for i in range(len(table))
        if table["outcome"][i] == "true_positive" and np.isfinite(table["importance"][i])
    ]
    assert view.importance_chart.shown_keys == ranked
    view.outcome = "found"
    assert view._outcomes.value == "found"
    with pytest.raises(traitlets.TraitError, match="no metric"):
        view.metric = ("nope", "image")
    with pytest.raises(traitlets.TraitError, match="bin 9"):
        view.bin = 9
    with pytest.raises(TypeError, match=r"unexpected|got"):
        cw.ModelInsight(ds, ev, colour="red")  # type: ignore[call-arg]


def test_metric_names_are_text(evaluated: tuple[cw.CocoDataset, Evaluation]) -> None:
    ds, ev = evaluated
    ds.images.attach("<b>bold</b>", np.arange(len(ds.images), dtype=float))
    try:
        view = cw.ModelInsight(ds, ev, options=FAST)
        view.metric = ("<b>bold</b>", "image")
    finally:
        ds.images.detach("<b>bold</b>")

    def tree(root: widgets.Widget) -> list[widgets.Widget]:
        return [root, *(w for c in getattr(root, "children", ()) for w in tree(c))]

    assert not [w for w in tree(view) if isinstance(w, widgets.HTML | widgets.HTMLMath)]
    assert "<b>bold</b>" in view.metric_chart.title.value
