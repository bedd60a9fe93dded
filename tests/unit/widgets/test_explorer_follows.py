"""An open CocoExplorer follows its dataset's columns: a removed or renamed run's columns
take their charts and filters away, measured pixel statistics are charted when they
arrive, and the "add a chart" list offers the columns that have values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cocowidget.data.derived import Producer
from cocowidget.dataset import CocoDataset
from cocowidget.datasets import DemoPaths
from cocowidget.media.statistics import PixelStatistics
from cocowidget.widgets.charts import HistogramChart
from cocowidget.widgets.explorer import CocoExplorer
from tests.unit.views.test_filters import small_dataset


def with_run(name: str = "b") -> CocoDataset:
    ds = small_dataset()
    add_run(ds, name)
    return ds


def add_run(ds: CocoDataset, name: str) -> None:
    detections = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
        {"image_id": 2, "category_id": 2, "bbox": [0, 0, 20, 20], "score": 0.8},
        {"image_id": 3, "category_id": 1, "bbox": [50, 50, 20, 20], "score": 0.7},
    ]
    ds.add_predictions(detections, name=name)
    ds.evaluate(name)


def offered(explorer: CocoExplorer) -> list[str]:
    return [value for _, value in explorer._add_list.options if value]


@pytest.mark.parametrize("change", ["remove", "rename"])
def test_a_runs_columns_take_their_charts_and_filters_with_them(change: str) -> None:
    ds = with_run("b")
    explorer = CocoExplorer(ds, columns=["width", "b.ap"])
    explorer.filters = {"b.ap": (0.4, 1.0), "width": (300, 700)}
    assert explorer.filtered_ids == [1, 2]
    seen: list[dict[str, Any]] = []
    explorer.observe(lambda c: seen.append(c["new"]), "filters")

    if change == "remove":
        ds.remove_predictions("b")
    else:
        ds.rename_predictions("b", "frcnn")

    assert list(explorer.charts) == ["width"]
    assert explorer.filters == {"width": (300.0, 700.0)}
    assert seen == [{"width": (300.0, 700.0)}]  # observers hear the filter went
    assert explorer.filtered_ids == [1, 2]
    assert [chip.description for chip in explorer._chips.children] == ["width: 300–700 px ✕"]
    assert "b.ap" in explorer._note.value  # says where the chart went
    assert not any(key.startswith("b.") for key in offered(explorer))
    # Everything still works afterwards.
    explorer.set_filter("width", None)
    assert explorer.filtered_ids == [1, 2, 3, 4]


def test_an_evaluation_is_offered_and_charted_again_after_the_run_returns() -> None:
    ds = with_run("b")
    explorer = CocoExplorer(ds)
    assert "b.ap" in offered(explorer)
    ds.remove_predictions("b")
    assert "b.ap" not in offered(explorer)
    add_run(ds, "b")
    assert "b.ap" in offered(explorer)
    explorer._add_list.value = "b.ap"  # chosen in the list
    assert "b.ap" in explorer.charts
    assert explorer._add_list.value == ""
    assert "b.ap" not in offered(explorer)


def test_a_column_attached_anew_is_binned_anew() -> None:
    ds = small_dataset()
    producer = Producer("analysis", "x", ())
    ds.derived.attach(producer, "images", {"score": np.array([0.1, 0.2, 0.3, 0.4])})
    explorer = CocoExplorer(ds, columns=["x.score"])
    explorer.filters = {"x.score": (0.25, 1.0)}
    assert explorer.filtered_ids == [3, 4]
    chart = histogram(explorer, "x.score")
    ds.derived.attach(producer, "images", {"score": np.array([0.5, 0.9, 0.1, 0.2])})
    assert histogram(explorer, "x.score") is chart  # kept, with its brush and place
    assert chart.bins.edges[-1] == 0.9
    assert len(chart.full_bars.x) == len(chart.full_bars.y) == chart.bins.count
    assert sum(chart.readout.full) == 4
    assert explorer.filtered_ids == [1, 2]  # the filter reads the new values
    # Values spanning decades want a log axis, which bqplot cannot swap in: a new chart.
    ds.derived.attach(producer, "images", {"score": np.array([0.01, 0.1, 1.0, 10.0])})
    rebuilt = histogram(explorer, "x.score")
    assert rebuilt is not chart and rebuilt.bins.scale == "log"
    assert list(explorer.charts) == ["x.score"]
    assert len(explorer._panel.histograms.children) == 1
    assert sum(rebuilt.readout.full) == 4
    assert explorer.filtered_ids == [3]


def histogram(explorer: CocoExplorer, key: str) -> HistogramChart:
    chart = explorer.charts[key]
    assert isinstance(chart, HistogramChart)
    return chart


def measure(ds: CocoDataset, rows: list[int], brightness: float = 0.5) -> None:
    ds.set_pixel_statistics(rows, [PixelStatistics(brightness, 0.2, 0.01) for _ in rows])


def test_pixel_statistics_are_charted_when_they_arrive() -> None:
    ds = small_dataset()
    explorer = CocoExplorer(ds)
    assert "brightness" not in explorer.charts
    assert "brightness" not in offered(explorer)  # no values: not offered either
    assert "build the explorer again" not in explorer._note.value
    measure(ds, [0])  # a grid showed one image of four: not yet
    assert "brightness" not in explorer.charts
    measure(ds, [1], 0.25)  # most images now
    assert "brightness" in explorer.charts
    assert sum(histogram(explorer, "brightness").readout.full) == 2
    assert "brightness" not in explorer._note.value
    # Contrast and sharpness, not charted by default, are offered now.
    assert {"contrast", "sharpness"} <= set(offered(explorer))


def test_measured_values_recount_charts_and_filters() -> None:
    ds = small_dataset()
    measure(ds, [0], 0.5)
    measure(ds, [1], 0.3)
    explorer = CocoExplorer(ds)
    explorer.filters = {"brightness": (0.4, 0.6)}
    assert explorer.filtered_ids == [1]
    chart = histogram(explorer, "brightness")
    measure(ds, [2], 0.45)  # measured in place: recounted, and the filter reads it
    assert histogram(explorer, "brightness") is chart
    assert sum(chart.readout.full) == 3
    assert explorer.filtered_ids == [1, 3]
    measure(ds, [3], 0.95)  # beyond the bins: binned anew, in place
    assert chart.bins.edges[-1] == 0.95
    assert sum(chart.readout.full) == 4
    assert explorer.filtered_ids == [1, 3]


def test_a_full_pass_charts_the_statistics() -> None:
    ds = small_dataset()
    explorer = CocoExplorer(ds)
    ds.compute_pixel_statistics()  # no image files: the full pass measures nothing
    assert "brightness" not in explorer.charts
    measure(ds, [0])  # one image of four, but after a full pass: what there is shows
    assert "brightness" in explorer.charts


def test_quality_charts_the_statistics_it_measures(demo: DemoPaths) -> None:
    ds = CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    explorer = CocoExplorer(ds)
    assert "brightness" not in explorer.charts
    ds.quality()
    assert "brightness" in explorer.charts
    assert explorer._note.value == ""
    readable = int(np.isfinite(ds.images["brightness"]).sum())
    assert sum(histogram(explorer, "brightness").readout.full) == readable
