"""Which table a column name refers to, what its values look like, and how to label it.

A column key names an image column (``"width"``, or explicitly ``"images.width"``) or an
annotation column (``"annotations.area"``). A bare name that only the annotations table
has (``"area"``) resolves there; one both tables have (``aspect_ratio``) is the image's.
The canonical key, used everywhere a key is handed back, is the bare name for image
columns and ``"annotations.<name>"`` for annotation columns.

Columns are numeric (charted as histograms, filtered by interval or value set) or
categorical (bar charts, filtered by label set): text and booleans are categorical, and
so are the coded columns ``size_bucket`` and ``category_name`` (whose codes the data
layer already holds as ``category_index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from cocowidget.data.statistics import SIZE_BUCKETS
from cocowidget.data.table import Table

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset

Level = Literal["image", "object"]
IMAGE_PREFIX = "images."
OBJECT_PREFIX = "annotations."
UNKNOWN_CATEGORY = "(unknown category)"
#: Values measured only for the images someone looked at (a grid fills pixel statistics
#: for what it shows) count once this share of the rows has one.
SAMPLED_COVERAGE = 0.5


@dataclass(frozen=True)
class ColumnRef:
    key: str  # canonical key
    level: Level
    name: str  # the column's name in its table

    @property
    def noun(self) -> str:
        return "images" if self.level == "image" else "objects"


@dataclass(frozen=True)
class NumericColumn:
    ref: ColumnRef
    values: np.ndarray  # float64, one per row of the column's table
    integral: bool  # every finite value is a whole number


@dataclass(frozen=True)
class CategoricalColumn:
    ref: ColumnRef
    codes: np.ndarray  # int32 index into labels, one per row
    labels: tuple[object, ...]


Column = NumericColumn | CategoricalColumn


@dataclass(frozen=True)
class Description:
    label: str  # axis label, with the unit in brackets
    unit: str  # appended to values in summaries ("px", "px²", "")


_DESCRIPTIONS: dict[tuple[Level, str], Description] = {
    ("image", "width"): Description("image width (px)", "px"),
    ("image", "height"): Description("image height (px)", "px"),
    ("image", "aspect_ratio"): Description("image aspect ratio (width / height)", ""),
    ("image", "megapixels"): Description("image size (megapixels)", "MP"),
    ("image", "object_count"): Description("objects per image", ""),
    ("image", "category_count"): Description("classes per image", ""),
    ("image", "object_density"): Description("object density (box area / image area)", ""),
    ("image", "smallest_object_area"): Description("smallest object in image (px²)", "px²"),
    ("image", "file_size"): Description("file size (bytes)", "B"),
    ("image", "void_fraction"): Description("unlabelled (void) share of the image", ""),
    ("object", "thing_or_stuff"): Description("thing or stuff (panoptic)", ""),
    ("image", "brightness"): Description("brightness (mean luma, 0–1)", ""),
    ("image", "contrast"): Description("contrast (std of luma, 0–0.5)", ""),
    ("image", "sharpness"): Description("sharpness (variance of the Laplacian)", ""),
    ("object", "area"): Description("object area (px²)", "px²"),
    ("object", "relative_area"): Description("object area / image area", ""),
    ("object", "aspect_ratio"): Description("box aspect ratio (width / height)", ""),
    ("object", "bbox_w"): Description("box width (px)", "px"),
    ("object", "bbox_h"): Description("box height (px)", "px"),
    ("object", "bbox_x"): Description("box left (px)", "px"),
    ("object", "bbox_y"): Description("box top (px)", "px"),
    ("object", "mask_area"): Description("mask area (px²)", "px²"),
    ("object", "category_name"): Description("class", ""),
    ("object", "size_bucket"): Description("COCO size (small < 32² ≤ medium < 96² ≤ large)", ""),
    ("object", "touches_border"): Description("box touches the image border", ""),
    ("object", "iscrowd"): Description("crowd region", ""),
    ("object", "num_keypoints"): Description("labelled keypoints (num_keypoints field)", ""),
    ("object", "keypoints_labeled"): Description("labelled keypoints (v > 0)", ""),
    ("object", "keypoints_visible"): Description("visible keypoints (v = 2)", ""),
    ("object", "person_scale"): Description("person scale (√area, px)", "px"),
}


def has_values(values: np.ndarray, *, sampled: bool = False) -> bool:
    """Whether a table's column has anything to chart: a label, or a finite number (all
    NaN is not measured yet). ``sampled``: its values come from the images someone
    looked at, so it counts only for most rows, as a few would chart as if they were all."""
    if values.dtype.kind != "f":
        return len(values) > 0
    measured = np.isfinite(values)
    if sampled:
        return measured.size > 0 and bool(measured.mean() >= SAMPLED_COVERAGE)
    return bool(measured.any())


def describe(ref: ColumnRef) -> Description:
    known = _DESCRIPTIONS.get((ref.level, ref.name))
    if known is not None:
        return known
    return Description(ref.name.replace("_", " "), "")


def resolve(key: str, images: Table, annotations: Table) -> ColumnRef:
    """The column a key names; ``KeyError`` listing the chartable columns if none."""
    if key in images:
        return ColumnRef(key, "image", key)
    if key.startswith(IMAGE_PREFIX) and key[len(IMAGE_PREFIX) :] in images:
        name = key[len(IMAGE_PREFIX) :]
        return ColumnRef(name, "image", name)
    if key.startswith(OBJECT_PREFIX) and key[len(OBJECT_PREFIX) :] in annotations:
        name = key[len(OBJECT_PREFIX) :]
        return ColumnRef(OBJECT_PREFIX + name, "object", name)
    if key in annotations:
        return ColumnRef(OBJECT_PREFIX + key, "object", key)
    known = chartable_keys(images, annotations)
    raise KeyError(f"no column {key!r}; columns you can chart or filter: {', '.join(known)}")


def chartable_keys(images: Table, annotations: Table) -> list[str]:
    """Canonical keys of every one-dimensional column except ids and bookkeeping."""
    skip = {
        "id",
        "file_index",
        "image_index",
        "category_index",
        "image_id",
        "file_name",
        "panoptic_png",  # a path per image, like file_name
        "segment_id",  # a panoptic segment's colour id
    }
    keys = [name for name in images.columns if images[name].ndim == 1 and name not in skip]
    keys += [
        OBJECT_PREFIX + name
        for name in annotations.columns
        if annotations[name].ndim == 1 and name not in skip
    ]
    return keys


class ColumnCatalog:
    """Resolves keys and builds each column's values once (numeric as float64, categorical
    as codes), so filters and charts never convert a column twice."""

    def __init__(self, images: Table, annotations: Table, categories: Table) -> None:
        self.images = images
        self.annotations = annotations
        self.categories = categories
        # Keyed by canonical key, with the array the column was built from: a column the
        # user replaces (``ds.images["x"] = ...``) is rebuilt on next use.
        self._columns: dict[str, tuple[np.ndarray, Column]] = {}

    @classmethod
    def of(cls, dataset: CocoDataset) -> ColumnCatalog:
        return cls(dataset.images, dataset.annotations, dataset.categories)

    def ref(self, key: str) -> ColumnRef:
        return resolve(key, self.images, self.annotations)

    def has(self, key: str) -> bool:
        """Whether ``key`` names a column now (a run's removal takes its columns)."""
        try:
            self.ref(key)
        except KeyError:
            return False
        return True

    def table(self, ref: ColumnRef) -> Table:
        return self.images if ref.level == "image" else self.annotations

    def column(self, key: str) -> Column:
        ref = self.ref(key)
        source = self.table(ref)[ref.name]
        cached = self._columns.get(ref.key)
        if cached is not None and cached[0] is source:
            return cached[1]
        column = self._build(ref)
        self._columns[ref.key] = (source, column)
        return column

    def forget(self, key: str) -> None:
        """Drop the cached values of a column (after its values changed in place, or
        after it was removed)."""
        canonical = self.ref(key).key if self.has(key) else key
        self._columns.pop(canonical, None)

    def _build(self, ref: ColumnRef) -> Column:
        values = self.table(ref)[ref.name]
        if values.ndim != 1:
            raise ValueError(f"column {ref.key!r} has shape {values.shape}; only 1-D columns")
        if (
            ref.level == "object"
            and ref.name == "category_name"
            and "category_index" in (self.annotations)
        ):
            return self._category_names(ref)
        if ref.level == "object" and ref.name == "size_bucket":
            return CategoricalColumn(ref, values.astype(np.int32), SIZE_BUCKETS)
        if values.dtype.kind in "iuf":
            numbers = values.astype(np.float64)
            finite = numbers[np.isfinite(numbers)]
            integral = values.dtype.kind in "iu" or bool(np.all(finite == np.round(finite)))
            return NumericColumn(ref, numbers, integral)
        return _categorical(ref, values)

    def _category_names(self, ref: ColumnRef) -> CategoricalColumn:
        names = self.categories["name"]
        labels: tuple[object, ...] = tuple(str(name) for name in names.tolist())
        codes = self.annotations["category_index"].astype(np.int32)
        unknown = codes < 0
        if unknown.any():
            codes = codes.copy()
            codes[unknown] = len(labels)
            labels = (*labels, UNKNOWN_CATEGORY)
        return CategoricalColumn(ref, codes, labels)


def _categorical(ref: ColumnRef, values: np.ndarray) -> CategoricalColumn:
    if values.dtype.kind == "b":
        return CategoricalColumn(ref, values.astype(np.int32), (False, True))
    text = values.astype(str) if values.dtype.kind == "O" else values
    labels, codes = np.unique(text, return_inverse=True)
    return CategoricalColumn(ref, codes.astype(np.int32), tuple(labels.tolist()))
