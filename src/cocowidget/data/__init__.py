"""Data layer: COCO tables, statistics, quality checks. No widget imports."""

from cocowidget.data.dataset import CocoData
from cocowidget.data.problems import CocoFormatError
from cocowidget.data.quality import QualityThresholds
from cocowidget.data.statistics import SIZE_BUCKETS
from cocowidget.data.table import Table

__all__ = ["SIZE_BUCKETS", "CocoData", "CocoFormatError", "QualityThresholds", "Table"]
