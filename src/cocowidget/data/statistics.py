"""Statistics as columns, computed with whole-column numpy operations.

Image level: size, aspect ratio, megapixels, object and category counts, object density,
smallest object. Object level: relative area, box aspect ratio, COCO size bucket, border
contact, category name. Per category: annotation and image counts, mean and median area.
Pixel statistics (brightness, contrast, sharpness), file sizes and mask areas need the
files or the masks and are filled later; they start as NaN (or -1 for file sizes).
"""

from __future__ import annotations

import numpy as np

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.table import Table

#: ``size_bucket`` codes index this tuple. Limits are COCOeval's area ranges.
SIZE_BUCKETS = ("small", "medium", "large")
SMALL_AREA = 32.0**2
MEDIUM_AREA = 96.0**2
#: A box within this many pixels of an image edge touches the border (COCO boxes are
#: polygon extents in float pixels, so an object cut by the edge ends near, not at, it).
BORDER_TOLERANCE = 1.0

PIXEL_STATISTICS = ("brightness", "contrast", "sharpness")


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ratio, NaN where the denominator is not positive."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    with np.errstate(over="ignore"):  # a huge ratio is inf, which is what it is
        np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (sorting beats numpy's hash-based unique on ints here)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def image_sizes_of(objects: Table, images: Table) -> tuple[np.ndarray, np.ndarray]:
    """Width and height of each object's image (0 where the image is unknown)."""
    index = objects["image_index"]
    if len(images) == 0:
        zeros = np.zeros(len(index), dtype=np.int64)
        return zeros, zeros
    # Index -1 picks the last image; those rows are zeroed afterwards.
    unknown = index < 0
    width: np.ndarray = images["width"][index]
    height: np.ndarray = images["height"][index]
    width[unknown] = 0
    height[unknown] = 0
    return width, height


#: NaN and Infinity (kept as read) make NaN or Infinity statistics, silently.
_QUIET = np.errstate(invalid="ignore", over="ignore", divide="ignore")


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    """The values with non-finite ones as NaN (a copy only when there are any)."""
    finite = np.isfinite(values)
    if finite.all():
        return values
    return np.where(finite, values, np.nan)


@_QUIET
def object_statistics(objects: Table, images: Table, categories: Table) -> dict[str, np.ndarray]:
    bbox = objects["bbox"]
    x, y, w, h = bbox[:, 0], bbox[:, 1], bbox[:, 2], bbox[:, 3]
    area = objects["area"]
    image_w, image_h = image_sizes_of(objects, images)
    image_area = (image_w * image_h).astype(np.float64)
    size_bucket = (area >= SMALL_AREA).astype(np.int8)
    size_bucket += area >= MEDIUM_AREA
    known = image_area > 0
    tol = BORDER_TOLERANCE
    touches = known & (
        (x <= tol) | (y <= tol) | (x + w >= image_w - tol) | (y + h >= image_h - tol)
    )
    category_index = objects["category_index"]
    names = np.empty(len(categories) + 1, dtype=object)
    names[:-1] = categories["name"] if len(categories) else []
    names[-1] = ""
    return {
        "bbox_x": x,
        "bbox_y": y,
        "bbox_w": w,
        "bbox_h": h,
        "relative_area": _divide(area, image_area),
        "aspect_ratio": _divide(w, h),
        "size_bucket": size_bucket,
        "touches_border": touches,
        "category_name": names[category_index],
    }


@_QUIET
def image_statistics(
    images: Table, objects: ObjectTable, n_categories: int
) -> dict[str, np.ndarray]:
    """Per image; areas that are not finite (kept as read) are skipped."""
    n = len(images)
    width = images["width"].astype(np.float64)
    height = images["height"].astype(np.float64)
    pixels = width * height
    counts = np.diff(objects.offsets)
    in_image = slice(0, int(objects.offsets[-1]))  # rows of objects whose image is known
    image_index = objects.table["image_index"][in_image]
    area = finite_or_nan(objects.table["area"][in_image])
    category_index = objects.table["category_index"][in_image]
    pairs = unique_sorted(image_index * (n_categories + 1) + (category_index + 1))
    category_count = np.bincount(pairs // (n_categories + 1), minlength=n)[:n]
    area_sum = np.bincount(image_index, weights=np.nan_to_num(area, nan=0.0), minlength=n)[:n]
    smallest = np.full(n, np.nan)
    nonempty = counts > 0
    if nonempty.any():
        # fmin skips NaN: an image's smallest finite area.
        smallest[nonempty] = np.fmin.reduceat(area, objects.offsets[:-1][nonempty])
    return {
        "aspect_ratio": _divide(width, height),
        "megapixels": pixels / 1e6,
        "object_count": counts.astype(np.int64),
        "category_count": category_count.astype(np.int64),
        "object_density": _divide(area_sum, pixels),
        "smallest_object_area": smallest,
    }


@_QUIET
def category_statistics(categories: Table, objects: Table) -> dict[str, np.ndarray]:
    """Per category; mean and median skip areas that are not finite (kept as read)."""
    n = len(categories)
    category_index = objects["category_index"]
    known = category_index >= 0
    index = category_index[known]
    area = finite_or_nan(objects["area"][known])
    count = np.bincount(index, minlength=n)[:n]
    finite = ~np.isnan(area)
    all_finite = bool(finite.all())
    finite_count = count if all_finite else np.bincount(index[finite], minlength=n)[:n]
    image_index = objects["image_index"][known]
    in_image = image_index >= 0
    stride = int(image_index.max()) + 1 if len(image_index) else 1
    pairs = unique_sorted(index[in_image].astype(np.int64) * stride + image_index[in_image])
    image_count = np.bincount(pairs // stride, minlength=n)[:n]
    area_sum = np.bincount(index, weights=np.nan_to_num(area, nan=0.0), minlength=n)[:n]
    mean = _divide(area_sum, finite_count.astype(np.float64))
    median = np.full(n, np.nan)
    if len(index):
        # Group by category with one sort of small ints, then a partition per category:
        # much cheaper than sorting every area.
        order = np.argsort(index, kind="stable")
        grouped = area[order]
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(count, out=starts[1:])
        for category in np.flatnonzero(count).tolist():
            values = grouped[starts[category] : starts[category + 1]]
            if not all_finite:
                values = values[~np.isnan(values)]
            if len(values):
                median[category] = np.median(values)
    return {
        "annotation_count": count.astype(np.int64),
        "image_count": image_count.astype(np.int64),
        "mean_area": mean,
        "median_area": median,
    }
