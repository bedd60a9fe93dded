"""Two datasets (or two slices) side by side: how each metric's distribution and the class
balance differ.

Image metrics compare the two image tables, object metrics the two annotation tables
(:mod:`cocowidget.data.metric_columns` says which columns are metrics; a metric one side
lacks is compared where both have it and noted otherwise). Per metric: the two-sample
Kolmogorov–Smirnov statistic and p-value and the Wasserstein distance (both SciPy's, on
the finite values), the latter also divided by the pooled standard deviation so metrics
in different units can be ranked; rows sorted by KS, largest first. Classes are matched
by name, so a train and a validation file with different category ids line up; crowd
regions count as objects of their class, as in ``ds.annotations``.

SciPy is part of the ``insight`` extra (``pip install cocowidget[insight]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from cocowidget.data.metric_columns import is_numeric, metric_columns
from cocowidget.data.table import Table

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

Kind = Literal["image", "object"]


@dataclass(frozen=True, eq=False)
class DatasetComparison:
    """``names``: what the two are called; ``distances``: one row per metric (``metric``,
    ``kind``, ``n_a``, ``n_b``, ``mean_a``, ``mean_b``, ``median_a``, ``median_b``,
    ``ks``, ``ks_pvalue``, ``wasserstein``, ``wasserstein_scaled``, ``note``); ``classes``:
    one row per class name in either (``name``, ``objects_a``, ``objects_b``,
    ``share_a``, ``share_b``, ``images_a``, ``images_b``, ``share_difference`` = b - a),
    largest difference in share first."""

    a: CocoData
    b: CocoData
    names: tuple[str, str]
    distances: Table
    classes: Table

    def values(self, metric: str, kind: Kind, side: int) -> tuple[np.ndarray, np.ndarray]:
        """A metric's values on one side (0: ``a``, 1: ``b``) with the image id of each
        value's image (an image's own id, or an object's image)."""
        ds = (self.a, self.b)[side]
        table = ds.images if kind == "image" else ds.annotations
        if metric not in table:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        ids = table["id"] if kind == "image" else table["image_id"]
        return np.asarray(table[metric], dtype=np.float64), np.asarray(ids, dtype=np.int64)

    def image_ids_between(
        self, metric: str, kind: Kind, side: int, low: float, high: float
    ) -> np.ndarray:
        """Ids of the images on one side whose value (an image metric) or one of whose
        objects' values (an object metric) lies in the closed range ``[low, high]``."""
        values, image_ids = self.values(metric, kind, side)
        with np.errstate(invalid="ignore"):
            inside = (values >= low) & (values <= high)
        return np.unique(image_ids[inside])


def compare_datasets(
    a: CocoData,
    b: CocoData,
    *,
    names: tuple[str, str] = ("a", "b"),
    columns: Sequence[str] | None = None,
) -> DatasetComparison:
    """Compare every metric (or ``columns``: image or annotation column names) and the
    class balance of ``a`` and ``b``."""
    _require_scipy()
    if len(names) != 2 or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"names are two non-empty texts, not {names!r}")
    rows = [_distance(a, b, metric, kind, names) for metric, kind in _metrics(a, b, columns)]
    rows.sort(key=lambda row: -row["ks"] if np.isfinite(row["ks"]) else np.inf)
    return DatasetComparison(a, b, (names[0], names[1]), _table(rows), _classes(a, b))


def _metrics(a: CocoData, b: CocoData, columns: Sequence[str] | None) -> list[tuple[str, Kind]]:
    found: list[tuple[str, Kind]] = []
    for kind, tables in (
        ("image", (a.images, b.images)),
        ("object", (a.annotations, b.annotations)),
    ):
        if columns is None:
            names = dict.fromkeys(metric_columns(tables[0]) + metric_columns(tables[1]))
        else:
            names = dict.fromkeys(c for c in columns if c in tables[0] or c in tables[1])
        for name in names:
            for table in tables:
                if name in table and not is_numeric(table[name]):
                    raise TypeError(f"column {name!r} is not one-dimensional and numeric")
            found.append((name, kind))  # type: ignore[arg-type]
    if columns is not None:
        known = {name for name, _ in found}
        for name in columns:
            if name not in known:
                raise KeyError(f"neither dataset has an image or annotation column {name!r}")
    return found


