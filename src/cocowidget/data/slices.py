"""Named slices: named sets of images (``ds.slices``).

A slice is a name and the ids of its images (the ids of ``ds.images["id"]``), made from
ids or from a predicate over the images table. Each is also a boolean derived image
column ``"slices.<name>"`` (producer kind ``"slices"``), so grids sort and filter by it
and explorers chart it. Names are plain text: whatever shows them sets them as text,
never as HTML. Evaluations read them (``ev.by_slice()``); the dataset keeps them in its
sidecar file beside the tags (``data/tagged.py`` listens to :meth:`Slices.on_change`),
so nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from cocowidget.data.derived import DerivedColumns, Producer
from cocowidget.data.listeners import Listeners
from cocowidget.data.table import Table

Predicate = Callable[[Table], npt.ArrayLike]
#: The producer of the slice columns: ``"slices.<name>"`` of the images.
SLICES = Producer("slices", "slices", ())


class Slices:
    """The dataset's named slices, in the order they were added."""

    def __init__(
        self,
        images: Callable[[], Table],
        derived: DerivedColumns,
        subset: Callable[[np.ndarray], Any],
    ) -> None:
        self._images = images
        self._derived = derived
        self._subset = subset
        self._slices: dict[str, np.ndarray] = {}
        self._listeners = Listeners()

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
        self._changed()
        return members.copy()

    def remove(self, name: str) -> None:
        self._get(name)
        del self._slices[name]
        self._changed()

    def rename(self, old: str, new: str) -> None:
        """Rename a slice (its place in the listing stays)."""
        self._get(old)
        _check_name(new)
        if new in self._slices and new != old:
            raise ValueError(f"a slice {new!r} exists already")
        self._slices = {new if k == old else k: v for k, v in self._slices.items()}
        self._changed()

    def dataset(self, name: str) -> Any:
        """The slice as a dataset of its own (``ds.subset`` of its images)."""
        return self._subset(self._get(name))

    def to_coco(self, name: str, path: Any, **options: Any) -> Any:
        """Write the slice's images, their annotations and the categories as a COCO file
        (``options``: those of ``to_coco``)."""
        return self.dataset(name).to_coco(path, **options)

    def listing(self) -> dict[str, list[int]]:
        """name -> image ids (as the images table holds them), a copy."""
        return {name: ids.tolist() for name, ids in self._slices.items()}

    def restore(self, listing: Mapping[str, npt.ArrayLike]) -> None:
        """Set every slice from a listing (ids the images lack are the caller's to
        leave out); tells no listener (the caller read them from where it keeps them)."""
        slices = {}
        for name, ids in listing.items():
            _check_name(name)
            slices[name] = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        self._slices = slices
        self._attach()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after a slice is added, removed or renamed (a bound
        method is held weakly)."""
        self._listeners.add(listener)

    def _changed(self) -> None:
        self._attach()
        self._listeners()

    def _attach(self) -> None:
        ids = self._images()["id"]
        columns = {name: np.isin(ids, members) for name, members in self._slices.items()}
        if columns or self._derived.columns_of(SLICES, "images"):
            self._derived.attach(SLICES, "images", columns)

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

    def get(self, name: str) -> np.ndarray:
        """The slice's image ids, or none when there is no such slice."""
        return self[name] if name in self._slices else np.zeros(0, dtype=np.int64)

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
    if not name.isprintable():
        raise ValueError(f"a slice name cannot hold control characters: {name!r}")
