"""Charts as the browser drives them: brush messages, throttling, bar clicks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cocowidget.views.binning import Bins, choose_bins
from cocowidget.widgets.charts import CategoryChart, HistogramChart, Throttle
from cocowidget.widgets.charts.histogram import bin_labels, count_ticks
from cocowidget.widgets.explorer import CocoExplorer
from tests.unit.views.test_filters import small_dataset

CLASSES = "annotations.category_name"


class FakeTime:
    """A clock and a scheduler the test advances by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[tuple[float, Callable[[], None], FakeTimer]] = []

    def clock(self) -> float:
        return self.now

    def schedule(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer()
        self.timers.append((self.now + delay, callback, timer))
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [t for t in self.timers if t[0] <= self.now and not t[2].cancelled]
        self.timers = [t for t in self.timers if t[0] > self.now and not t[2].cancelled]
        for _, callback, _ in due:
            callback()


class FakeTimer:
    cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


# -- throttle ----------------------------------------------------------------------------------
def test_throttle_applies_first_at_once_then_at_most_once_per_interval() -> None:
    time = FakeTime()
    applied: list[int] = []
    throttle = Throttle(applied.append, 0.1, clock=time.clock, schedule=time.schedule)
    throttle.submit(1)
    for value in range(2, 10):  # a burst within one interval
        time.advance(0.01)
        throttle.submit(value)
    assert applied == [1]
    time.advance(0.05)
    assert applied == [1, 9]  # the latest value, once the interval has passed
    assert len(time.timers) == 0


def test_throttle_flush_applies_the_last_value_and_cancels_the_timer() -> None:
    time = FakeTime()
    applied: list[int] = []
    throttle = Throttle(applied.append, 0.1, clock=time.clock, schedule=time.schedule)
    throttle.submit(1)
    throttle.submit(2)
    throttle.flush()
    assert applied == [1, 2]
    time.advance(1.0)
    assert applied == [1, 2]
    throttle.submit(3)
    throttle.cancel()
    time.advance(1.0)
    assert applied == [1, 2, 3]  # past the interval: applied at once, nothing pending


def test_throttle_without_an_event_loop_applies_every_value() -> None:
    applied: list[int] = []
    # No loop to schedule on (explicit: under the browser tests Playwright's sync API
    # leaves its own loop marked as running in this thread).
    throttle = Throttle(applied.append, 10.0, schedule=lambda delay, callback: None)
    for value in range(3):
        throttle.submit(value)
    assert applied == [0, 1, 2]


# -- histogram brushing ------------------------------------------------------------------------
@pytest.fixture
def explorer() -> CocoExplorer:
    return CocoExplorer(small_dataset(), throttle=0.1)


def test_brush_moves_are_throttled_and_the_release_is_exact(
    explorer: CocoExplorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = explorer.charts["width"]
    assert isinstance(chart, HistogramChart)
    time = FakeTime()
    chart._throttle = Throttle(chart._send, 0.1, clock=time.clock, schedule=time.schedule)
    seen: list[object] = []
    explorer.observe(lambda change: seen.append(change["new"].get("width")), "filters")

    chart.selector.brushing = True
    chart.selector.selected = np.array([100.0, 300.0])
    for hi in (350.0, 400.0, 450.0):
        time.advance(0.02)
        chart.selector.selected = np.array([100.0, hi])
    assert seen == [(100.0, 300.0)]
    time.advance(0.1)
    assert seen == [(100.0, 300.0), (100.0, 450.0)]
    chart.selector.selected = np.array([100.0, 500.0])
    with chart.selector.hold_trait_notifications():  # how a release arrives: one message
        chart.selector.brushing = False
        chart.selector.selected = np.array([100.0, 520.0])
    assert seen[-1] == (100.0, 520.0)
    assert explorer.filters == {"width": (100.0, 520.0)}
    assert explorer.filtered_ids == [2, 4]
    time.advance(1.0)
    assert len(seen) == 3  # nothing left over after the release


def test_a_cleared_brush_removes_the_filter(explorer: CocoExplorer) -> None:
    chart = explorer.charts["height"]
    assert isinstance(chart, HistogramChart)
    chart.selector.selected = np.array([200.0, 300.0])
    assert explorer.filters == {"height": (200.0, 300.0)}
    chart.selector.selected = None
    assert explorer.filters == {}


def test_a_brushed_chart_is_not_redrawn_under_the_pointer(explorer: CocoExplorer) -> None:
    chart = explorer.charts["width"]
    assert isinstance(chart, HistogramChart)
    moves: list[object] = []
    chart.selector.observe(lambda change: moves.append(change["new"]), "selected")
    chart.selector.brushing = True
    chart.selector.selected = np.array([100.0, 300.0])
    # The explorer applied the filter but did not write the brush back.
    assert explorer.filters == {"width": (100.0, 300.0)}
    assert len(moves) == 1


# -- class bars --------------------------------------------------------------------------------
def test_clicking_class_bars_filters_and_both_marks_show_it(explorer: CocoExplorer) -> None:
    chart = explorer.charts[CLASSES]
    assert isinstance(chart, CategoryChart)
    names = list(chart.readout.labels)
    assert names == ["car", "person"]  # most frequent at the top: last in the band scale
    chart.filtered_bars.selected = np.array([names.index("car")])
    assert explorer.filters == {CLASSES: frozenset({"car"})}
    assert explorer.filtered_ids == [1, 2]
    assert chart.full_bars.selected.tolist() == [names.index("car")]
    chart.full_bars.selected = None  # a click on the background
    assert explorer.filters == {}


def test_sorting_and_rescaling_keep_the_selection(explorer: CocoExplorer) -> None:
    explorer.filters = {CLASSES: {"person"}}
    chart = explorer.charts[CLASSES]
    assert isinstance(chart, CategoryChart)
    chart.sort.value = "A–Z"
    assert list(chart.readout.labels) == ["person", "car"]
    assert chart.full_bars.selected.tolist() == [0]
    chart.scale.value = "linear"
    assert chart.full_bars.selected.tolist() == [0]
    assert chart.full_bars.y.tolist() == [3.0, 2.0]
    assert explorer.filters == {CLASSES: frozenset({"person"})}


def test_log_scale_draws_empty_classes_at_the_floor(explorer: CocoExplorer) -> None:
    explorer.filters = {"width": (700, None)}  # image 3: one person, no car
    chart = explorer.charts[CLASSES]
    assert isinstance(chart, CategoryChart)
    assert chart.readout.filtered == [0, 1]
    assert chart.filtered_bars.y.tolist() == [0.7, 1.0]


# -- labels and ticks --------------------------------------------------------------------------
def test_bin_labels_name_units() -> None:
    assert bin_labels(choose_bins(np.array([0.0, 1.0, 2.0])), "") == ["0", "1", "2"]
    bins = Bins(np.array([1.0, 10.0, 100.0]), "log", integer=False)
    assert bin_labels(bins, "px²") == ["1–10 px²", "10–100 px²"]


def test_count_ticks_are_whole_numbers() -> None:
    assert count_ticks(0) == [0, 1]
    assert count_ticks(51) == [0, 20, 40]
    assert all(isinstance(tick, int) for tick in count_ticks(118_000))
