"""cocowidget: explore COCO datasets and model predictions inside Jupyter.

Names are imported on first use, so a script that only loads data (or a thumbnail worker
process) never imports the widget stack (ipywidgets, anywidget, bqplot).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cocowidget import datasets
    from cocowidget.analysis.augmentations import AugmentationCheck, check_augmentations
    from cocowidget.data.problems import CocoFormatError
    from cocowidget.data.table import Table
    from cocowidget.dataset import CocoDataset
    from cocowidget.evaluation.compare_columns import compare_columns
    from cocowidget.widgets.augmentation_check_view import AugmentationCheckView
    from cocowidget.widgets.augmentation_preview import AugmentationPreview
    from cocowidget.widgets.compare_datasets import DatasetComparisonView, compare_datasets
    from cocowidget.widgets.evaluation import EvaluationView
    from cocowidget.widgets.explorer import CocoExplorer
    from cocowidget.widgets.grid import CocoGrid, ObjectGrid
    from cocowidget.widgets.insight import ModelInsight
    from cocowidget.widgets.label_issues_view import LabelIssuesView
    from cocowidget.widgets.threshold_view import ThresholdView

__version__ = "0.1.0"

_WHERE = {
    "AugmentationCheck": "cocowidget.analysis.augmentations",
    "AugmentationPreview": "cocowidget.widgets.augmentation_preview",
    "AugmentationCheckView": "cocowidget.widgets.augmentation_check_view",
    "check_augmentations": "cocowidget.analysis.augmentations",
    "CocoDataset": "cocowidget.dataset",
    "CocoFormatError": "cocowidget.data.problems",
    "Table": "cocowidget.data.table",
    "compare_columns": "cocowidget.evaluation.compare_columns",
    "DatasetComparisonView": "cocowidget.widgets.compare_datasets",
    "compare_datasets": "cocowidget.widgets.compare_datasets",
    "EvaluationView": "cocowidget.widgets.evaluation",
    "CocoExplorer": "cocowidget.widgets.explorer",
    "CocoGrid": "cocowidget.widgets.grid",
    "ObjectGrid": "cocowidget.widgets.grid",
    "LabelIssuesView": "cocowidget.widgets.label_issues_view",
    "ModelInsight": "cocowidget.widgets.insight",
    "ThresholdView": "cocowidget.widgets.threshold_view",
}

__all__ = [
    "AugmentationCheck",
    "AugmentationCheckView",
    "AugmentationPreview",
    "CocoDataset",
    "CocoExplorer",
    "CocoFormatError",
    "CocoGrid",
    "DatasetComparisonView",
    "EvaluationView",
    "LabelIssuesView",
    "ModelInsight",
    "ObjectGrid",
    "Table",
    "ThresholdView",
    "__version__",
    "check_augmentations",
    "compare_columns",
    "compare_datasets",
    "datasets",
]


def __getattr__(name: str) -> Any:
    if name == "datasets":
        return importlib.import_module("cocowidget.datasets")
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cocowidget' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
