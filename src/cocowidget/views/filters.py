"""Filter state over a dataset's images and annotations, as vectorised masks.

A filter maps a column key (see :mod:`cocowidget.views.columns`) to an interval
``(lo, hi)`` — inclusive, ``None`` or an infinity for an open side — or to a set of
values (class names, ``size_bucket`` labels, exact numbers).

How filters combine
-------------------
- Image-level filters AND together.
- Object-level filters AND together *on the same object*: ``{"annotations.area":
  (0, 1024), "annotations.category_name": {"person"}}`` asks for small persons, not for
  images with some small object and some person. An image matches when at least one of
  its objects passes every object-level filter; those objects are the *matching
  objects* the grid emphasises.
- The shown images pass every image-level filter and have a matching object (when any
  object-level filter is set).

Cross-filtering (what each chart's "filtered" distribution counts)
-----------------------------------------------------------------
The crossfilter convention: a chart's filtered distribution applies every filter *except
its own*, so brushing a chart leaves its own bars whole (you see the whole distribution
you are choosing from) while every other chart shows the effect. For an image chart:
images passing the other image filters that have a matching object. For an object
chart: objects passing the other object-level filters, in images passing the
image-level filters.

Objects whose image is not in the dataset (``image_index == -1``) belong to no image:
they are never counted or matched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from cocowidget.views.columns import (
    CategoricalColumn,
    Column,
    ColumnCatalog,
    ColumnRef,
)

Interval = tuple[float, float]
ValueSet = frozenset[Any]
FilterValue = Interval | ValueSet


class FilterSet:
    """The current filters and every mask derived from them, recomputed lazily.

    A filter's own mask is computed when the filter is set and kept until it changes;
    combinations (the image mask, leave-one-out masks for charts) are cached until the
    next change.
    """

    def __init__(self, catalog: ColumnCatalog) -> None:
        self.catalog = catalog
        self._n_images = len(catalog.images)
        image_index = catalog.annotations["image_index"].astype(np.int64)
        self._known = image_index >= 0
        self._image_index = np.where(self._known, image_index, 0)
        self._groups = ImageGroups.of(image_index, self._n_images)
        self._values: dict[str, FilterValue] = {}
        self._refs: dict[str, ColumnRef] = {}
        self._columns: dict[str, Column] = {}  # what each mask was computed from
        self._masks: dict[str, np.ndarray] = {}
        self._derived: dict[tuple[str, str], np.ndarray] = {}

    # -- state -----------------------------------------------------------------------------
    @property
    def filters(self) -> dict[str, FilterValue]:
        return dict(self._values)

    def normalize(self, filters: Mapping[str, Any]) -> dict[str, FilterValue]:
        """Canonical keys and values; ``None`` values (no filter) are dropped.

        Raises ``KeyError`` for an unknown column and ``ValueError`` for a value that
        does not fit it (an interval on a class column, an unknown class name).
        """
        normalized: dict[str, FilterValue] = {}
        for key, value in filters.items():
            column = self.catalog.column(key)
            if value is None:
                continue
            canonical = column.ref.key
            if canonical in normalized:
                raise ValueError(f"{key!r} and another key both name column {canonical!r}")
            normalized[canonical] = normalize_value(column, value)
        return normalized

    def assign(self, filters: Mapping[str, Any]) -> bool:
        """Replace every filter; returns whether anything changed."""
        wanted = self.normalize(filters)
        if wanted == self._values:
            return False
        for key in [k for k in self._values if k not in wanted]:
            del self._values[key], self._masks[key], self._refs[key], self._columns[key]
        for key, value in wanted.items():
            if self._values.get(key) != value:
                self._set_mask(key, value, self.catalog.column(key))
        self._derived.clear()
        return True

    def revalue(self) -> bool:
        """Recompute the masks of filters whose column has new values (measured since,
        or attached again); returns whether any had. Every filtered column must exist."""
        changed = False
        for key, value in self._values.items():
            column = self.catalog.column(key)
            if column is not self._columns[key]:
                self._set_mask(key, value, column)
                changed = True
        if changed:
            self._derived.clear()
        return changed

    def _set_mask(self, key: str, value: FilterValue, column: Column) -> None:
        self._values[key] = value
        self._refs[key] = column.ref
        self._columns[key] = column
        self._masks[key] = value_mask(column, value)

    def set(self, key: str, value: Any) -> bool:
        """Set (or with ``None`` remove) one filter; returns whether anything changed."""
        canonical = self.catalog.ref(key).key
        filters: dict[str, Any] = dict(self._values)
        filters[canonical] = value
        return self.assign(filters)

    def clear(self) -> bool:
        return self.assign({})

    def level(self, key: str) -> str:
        return self.catalog.ref(key).level

    @property
    def known_objects(self) -> np.ndarray:
        """Objects whose image is in the dataset (the only ones ever counted)."""
        return self._known

    @property
    def has_object_filters(self) -> bool:
        return any(ref.level == "object" for ref in self._refs.values())

    # -- masks -----------------------------------------------------------------------------
    def image_mask(self) -> np.ndarray:
        """Images passing every filter (bool per image row)."""
        return self.image_mask_without("")

    def rows(self) -> np.ndarray:
        """Rows of the matching images, in table order."""
        return self._cached(("rows", ""), lambda: np.flatnonzero(self.image_mask()))

    def matching_objects(self) -> np.ndarray:
        """Objects passing every object-level filter, in images passing every filter."""
        return self._cached(
            ("matching_objects", ""),
            lambda: self.object_mask_without("") & self.image_mask()[self._image_index],
        )

    def image_mask_without(self, key: str) -> np.ndarray:
        """Images passing every filter but ``key``'s (the crossfilter view of a chart)."""
        skip = self._filtered_key(key)
        level = self._refs[skip].level if skip else None

        def compute() -> np.ndarray:
            mask = self._and(self._keys("image", skip=skip), self._n_images)
            if self.has_object_filters:
                mask &= self._images_with_match(skip if level == "object" else "")
            return mask

        return self._cached(("image_without", skip), compute)

    def object_mask_without(self, key: str) -> np.ndarray:
        """Objects passing every object-level filter but ``key``'s, in images passing
        every image-level filter (the crossfilter view of an object chart)."""
        skip = self._filtered_key(key)

        def compute() -> np.ndarray:
            mask = self._object_match(skip if skip and self._refs[skip].level == "object" else "")
            images = self._keys("image", skip=skip)
            if images:
                mask = mask & self._and(images, self._n_images)[self._image_index]
            return mask

        return self._cached(("object_without", skip), compute)

    def emphasis(self, rows: Iterable[int] | np.ndarray) -> np.ndarray:
        """Rows (in ``annotations``) of the matching objects of the given image rows;
        empty when no object-level filter is set (every object matters then)."""
        if not self.has_object_filters:
            return np.zeros(0, dtype=np.int64)
        wanted = rows if isinstance(rows, np.ndarray) else np.fromiter(rows, dtype=np.int64)
        wanted = wanted[self.image_mask()[wanted]]
        # Only the objects of the wanted images are looked at, whatever the dataset's size.
        objects = self._groups.objects_of(wanted)
        result: np.ndarray = objects[self._object_match("")[objects]]
        return result

    # -- helpers ---------------------------------------------------------------------------
    def _filtered_key(self, key: str) -> str:
        """The canonical key if it has a filter, else "" (so every chart without a filter
        shares one cached mask)."""
        if not key:
            return ""
        canonical = self.catalog.ref(key).key
        return canonical if canonical in self._values else ""

    def _object_match(self, skip: str) -> np.ndarray:
        """Objects (of known images) passing every object-level filter but ``skip``."""
        return self._cached(
            ("object_match", skip),
            lambda: self._and(self._keys("object", skip=skip), len(self._known)) & self._known,
        )

    def _images_with_match(self, skip: str) -> np.ndarray:
        return self._cached(
            ("images_with_match", skip), lambda: self._groups.any(self._object_match(skip))
        )

    def _keys(self, level: str, *, skip: str) -> list[str]:
        return [key for key, ref in self._refs.items() if ref.level == level and key != skip]

    def _and(self, keys: list[str], size: int) -> np.ndarray:
        mask = np.ones(size, dtype=bool)
        for key in keys:
            mask &= self._masks[key]
        return mask

    def _cached(self, key: tuple[str, str], compute: Callable[[], np.ndarray]) -> np.ndarray:
        value = self._derived.get(key)
        if value is None:
            value = compute()
            self._derived[key] = value
        return value


