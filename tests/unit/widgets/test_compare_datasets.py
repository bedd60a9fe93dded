"""cw.compare_datasets: a metric's histogram, a brushed range filtering both grids."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import generate_coco_dict


@pytest.fixture(scope="module")
def pair() -> tuple[cw.CocoDataset, cw.CocoDataset]:
    train, _ = generate_coco_dict(50, 1)
    val, _ = generate_coco_dict(30, 2)
    return cw.CocoDataset.from_coco(train), cw.CocoDataset.from_coco(val)


def test_the_farthest_metric_is_drawn_and_a_range_filters_both(
    pair: tuple[cw.CocoDataset, cw.CocoDataset],
) -> None:
    a, b = pair
    view = cw.compare_datasets(a, b, names=("train", "val"))
    table = view.comparison.distances
    assert view.metric == (table["metric"][0], table["kind"][0])  # largest KS first
    view.metric = ("area", "object")
    shares = [np.asarray(bars.y) for bars in view.histogram.bars]
    assert all(s.sum() == pytest.approx(1.0) for s in shares)
    assert view.shown_ids == (a.images["id"].tolist(), b.images["id"].tolist())

    view.histogram.selector.selected = np.array([0.0, 32.0**2])
    view.histogram._on_brushing({"new": False})  # the brush let go
    assert view.interval == (0.0, 1024.0)
    for side, ds in enumerate((a, b)):
        small = ds.annotations["area"] <= 1024
        expected = sorted(set(ds.annotations["image_id"][small].tolist()))
        assert sorted(view.shown_ids[side]) == expected
    assert "train:" in view._status.value
    view.interval = None
    assert len(view.shown_ids[0]) == len(a.images)


def test_checked_and_text_only(pair: tuple[cw.CocoDataset, cw.CocoDataset]) -> None:
    a, b = pair
    view = cw.compare_datasets(a, b, names=("<b>x</b>", "val"))
    with pytest.raises(traitlets.TraitError, match="no compared metric"):
        view.metric = ("brightness", "image")  # no values: noted, not compared
    assert "brightness" in view._unranked.value

    def tree(root: widgets.Widget) -> list[widgets.Widget]:
        return [root, *(w for c in getattr(root, "children", ()) for w in tree(c))]

    assert not [w for w in tree(view) if isinstance(w, widgets.HTML | widgets.HTMLMath)]
    with pytest.raises(TypeError, match="colour"):
        cw.compare_datasets(a, b, colour="red")  # type: ignore[call-arg]
