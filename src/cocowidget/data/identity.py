"""Ids that are not usable int64s keep their identity.

An image id may be a string (``"abc"``), a fraction, a number beyond 64 bits, null or
missing. Such ids are given internal int64 ids, above the largest usable id of their
kind, so every table stays numeric; references with the same original value
(``"image_id": "abc"``) get the same internal id, so annotations are grouped with their
image exactly as pycocotools' dicts would group them (Python equality: ``"1"`` is not
``1``). The original values are kept (internal id -> original) for
:meth:`~cocowidget.data.dataset.CocoData.user_ids`; export writes the records as
read. Only files with such ids pay anything here.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Hashable
from typing import Any

import numpy as np

from cocowidget.data.validation import MISSING
from cocowidget.data.values import INT64_MAX, INT64_MIN

#: The image (or category) id of an annotation that names none: it matches nothing.
NO_REFERENCE = INT64_MIN

#: Internal id -> the id as the file has it, per table ("images", "annotations",
#: "categories"); only ids that are not usable int64s are listed.
UserIds = dict[str, dict[int, Any]]

#: (column, [(row, original value)]) of one table's ids or of one kind of reference.
PendingColumn = tuple[np.ndarray, list[tuple[int, Any]]]


def identity_key(value: Any) -> Hashable:
    """The dict key pycocotools would use for an id read from JSON: Python equality,
    with every NaN alike (Python's json reads each NaN as the same object)."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    if isinstance(value, list | dict):
        return ("json", json.dumps(value, sort_keys=True, allow_nan=True))
    key: Hashable = value  # str, int, float, bool, None: compared as Python does
    return key


class _Allocator:
    """Fresh ids not used by any usable id of the kind: above the largest, or below
    the smallest once the top of the int64 range is reached."""

    def __init__(self, columns: list[PendingColumn]) -> None:
        high, low = None, None
        for values, pending in columns:
            usable = np.ones(len(values), dtype=bool)
            usable[[row for row, _ in pending]] = False
            if usable.any():
                chosen = values[usable]
                top, bottom = int(chosen.max()), int(chosen.min())
                high = top if high is None else max(high, top)
                low = bottom if low is None else min(low, bottom)
        self._up = 1 if high is None else high + 1
        self._down = (0 if low is None else low) - 1

    def fresh(self) -> int:
        if self._up <= INT64_MAX:
            self._up += 1
            return self._up - 1
        if self._down <= INT64_MIN:
            raise OverflowError("no int64 id is left for an id that is not a 64-bit integer")
        self._down -= 1
        return self._down + 1


def resolve_ids(definitions: PendingColumn, references: list[PendingColumn]) -> dict[int, Any]:
    """Give pending ids internal ids (in place in the columns); internal -> original."""
    if not definitions[1] and not any(pending for _, pending in references):
        return {}
    allocate = _Allocator([definitions, *references])
    by_key: dict[Hashable, int] = {}
    originals: dict[int, Any] = {}
    values, pending = definitions
    for row, original in pending:
        if original is MISSING:
            internal = allocate.fresh()  # an id that is not there is no one else's
            originals[internal] = None
        else:
            key = identity_key(original)
            if key not in by_key:
                by_key[key] = allocate.fresh()
                originals[by_key[key]] = original
            internal = by_key[key]
        values[row] = internal
    for values, pending in references:
        for row, original in pending:
            if original is MISSING:
                values[row] = NO_REFERENCE
                continue
            key = identity_key(original)
            if key not in by_key:
                by_key[key] = allocate.fresh()  # a dangling reference, by identity too
                originals[by_key[key]] = original
            values[row] = by_key[key]
    return originals


def pending_of(values: np.ndarray, pending: list[tuple[int, str, Any]], name: str) -> PendingColumn:
    """The pending entries of one field, with the column they belong in."""
    return values, [(row, original) for row, field, original in pending if field == name]


class IdLookup:
    """Ids both ways: as the table holds them and as the user (or the file) gives them."""

    def __init__(self, labels: UserIds) -> None:
        #: Internal id -> the file's id, by table; only tables that have such ids.
        self.labels = labels
        self._internal: dict[str, dict[Hashable, int]] = {}

    def user_ids(self, ids: Any, table: str) -> list[Any]:
        if table not in ("images", "annotations", "categories"):
            raise ValueError(f"table must be images, annotations or categories, not {table!r}")
        values: list[Any] = np.asarray(ids, dtype=np.int64).reshape(-1).tolist()
        labels = self.labels.get(table)
        if not labels:
            return values
        return [labels.get(value, value) for value in values]

    def internal_id(self, table: str, user_id: Any) -> int:
        """The table's id of an id as the user gives it; KeyError if it is neither."""
        labels = self.labels.get(table)
        if labels:
            if table not in self._internal:
                self._internal[table] = {
                    identity_key(original): internal for internal, original in labels.items()
                }
            with contextlib.suppress(TypeError):
                found = self._internal[table].get(identity_key(user_id))
                # A usable int is its own id (True == 1 must not find a file's true).
                usable = isinstance(user_id, int | np.integer) and INT64_MIN <= user_id <= INT64_MAX
                if found is not None and not usable:
                    return found
        try:
            return int(user_id)
        except (TypeError, ValueError, OverflowError):
            raise KeyError(user_id) from None