class ImageGroups:
    """Objects grouped by image: per-image reductions without a Python loop.

    The data layer sorts annotations by image row, objects of no known image last; then
    image ``r``'s objects are ``offsets[r]:offsets[r + 1]`` and "has a matching object"
    is one ``logical_or.reduceat``. Unsorted input (a table built elsewhere) falls back
    to scattering into the image mask.
    """

    def __init__(self, image_index: np.ndarray, n_images: int, offsets: np.ndarray | None):
        self.image_index = image_index
        self.n_images = n_images
        self.offsets = offsets

    @classmethod
    def of(cls, image_index: np.ndarray, n_images: int) -> ImageGroups:
        known = image_index[image_index >= 0]
        in_order = bool(np.all(known[1:] >= known[:-1])) and bool(
            np.all(image_index[: len(known)] >= 0)
        )
        offsets = None
        if in_order:
            offsets = np.searchsorted(known, np.arange(n_images + 1)).astype(np.int64)
        return cls(image_index, n_images, offsets)

    def any(self, objects: np.ndarray) -> np.ndarray:
        """Per image: does any of its objects pass ``objects`` (a mask over all objects)?"""
        hits = np.zeros(self.n_images, dtype=bool)
        if self.offsets is None:
            hits[self.image_index[objects & (self.image_index >= 0)]] = True
            return hits
        starts, ends = self.offsets[:-1], self.offsets[1:]
        nonempty = starts < ends
        if objects.size and nonempty.any():
            hits[nonempty] = np.logical_or.reduceat(objects[: ends[-1]], starts[nonempty])
        return hits

    def objects_of(self, rows: np.ndarray) -> np.ndarray:
        """Indices of the objects of the given image rows, image by image."""
        if self.offsets is None:
            wanted = np.zeros(self.n_images, dtype=bool)
            wanted[rows] = True
            known = self.image_index >= 0
            found: np.ndarray = np.flatnonzero(known & wanted[np.where(known, self.image_index, 0)])
            return found
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # Concatenated ranges: each image's start, repeated, plus a running position.
        first = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        indices: np.ndarray = first + np.arange(total)
        return indices


