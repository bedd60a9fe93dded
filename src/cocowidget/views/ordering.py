"""Which images are shown, and in which order, as rows of a dataset's image table."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt


class ImageOrder:
    """Maps image ids to rows and sorts rows by a column.

    Rows (positions in the image table) are what travels to the browser: they are dense
    int32 whatever the ids look like.
    """

    def __init__(self, image_ids: npt.ArrayLike) -> None:
        self.image_ids = np.asarray(image_ids, dtype=np.int64)
        self._by_id = np.argsort(self.image_ids, kind="stable")
        self._sorted_ids = self.image_ids[self._by_id]

    def __len__(self) -> int:
        return len(self.image_ids)

    def rows_of(self, image_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Rows of the given ids, in the given order; unknown ids raise ``KeyError``."""
        wanted = image_ids if isinstance(image_ids, np.ndarray) else np.asarray(list(image_ids))
        if wanted.size == 0:
            return np.empty(0, dtype=np.int64)
        if wanted.dtype.kind not in "iu":
            raise TypeError(f"image ids must be integers, got {wanted.dtype}")
        positions = np.searchsorted(self._sorted_ids, wanted)
        positions = np.minimum(positions, len(self._sorted_ids) - 1)
        found = self._sorted_ids[positions] == wanted
        if not found.all():
            missing = wanted[~found][:10].tolist()
            raise KeyError(f"unknown image ids: {missing}")
        return self._by_id[positions]

    def ids_of(self, rows: npt.ArrayLike) -> list[int]:
        return self.image_ids[np.asarray(rows, dtype=np.int64)].tolist()  # type: ignore[no-any-return]


def sort_rows(rows: np.ndarray, values: np.ndarray, *, descending: bool) -> np.ndarray:
    """``rows`` ordered by ``values[rows]``; ties keep their order and NaN goes last."""
    keys = values[rows]
    if keys.dtype.kind == "f":
        nan = np.isnan(keys)
        finite_order = np.argsort(-keys[~nan] if descending else keys[~nan], kind="stable")
        return np.concatenate([rows[~nan][finite_order], rows[nan]])
    if keys.dtype.kind in "iub":
        keys = keys.astype(np.int64)
        order = np.argsort(-keys if descending else keys, kind="stable")
        return rows[order]
    # Text and other objects: sort as strings; reversing a stable sort breaks ties the
    # other way, so sort descending on the reversed input and reverse back.
    text = keys.astype(str)
    if descending:
        order = np.argsort(text[::-1], kind="stable")[::-1]
        return rows[::-1][order]
    return rows[np.argsort(text, kind="stable")]
