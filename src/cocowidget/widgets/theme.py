"""PageTheme: whether the page a widget is shown in has a dark theme.

Most colours follow the theme by themselves, as CSS variables. A bqplot colour scale
cannot: bqplot interpolates its colours in JavaScript, which reads no CSS variable, so
a chart with one (the confusion matrix) picks its palette from this in Python.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).resolve().parent.parent / "static"


class PageTheme(anywidget.AnyWidget):
    """Shown (invisibly) beside a chart, it sets ``dark`` from the page's theme, and
    again whenever the theme changes."""

    _esm = STATIC / "theme.js"  # built from js/src/theme/
    _css = ".cw-page-theme { display: none; }"

    dark = traitlets.Bool(False).tag(sync=True)

    def __init__(self) -> None:
        super().__init__()
        self.add_class("cw-page-theme")
