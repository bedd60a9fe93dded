"""Colours and sizes of the explorer's charts.

bqplot writes mark colours into inline styles, so a CSS variable works as a colour and
the bars follow the JupyterLab theme: the full distribution in a neutral layout colour,
the filtered one in the theme's brand colour, both readable on light and dark themes.
"""

from __future__ import annotations

from pathlib import Path

FULL_COLOR = "var(--jp-layout-color3, #bdbdbd)"
FILTERED_COLOR = "var(--jp-brand-color1, #1976d2)"
BRUSH_COLOR = "var(--jp-brand-color2, #64b5f6)"

HISTOGRAM_HEIGHT = "190px"
CATEGORY_ROW_PX = 15
CATEGORY_MAX_HEIGHT = "360px"
MARGIN = {"top": 8, "bottom": 46, "left": 52, "right": 14}

CSS = Path(__file__).with_name("charts.css")
