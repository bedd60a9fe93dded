"""Where the model fails: metric importance and performance by metric, linked to a grid."""

from cocowidget.widgets.insight.view import ModelInsight

__all__ = ["ModelInsight"]
