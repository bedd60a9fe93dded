"""CocoExplorer from Python: filters assigned, observed and shown; grid and charts follow."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import traitlets

from cocowidget.dataset import CocoDataset
from cocowidget.widgets.charts import CategoryChart, HistogramChart
from cocowidget.widgets.explorer import CocoExplorer
from tests.unit.views.test_filters import small_dataset

CLASSES = "annotations.category_name"


def emphasised(explorer: CocoExplorer) -> dict[int, list[int]]:
    return explorer.grid.emphasized


@pytest.fixture
def ds() -> CocoDataset:
    return small_dataset()


@pytest.fixture
def explorer(ds: CocoDataset) -> CocoExplorer:
    return CocoExplorer(ds)


def histogram(explorer: CocoExplorer, key: str) -> HistogramChart:
    chart = explorer.charts[key]
    assert isinstance(chart, HistogramChart)
    return chart


def classes(explorer: CocoExplorer) -> CategoryChart:
    chart = explorer.charts[CLASSES]
    assert isinstance(chart, CategoryChart)
    return chart


def test_default_charts_skip_columns_without_values(explorer: CocoExplorer) -> None:
    # Pixel statistics are NaN until computed: brightness is named, not drawn.
    assert "brightness" not in explorer.charts
    assert "brightness" in explorer._note.value
    assert list(explorer.charts) == [
        "width",
        "height",
        "aspect_ratio",
        "object_count",
        "object_density",
        "annotations.area",
        "annotations.relative_area",
        "annotations.aspect_ratio",
        CLASSES,
    ]
    assert explorer.filtered_ids == [1, 2, 3, 4]


def test_pixel_statistics_are_charted_for_most_images_or_after_a_full_pass(
    ds: CocoDataset,
) -> None:
    from cocowidget.media.statistics import PixelStatistics

    ds.set_pixel_statistics_at(0, PixelStatistics(0.5, 0.2, 0.01))  # a grid showed one
    assert "brightness" not in CocoExplorer(ds).charts  # 1 of 4 would chart as the whole
    ds.set_pixel_statistics_at(1, PixelStatistics(0.4, 0.2, 0.01))
    assert "brightness" in CocoExplorer(ds).charts  # 2 of 4
    unreadable = small_dataset()  # no image files: a full pass leaves everything NaN...
    unreadable.compute_pixel_statistics()
    assert unreadable.pixel_statistics_complete
    unreadable.set_pixel_statistics_at(0, PixelStatistics(0.5, 0.2, 0.01))
    assert "brightness" in CocoExplorer(unreadable).charts  # ...but what it measured shows


def test_columns_choose_the_charts_including_a_users_column(ds: CocoDataset) -> None:
    ds.images["score"] = np.array([0.1, 0.5, 0.9, np.nan])
    explorer = CocoExplorer(ds, columns=["score", "area", "annotations.size_bucket"])
    assert list(explorer.charts) == ["score", "annotations.area", "annotations.size_bucket"]
    assert isinstance(explorer.charts["annotations.size_bucket"], CategoryChart)
    explorer.filters = {"score": (0.4, 1.0)}
    assert explorer.filtered_ids == [2, 3]
    assert "1 images with no value" in histogram(explorer, "score").readout.idle_text


def test_add_chart_after_the_fact(explorer: CocoExplorer, ds: CocoDataset) -> None:
    ds.annotations["score"] = np.linspace(0.0, 1.0, len(ds.annotations))
    chart = explorer.add_chart("annotations.score")
    assert explorer.add_chart("score") is chart
    assert sum(histogram(explorer, "annotations.score").readout.full) == 5


def test_filters_assigned_from_python_drive_grid_and_charts(
    explorer: CocoExplorer,
) -> None:
    explorer.filters = {"width": (300, 700), "area": (None, 32**2)}
    assert explorer.filters == {"width": (300.0, 700.0), "annotations.area": (-math.inf, 1024.0)}
    assert explorer.filtered_ids == [1, 2]
    assert sorted(explorer.grid.shown_ids) == [1, 2]
    assert emphasised(explorer) == {1: [10], 2: [20]}
    assert explorer.matching_object_ids == [10, 20]
    # The brush shows the filter, the other charts the filtered distribution.
    assert histogram(explorer, "width").selector.selected.tolist() == [300.0, 700.0]
    assert sum(histogram(explorer, "height").readout.filtered) == 2
    # The width chart leaves its own filter out: images with a small object, any width.
    explorer.set_filter("area", (None, 200))  # image 1 only
    assert sum(histogram(explorer, "width").readout.filtered) == 1
    explorer.set_filter("area", (None, 32**2))
    assert "2</b> of 4 images" in explorer._status.value
    assert [chip.description for chip in explorer._chips.children] == [
        "width: 300–700 px ✕",
        "object area: ≤ 1,024 px² ✕",
    ]
    assert len(explorer.filtered_dataset()) == 2


def test_filter_changes_are_observable(explorer: CocoExplorer) -> None:
    seen: list[dict[str, Any]] = []
    explorer.observe(lambda change: seen.append(change["new"]), "filters")
    explorer.set_filter("width", (300, 700))
    explorer.set_filter("width", [300, 700])  # the same filter: no change
    explorer.set_filter(CLASSES, "person")
    explorer.reset()
    assert seen == [
        {"width": (300.0, 700.0)},
        {"width": (300.0, 700.0), CLASSES: frozenset({"person"})},
        {},
    ]


def test_bad_filters_raise_and_keep_the_state(explorer: CocoExplorer) -> None:
    explorer.filters = {"width": (300, 700)}
    with pytest.raises(traitlets.TraitError, match="no column 'widht'"):
        explorer.filters = {"widht": (0, 1)}
    with pytest.raises(traitlets.TraitError, match="persn"):
        explorer.set_filter(CLASSES, {"persn"})
    assert explorer.filters == {"width": (300.0, 700.0)}
    assert explorer.filtered_ids == [1, 2]


def test_reset_clears_filters_brushes_emphasis_and_chips(explorer: CocoExplorer) -> None:
    explorer.filters = {"width": (300, 700), CLASSES: {"person"}}
    assert classes(explorer).full_bars.selected is not None
    explorer.reset()
    assert explorer.filters == {}
    assert sorted(explorer.grid.shown_ids) == [1, 2, 3, 4]
    assert emphasised(explorer) == {}
    assert histogram(explorer, "width").selector.selected is None
    assert classes(explorer).full_bars.selected is None
    assert explorer._chips.children == ()
    assert explorer._reset_button.disabled


def test_grid_order_is_kept_and_emphasis_follows_it(ds: CocoDataset) -> None:
    explorer = CocoExplorer(ds, emphasis_limit=1)
    explorer.grid.sort_by = "-width"
    explorer.filters = {CLASSES: {"person"}}
    assert explorer.grid.shown_ids == [3, 1, 2]
    assert emphasised(explorer) == {3: [30]}  # only the first shown image
    # The browser gets rows, never ids (no id arithmetic in JavaScript): "source:row",
    # source 0 the ground truth.
    row_of_30 = ds.annotations["id"].tolist().index(30)
    assert explorer.grid._emphasis == {str(ds.image_row(3)): [f"0:{row_of_30}"]}
    explorer.grid.sort_by = "width"
    assert emphasised(explorer) == {2: [21]}


def test_a_filter_that_matches_nothing(explorer: CocoExplorer) -> None:
    explorer.filters = {"width": (10_000, None)}
    assert explorer.filtered_ids == []
    assert explorer.grid.shown_ids == []
    assert "0</b> of 4 images" in explorer._status.value
