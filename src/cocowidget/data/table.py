"""A minimal columnar table: named numpy columns of equal length.

Every table in cocowidget (images, annotations, predictions, categories, statistics,
evaluation results) is a :class:`Table`. It is deliberately small: columns are plain
numpy arrays, so filtering, sorting and statistics are vectorised numpy, and the same
arrays can be sent to the browser as binary buffers without copying.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from cocowidget._arguments import checked_methods


@checked_methods
class Table:
    """Named 1-D (or N-D, first axis = rows) numpy columns of equal length."""

    __slots__ = ("_columns", "_length")

    def __init__(self, columns: Mapping[str, npt.ArrayLike] | None = None) -> None:
        self._columns: dict[str, np.ndarray] = {}
        self._length: int | None = None
        for name, values in (columns or {}).items():
            self[name] = values

    # -- shape ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._length or 0

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    # -- column access -------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._columns[name]
        except KeyError:
            known = ", ".join(self._columns) or "none"
            raise KeyError(f"no column {name!r}; columns are: {known}") from None

    def __setitem__(self, name: str, values: npt.ArrayLike) -> None:
        array = np.asarray(values)
        if array.ndim == 0:
            raise ValueError(f"column {name!r} must be an array, got a scalar")
        if self._length is None or not self._columns:
            self._length = len(array)
        elif len(array) != self._length:
            raise ValueError(f"column {name!r} has {len(array)} rows; the table has {self._length}")
        self._columns[name] = array

    def get(self, name: str, default: np.ndarray | None = None) -> np.ndarray | None:
        return self._columns.get(name, default)

    def drop(self, *names: str) -> Table:
        return Table({k: v for k, v in self._columns.items() if k not in names})

    # -- row selection -------------------------------------------------------------------
    def take(self, rows: npt.ArrayLike | slice) -> Table:
        """Rows by integer index, boolean mask or slice, as a new table.

        A slice gives views of the columns (no copy), so taking one image's objects from
        a table grouped by image costs the same whatever the table's size.
        """
        index = rows if isinstance(rows, slice) else np.asarray(rows)
        return Table({name: values[index] for name, values in self._columns.items()})

    def row(self, i: int) -> dict[str, Any]:
        return {name: _python_value(values[i]) for name, values in self._columns.items()}

    def rows(self) -> Iterable[dict[str, Any]]:
        for i in range(len(self)):
            yield self.row(i)

    # -- conversion ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, np.ndarray]:
        return dict(self._columns)

    def to_pandas(self) -> Any:
        """A pandas DataFrame (needs pandas). N-D columns become columns of arrays."""
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("Table.to_pandas() needs pandas: pip install pandas") from error
        data = {
            name: list(values) if values.ndim > 1 else values
            for name, values in self._columns.items()
        }
        return pd.DataFrame(data)

    def __repr__(self) -> str:
        cols = ", ".join(f"{n}:{v.dtype}" for n, v in self._columns.items())
        return f"Table({len(self)} rows; {cols})"


def _python_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
