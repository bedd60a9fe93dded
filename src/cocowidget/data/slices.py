"""Named slices: named sets of images (``ds.slices``), in memory.

A slice is a name and the ids of its images (the ids of ``ds.images["id"]``), made from
ids or from a predicate over the images table. Names are plain text: whatever shows them
sets them as text, never as HTML. Evaluations read them (``ev.by_slice()``); keeping them
in a sidecar file beside the tags is for later, so nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from cocowidget.data.table import Table

Predicate = Callable[[Table], npt.ArrayLike]


class Slices:
    """The dataset's named slices, in the order they were added."""

    def __init__(self, images: Callable[[], Table]) -> None:
        self._images = images
        self._slices: dict[str, np.ndarray] = {}

    def add(
        self,
        name: str,
        ids: npt.ArrayLike | Predicate,
        *,
        replace: bool = False,
    ) -> np.ndarray:
        """Add slice ``name``: the images with ``ids`` (as in ``ds.images["id"]``), the
        rows where a bool mask over ``ds.images`` is true, or those where
        ``ids(ds.images)`` (a predicate returning one truth value per row) holds.
        Returns its image ids (sorted, unique). An id the dataset does not hold is an
        error; an empty slice is allowed (its evaluation says so)."""
        _check_name(name)
        if name in self._slices and not replace:
            raise ValueError(f"a slice {name!r} exists already: pass replace=True to replace it")
        images = self._images()
        known = np.asarray(images["id"], dtype=np.int64)
        given = ids(images) if callable(ids) else ids
        if callable(ids) or np.asarray(given).dtype == np.bool_:
            chosen = np.asarray(given)
            if chosen.dtype != np.bool_ or chosen.shape != (len(images),):
                what = "the predicate" if callable(ids) else "a mask"
                raise ValueError(
                    f"slice {name!r}: {what} must give one bool per image "
                    f"({len(images):,}), not {chosen.dtype} of shape {chosen.shape}"
                )
            members = np.unique(known[chosen])
        else:
            members = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
            unknown = np.setdiff1d(members, known)
            if len(unknown):
                shown = ", ".join(str(i) for i in unknown[:5].tolist())
                raise ValueError(
                    f"slice {name!r}: {len(unknown):,} image ids the dataset does not hold "
                    f"({shown}{', ...' if len(unknown) > 5 else ''})"
                )
        self._slices[name] = members
        return members

    def remove(self, name: str) -> None:
        self._get(name)
        del self._slices[name]

    def rename(self, old: str, new: str) -> None:
        """Rename a slice (its place in the listing stays)."""
        self._get(old)
        _check_name(new)
        if new in self._slices and new != old:
            raise ValueError(f"a slice {new!r} exists already")
        self._slices = {new if k == old else k: v for k, v in self._slices.items()}

    def table(self) -> Table:
        """One row per slice: ``name``, ``images`` (how many)."""
        return Table(
            {
                "name": np.array(list(self._slices), dtype=object),
                "images": np.array([len(v) for v in self._slices.values()], dtype=np.int64),
            }
        )

    @property
    def names(self) -> list[str]:
        return list(self._slices)

    def __getitem__(self, name: str) -> np.ndarray:
        """The slice's image ids (a copy: changing it changes no slice)."""
        return self._get(name).copy()

    def _get(self, name: str) -> np.ndarray:
        if name not in self._slices:
            known = ", ".join(repr(n) for n in self._slices) or "none"
            raise KeyError(f"no slice {name!r}; slices are: {known}")
        return self._slices[name]

    def __contains__(self, name: object) -> bool:
        return name in self._slices

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._slices))

    def __len__(self) -> int:
        return len(self._slices)

    def __repr__(self) -> str:
        listed = ", ".join(f"{n!r} ({len(v):,})" for n, v in self._slices.items())
        return f"Slices({listed})"


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a slice name is a non-empty text, not {name!r}")