def normalize_value(column: Column, value: Any) -> FilterValue:
    """An interval as a ``(lo, hi)`` tuple of floats, a value set as a frozenset."""
    if isinstance(value, set | frozenset):
        return _value_set(column, value)
    if isinstance(column, CategoricalColumn):
        if isinstance(value, str | bool) or not isinstance(value, Iterable):
            return _value_set(column, {value})
        return _value_set(column, set(value))
    if isinstance(value, tuple | list | np.ndarray) and len(value) == 2:
        interval = _interval(column.ref.key, value[0], value[1])
        return _whole(interval) if column.integral else interval
    raise ValueError(
        f"filter on {column.ref.key!r} must be an interval (lo, hi) or a set of values, "
        f"got {value!r}"
    )


def value_mask(column: Column, value: FilterValue) -> np.ndarray:
    """Rows of the column's table that pass the filter (NaN never passes an interval)."""
    if isinstance(column, CategoricalColumn):
        allowed = np.array([label in value for label in column.labels], dtype=bool)
        passing: np.ndarray = allowed[column.codes]
        return passing
    values = column.values
    if isinstance(value, frozenset):
        passing = np.isin(values, np.array(sorted(value), dtype=np.float64))
        return passing
    lo, hi = value
    if math.isinf(lo) and math.isinf(hi):
        passing = ~np.isnan(values)
    elif math.isinf(lo):
        passing = values <= hi
    elif math.isinf(hi):
        passing = values >= lo
    else:
        passing = (values >= lo) & (values <= hi)
    return passing


def _interval(key: str, lo: Any, hi: Any) -> Interval:
    low = -math.inf if lo is None else float(lo)
    high = math.inf if hi is None else float(hi)
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"interval bounds for {key!r} must be numbers or None, not NaN")
    if low > high:
        raise ValueError(f"interval for {key!r} has lo > hi: ({low}, {high})")
    return (low, high)


def _whole(interval: Interval) -> Interval:
    """An interval on a column of whole numbers, narrowed to whole bounds: it passes the
    same rows, and reads as a user means it (a brush over 13.4-32.0 is 14-32)."""
    lo, hi = interval
    whole = (
        math.ceil(lo) if math.isfinite(lo) else lo,
        math.floor(hi) if math.isfinite(hi) else hi,
    )
    return (float(whole[0]), float(whole[1])) if whole[0] <= whole[1] else interval


def _value_set(column: Column, values: Iterable[Any]) -> ValueSet:
    chosen = frozenset(_plain(value) for value in values)
    if isinstance(column, CategoricalColumn):
        unknown = chosen - set(column.labels)
        if unknown:
            shown = ", ".join(map(repr, list(column.labels)[:20]))
            more = "…" if len(column.labels) > 20 else ""
            raise ValueError(
                f"{sorted(map(str, unknown))} not among the values of "
                f"{column.ref.key!r}: {shown}{more}"
            )
        return chosen
    if not all(isinstance(value, int | float) for value in chosen):
        raise ValueError(f"values for numeric column {column.ref.key!r} must be numbers")
    return chosen


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def is_interval(value: FilterValue) -> bool:
    return isinstance(value, tuple)
