"""The evaluation view: summary numbers, per-class charts, and the grid they filter."""

from cocowidget.widgets.evaluation.class_chart import ClassApChart
from cocowidget.widgets.evaluation.confusion_chart import ConfusionChart
from cocowidget.widgets.evaluation.curves_chart import PrecisionRecallChart
from cocowidget.widgets.evaluation.summary import SummaryTable
from cocowidget.widgets.evaluation.view import EvaluationView

__all__ = [
    "ClassApChart",
    "ConfusionChart",
    "EvaluationView",
    "PrecisionRecallChart",
    "SummaryTable",
]
