"""The options of :func:`~cocowidget.evaluation.metric_importance.metric_importance`.

Apart from the computation, so that ``result.py`` names the type without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportanceOptions:
    """``bootstrap``: resamples for the correlation's interval; ``repeats``: shuffles
    (each on its own resample of the held-out rows) per metric; ``max_rows``: rows per
    outcome the classifier learns from (a random half of them, at most this many; at most
    a quarter as many others are held out to test it on); ``level``: the intervals' coverage;
    ``seed`` makes it all repeatable."""

    bootstrap: int = 100
    repeats: int = 5
    max_rows: int = 10_000
    level: float = 0.95
    seed: int = 0
