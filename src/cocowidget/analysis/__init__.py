"""Analyses built on a dataset and its runs, above the evaluation: label issues today.

Each analysis reads the dataset's tables (and the evaluation's overlap machinery) and
attaches what it computes per row through ``ds.derived``, so grids sort by it and
explorers chart it; :class:`~cocowidget.dataset.CocoDataset` exposes it as a method.
"""

from cocowidget.analysis.issue_kinds import DEFAULTS, FIXES, KINDS, Thresholds
from cocowidget.analysis.label_issues import COLUMNS, issues_key, label_issues

__all__ = ["COLUMNS", "DEFAULTS", "FIXES", "KINDS", "Thresholds", "issues_key", "label_issues"]
