"""cocowidget: explore COCO datasets and model predictions inside Jupyter."""

from cocowidget.data import Table

__version__ = "0.1.0"
__all__ = ["Table", "__version__"]
