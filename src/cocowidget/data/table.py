"""A minimal columnar table: named numpy columns of equal length.

Every table in cocowidget (images, annotations, predictions, categories, statistics,
evaluation results) is a :class:`Table`. It is deliberately small: columns are plain
numpy arrays, so filtering, sorting and statistics are vectorised numpy, and the same
arrays can be sent to the browser as binary buffers without copying.

A table's own columns are what was read and measured. *Derived* columns (an evaluation's
``"frcnn.ap"``) are attached by their producer through the dataset's registry
(:mod:`cocowidget.data.derived`): they read, sort and chart like any column while
attached, but ``to_pandas()`` shows them only when asked, a row selection leaves them
behind, and their producer removes them again.
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

    __slots__ = ("_columns", "_derived", "_length")

    def __init__(self, columns: Mapping[str, npt.ArrayLike] | None = None) -> None:
        self._columns: dict[str, np.ndarray] = {}
        self._derived: dict[str, np.ndarray] = {}
        self._length: int | None = None
        for name, values in (columns or {}).items():
            self[name] = values

    # -- shape ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._length or 0

    @property
    def columns(self) -> list[str]:
        """Every column: the table's own, then the derived ones attached."""
        return [*self._columns, *self._derived]

    @property
    def own_columns(self) -> list[str]:
        """The columns read or measured, without the derived ones."""
        return list(self._columns)

    @property
    def derived_columns(self) -> list[str]:
        return list(self._derived)

    def __contains__(self, name: object) -> bool:
        return name in self._columns or name in self._derived

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    # -- column access -------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        values = self._columns.get(name)
        if values is None:
            values = self._derived.get(name)
        if values is None:
            known = ", ".join(self.columns) or "none"
            raise KeyError(f"no column {name!r}; columns are: {known}")
        return values

    def __setitem__(self, name: str, values: npt.ArrayLike) -> None:
        if name in self._derived:
            raise KeyError(
                f"column {name!r} is derived (see the dataset's .derived); its producer "
                "replaces or removes it"
            )
        self._columns[name] = self._checked(name, values)

    def _checked(self, name: str, values: npt.ArrayLike) -> np.ndarray:
        array = np.asarray(values)
        if array.ndim == 0:
            raise ValueError(f"column {name!r} must be an array, got a scalar")
        if self._length is None or not (self._columns or self._derived):
            self._length = len(array)
        elif len(array) != self._length:
            raise ValueError(f"column {name!r} has {len(array)} rows; the table has {self._length}")
        return array

    def attach(self, name: str, values: npt.ArrayLike) -> None:
        """Add or replace a derived column (for :mod:`cocowidget.data.derived`)."""
        if name in self._columns:
            raise KeyError(
                f"column {name!r} is one of the table's own; a derived one needs a new name"
            )
        self._derived[name] = self._checked(name, values)

    def detach(self, *names: str) -> None:
        """Remove derived columns (absent names are ignored)."""
        for name in names:
            self._derived.pop(name, None)

    def get(self, name: str, default: np.ndarray | None = None) -> np.ndarray | None:
        return self._columns.get(name, self._derived.get(name, default))

    def drop(self, *names: str) -> Table:
        """A table of the own columns but ``names`` (derived columns stay behind)."""
        return Table({k: v for k, v in self._columns.items() if k not in names})

    def remove(self, *names: str) -> None:
        """Remove columns in place (names the table lacks are ignored)."""
        for name in names:
            self._columns.pop(name, None)

    # -- row selection -------------------------------------------------------------------
    def take(self, rows: npt.ArrayLike | slice) -> Table:
        """Rows by integer index, boolean mask or slice, as a new table.

        A slice gives views of the columns (no copy), so taking one image's objects from
        a table grouped by image costs the same whatever the table's size. Derived columns
        stay behind: they belong to their producer, which knows whether they hold for
        the rows taken.
        """
        index = rows if isinstance(rows, slice) else np.asarray(rows)
        columns = {name: values[index] for name, values in self._columns.items()}
        # Rows of columns of one length are of one length: no check per column (this is
        # the hot path of ds.objects_of).
        taken = Table.__new__(Table)
        taken._columns, taken._derived = columns, {}
        taken._length = len(next(iter(columns.values()))) if columns else None
        return taken

    def row(self, i: int) -> dict[str, Any]:
        return {name: _python_value(self[name][i]) for name in self.columns}

    def rows(self) -> Iterable[dict[str, Any]]:
        for i in range(len(self)):
            yield self.row(i)

    # -- conversion ----------------------------------------------------------------------
    def to_dict(self, derived: bool = False) -> dict[str, np.ndarray]:
        return {**self._columns, **self._derived} if derived else dict(self._columns)

    def to_pandas(self, derived: bool = False) -> Any:
        """A pandas DataFrame of the own columns (and the derived ones with ``derived``;
        needs pandas). N-D columns become columns of arrays."""
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("Table.to_pandas() needs pandas: pip install pandas") from error
        data = {
            name: list(values) if values.ndim > 1 else values
            for name, values in self.to_dict(derived).items()
        }
        return pd.DataFrame(data)

    def __repr__(self) -> str:
        cols = ", ".join(f"{n}:{v.dtype}" for n, v in self._columns.items())
        derived = f"; {len(self._derived)} derived" if self._derived else ""
        return f"Table({len(self)} rows; {cols}{derived})"


def _python_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
