"""COCO's 12 summary numbers, readable: labelled, three decimals, meaning on hover."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import traitlets

from cocowidget.views.evaluation_charts import Stat, stat_rows
from cocowidget.widgets.charts.style import CSS as CHARTS_CSS

if TYPE_CHECKING:
    from cocowidget.evaluation.result import Evaluation

HERE = Path(__file__).resolve().parent


def _styles() -> str:
    # The view's own styles and the explorer's chart boxes, loaded with this widget.
    return CHARTS_CSS.read_text() + "\n" + (HERE / "evaluation.css").read_text()


class SummaryTable(anywidget.AnyWidget):
    """A row of average precisions and a row of average recalls (``COCOeval.stats``)."""

    _esm = HERE.parent.parent / "static" / "summary.js"  # built from js/src/summary/
    _css = _styles()

    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)

    def __init__(self, evaluation: Evaluation, caption: str = "") -> None:
        precision, recall = stat_rows(evaluation)
        super().__init__(
            rows=[
                {"title": "Average precision", "stats": [_cell(s) for s in precision]},
                {"title": "Average recall", "stats": [_cell(s) for s in recall]},
            ],
            caption=caption,
        )


def _cell(stat: Stat) -> dict[str, str]:
    text = "–" if math.isnan(stat.value) else f"{stat.value:.3f}"
    return {"label": stat.label, "meaning": stat.meaning, "text": text}
