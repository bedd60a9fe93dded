"""PanelStyles: the charts' styles for a widget that is not the explorer or the
evaluation view (which bring their own), shown invisibly with it."""

from __future__ import annotations

from pathlib import Path

from cocowidget.widgets.charts.style import CSS as CHARTS_CSS
from cocowidget.widgets.theme import PageTheme


class PanelStyles(PageTheme):
    """Charts' styles (charts.css) and those of the panels built on them (panels.css:
    ModelInsight, compare_datasets, the augmentation views, ThresholdView)."""

    _css = CHARTS_CSS.read_text() + "\n" + Path(__file__).with_name("panels.css").read_text()
