"""Reading single JSON values precisely, with a readable reason when they are wrong.

Used by the slow path of loading, which runs only for records the typed decoder refused.
Each reader returns ``(value, None)`` when the value is fine, ``(value, reason)`` when it
was repaired (e.g. the string ``"42"`` read as the integer 42), and ``(None, reason)``
when it cannot be used.
"""

from __future__ import annotations

import math
import re
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_INTEGER_STRING = re.compile(r"^\s*[-+]?\d+\s*$")


def describe(value: Any) -> str:
    """How a JSON value reads in a message: ``the string "abc"``, ``null``, ``NaN`` …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return f"the number {value!r}"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list | tuple):
        n = len(value)
        return "an empty array" if n == 0 else f"an array of {n} item{'s' if n != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def read_int(value: Any) -> tuple[int | None, str | None]:
    """An integer in int64 range; integral floats and integer strings are repaired."""
    if isinstance(value, bool):
        return None, f"expected an integer, got {describe(value)}"
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return value, None
        return None, f"expected an integer that fits in 64 bits, got {value}"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and INT64_MIN <= value <= INT64_MAX:
            return int(value), f"expected an integer, got {describe(value)}; read as {int(value)}"
        return None, f"expected an integer, got {describe(value)}"
    if isinstance(value, str) and _INTEGER_STRING.match(value):
        number = int(value)
        if INT64_MIN <= number <= INT64_MAX:
            return number, f"expected an integer, got {describe(value)}; read as {number}"
    return None, f"expected an integer, got {describe(value)}"


def read_number(value: Any) -> tuple[float | None, str | None]:
    """A finite number; numeric strings are repaired."""
    if isinstance(value, bool):
        return None, f"expected a number, got {describe(value)}"
    if isinstance(value, int | float):
        number = float(value)
        if math.isfinite(number):
            return number, None
        return None, f"expected a finite number, got {describe(value)}"
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number, f"expected a number, got {describe(value)}; read as {number!r}"
    return None, f"expected a number, got {describe(value)}"


def read_str(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, str):
        return value, None
    return None, f"expected a string, got {describe(value)}"


def read_bbox(value: Any) -> tuple[tuple[float, float, float, float] | None, str | None]:
    """``[x, y, width, height]``: exactly four finite numbers."""
    expected = "expected 4 numbers [x, y, width, height]"
    if not isinstance(value, list | tuple):
        return None, f"{expected}, got {describe(value)}"
    if len(value) != 4:
        return None, f"{expected}, got {len(value)}"
    numbers: list[float] = []
    for i, item in enumerate(value):
        number, reason = read_number(item)
        if number is None or reason is not None:
            return None, f"{expected}; item {i} is {describe(item)}"
        numbers.append(number)
    return (numbers[0], numbers[1], numbers[2], numbers[3]), None


def read_iscrowd(value: Any) -> tuple[int | None, str | None]:
    """0 or 1; booleans are repaired."""
    if isinstance(value, bool):
        return int(value), f"expected 0 or 1, got {describe(value)}; read as {int(value)}"
    number, reason = read_int(value)
    if number in (0, 1):
        return number, reason
    return None, f"expected 0 or 1, got {describe(value)}"


def read_id(value: Any) -> tuple[int | None, str | None]:
    """An id usable as an int64 as is: an integer in range, or an integral float (which
    pycocotools' dicts treat as the same key, ``3.0 == 3``). Anything else (a string, a
    fraction, a number beyond 64 bits, null) is an id of its own, kept as read: ``None``
    with the reason. Unlike :func:`read_int`, the string ``"1"`` is not the number 1."""
    if isinstance(value, bool):
        return None, f"expected an integer, got {describe(value)}"
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return value, None
        return None, f"expected an integer that fits in 64 bits, got {value}"
    integral = isinstance(value, float) and math.isfinite(value) and value.is_integer()
    if integral and INT64_MIN <= value <= INT64_MAX:
        return int(value), f"expected an integer, got {describe(value)}"
    return None, f"expected an integer, got {describe(value)}"


def is_non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)
