"""Numbers and intervals as short, readable text for chart labels and summaries."""

from __future__ import annotations

import math


def format_number(value: float) -> str:
    """Three significant digits, thousands separated; integers stay exact up to 10⁶.

    ``1234`` → ``1,234``; ``1234.5`` → ``1,230``; ``0.000123`` → ``0.000123``;
    ``1.5e-07`` → ``1.5e-07``; ``2500000.0`` → ``2.5e+06``.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value):,}"
    magnitude = abs(value)
    if 1000 <= magnitude < 1e6:
        digits = 2 - math.floor(math.log10(magnitude))
        return f"{round(value, digits):,.0f}"
    if 1e-4 <= magnitude < 1000:
        text = f"{value:.3g}"
        # 999.9 rounds up to "1e+03": spell it as the thousand it became.
        return f"{float(text):,.0f}" if "e" in text else text
    return f"{value:.2g}"


def format_count(count: int) -> str:
    return f"{count:,}"


def format_interval(lo: float, hi: float, unit: str = "") -> str:
    """``lo–hi unit``; an unbounded side reads as ``≤ hi`` or ``≥ lo``."""
    suffix = f" {unit}" if unit else ""
    if math.isinf(lo) and math.isinf(hi):
        return "any value"
    if math.isinf(lo):
        return f"≤ {format_number(hi)}{suffix}"
    if math.isinf(hi):
        return f"≥ {format_number(lo)}{suffix}"
    return f"{format_number(lo)}–{format_number(hi)}{suffix}"
