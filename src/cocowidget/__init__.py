"""cocowidget: explore COCO datasets and model predictions inside Jupyter."""

from cocowidget import datasets
from cocowidget.data import Table
from cocowidget.data.dataset import CocoDataset
from cocowidget.data.problems import CocoFormatError
from cocowidget.evaluation.compare_columns import compare_columns
from cocowidget.widgets.evaluation import EvaluationView
from cocowidget.widgets.explorer import CocoExplorer
from cocowidget.widgets.grid import CocoGrid, ObjectGrid

__version__ = "0.1.0"
__all__ = [
    "CocoDataset",
    "CocoExplorer",
    "CocoFormatError",
    "CocoGrid",
    "EvaluationView",
    "ObjectGrid",
    "Table",
    "__version__",
    "compare_columns",
    "datasets",
]
