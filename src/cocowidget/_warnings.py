"""Warnings that point at the user's line, however deep in cocowidget they are raised.

A fixed ``stacklevel`` breaks whenever a call path changes (a wrapper such as
:func:`cocowidget._arguments.checked_keywords` adds a frame), and the user is then shown a
line of cocowidget instead of their own call. :func:`warn` counts the frames instead.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

_PACKAGE = str(Path(__file__).resolve().parent)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """:func:`warnings.warn` at the first frame outside the cocowidget package."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level + 1)