def _distance(
    a: CocoData, b: CocoData, metric: str, kind: Kind, names: tuple[str, str]
) -> dict[str, Any]:
    from scipy.stats import ks_2samp, wasserstein_distance

    sides = []
    for ds in (a, b):
        table = ds.images if kind == "image" else ds.annotations
        values = np.asarray(table[metric], dtype=np.float64) if metric in table else None
        sides.append(values)
    row: dict[str, Any] = {"metric": metric, "kind": kind}
    finite = [np.zeros(0) if v is None else v[np.isfinite(v)] for v in sides]
    for key, values in zip("ab", finite, strict=True):
        row[f"n_{key}"] = len(values)
        row[f"mean_{key}"] = float(values.mean()) if len(values) else np.nan
        row[f"median_{key}"] = float(np.median(values)) if len(values) else np.nan
    note = _note(metric, sides, finite, names)
    if note:
        row |= {"ks": np.nan, "ks_pvalue": np.nan, "wasserstein": np.nan}
        row |= {"wasserstein_scaled": np.nan, "note": note}
        return row
    test = ks_2samp(finite[0], finite[1])
    distance = float(wasserstein_distance(finite[0], finite[1]))
    spread = float(np.concatenate(finite).std())
    row |= {
        "ks": float(test.statistic),
        "ks_pvalue": float(test.pvalue),
        "wasserstein": distance,
        "wasserstein_scaled": distance / spread if spread > 0 else 0.0,
        "note": "",
    }
    return row


def _note(
    metric: str, sides: list[np.ndarray | None], finite: list[np.ndarray], names: tuple[str, str]
) -> str:
    for name, values, kept in zip(names, sides, finite, strict=True):
        if values is None:
            return f"{name} has no column {metric!r}"
        if not len(kept):
            return f"{name} has no finite values"
    pooled = np.concatenate(finite)
    if pooled.min() == pooled.max():
        return f"constant ({pooled[0]:g}) in both"
    return ""


def _classes(a: CocoData, b: CocoData) -> Table:
    counted = [_class_counts(ds) for ds in (a, b)]
    names = sorted(set(counted[0]) | set(counted[1]))
    objects = [np.array([c.get(n, (0, 0))[0] for n in names], dtype=np.int64) for c in counted]
    images = [np.array([c.get(n, (0, 0))[1] for n in names], dtype=np.int64) for c in counted]
    shares = [o / o.sum() if o.sum() else np.zeros(len(o)) for o in objects]
    difference = shares[1] - shares[0]
    order = np.argsort(-np.abs(difference), kind="stable")
    return Table(
        {
            "name": np.array(names, dtype=object)[order],
            "objects_a": objects[0][order],
            "objects_b": objects[1][order],
            "share_a": shares[0][order],
            "share_b": shares[1][order],
            "images_a": images[0][order],
            "images_b": images[1][order],
            "share_difference": difference[order],
        }
    )


def _class_counts(ds: CocoData) -> dict[str, tuple[int, int]]:
    """Class name -> (objects, images with one). Classes without objects count zero."""
    annotations = ds.annotations
    result = {str(name): (0, 0) for name in ds.categories["name"].tolist()}
    names = annotations["category_name"].astype(str)
    for name in np.unique(names):
        mine = names == name
        result[str(name)] = (int(mine.sum()), len(np.unique(annotations["image_id"][mine])))
    return result


def _require_scipy() -> None:
    try:
        import scipy.stats  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "compare_datasets needs scipy: pip install 'cocowidget[insight]'"
        ) from error


def _table(rows: list[dict[str, Any]]) -> Table:
    text = ("metric", "kind", "note")
    columns: dict[str, np.ndarray] = {}
    keys = rows[0] if rows else {}
    for key in keys:
        values = [row[key] for row in rows]
        if key in text:
            columns[key] = np.array(values, dtype=object)
        elif key.startswith("n_"):
            columns[key] = np.array(values, dtype=np.int64)
        else:
            columns[key] = np.array(values, dtype=np.float64)
    return Table(columns)
