"""Data layer: COCO tables, statistics, quality checks. No widget imports."""

from cocowidget.data.table import Table

__all__ = ["Table"]
