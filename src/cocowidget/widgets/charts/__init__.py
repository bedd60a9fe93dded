"""bqplot charts of the explorer: brushable histograms and clickable category bars."""

from cocowidget.widgets.charts.categories import CategoryChart
from cocowidget.widgets.charts.histogram import HistogramChart
from cocowidget.widgets.charts.readout import HoverReadout
from cocowidget.widgets.charts.throttle import Throttle

__all__ = ["CategoryChart", "HistogramChart", "HoverReadout", "Throttle"]
