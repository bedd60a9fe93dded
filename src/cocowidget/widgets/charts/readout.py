"""A line under a chart naming the bar under the pointer and its counts."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets


class HoverReadout(anywidget.AnyWidget):
    """Reads the bar under the pointer in the enclosing ``.cw-chart`` (js/src/readout/).

    ``labels[i]`` names bar ``i``; ``full[i]`` and ``filtered[i]`` are its counts;
    ``idle_text`` shows when no bar is under the pointer. ``brush_band``: the chart's
    brush also starts on its axis band and margins (js/src/readout/brush_band.ts).
    """

    _esm = Path(__file__).resolve().parents[2] / "static" / "readout.js"
    _css = Path(__file__).with_name("charts.css")

    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    full = traitlets.List(traitlets.Int()).tag(sync=True)
    filtered = traitlets.List(traitlets.Int()).tag(sync=True)
    filtering = traitlets.Bool(False).tag(sync=True)
    noun = traitlets.Unicode("images").tag(sync=True)
    orientation = traitlets.Unicode("vertical").tag(sync=True)
    idle_text = traitlets.Unicode("").tag(sync=True)
    brush_band = traitlets.Bool(False).tag(sync=True)
