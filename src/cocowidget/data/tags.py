"""Tags on images and annotations: named sets of ids, shown as boolean columns.

``ds.tag(ids, "needs-review")`` puts ids of :attr:`images` (or ``table="annotations"``)
under a tag; :class:`Tags` keeps them and attaches one boolean derived column per tag
and table, ``"tags.<name>"`` (producer kind ``"tags"``, key ``"tags"``, no run), so
grids sort and filter by it and explorers chart it like any other column; the column
goes when the tag's last id goes. Tags hold no run, so removing a run keeps them.

A tag name is text shown as text (never HTML): any non-empty string of printable
characters; anything else is a clear error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from cocowidget.data.derived import DerivedColumns, Producer

#: The tables whose rows can be tagged.
TAG_TABLES = ("images", "annotations")
#: The producer of the tag columns: ``"tags.<name>"``.
TAGS = Producer("tags", "tags", ())
#: The listing's shape: tag -> table -> ids (of the table, as it holds them).
Listing = dict[str, dict[str, list[int]]]


def check_tag_name(name: object) -> str:
    """``name`` if it can name a tag; ``TypeError``/``ValueError`` saying why not."""
    if not isinstance(name, str):
        raise TypeError(f"a tag name is a string, not {type(name).__name__} ({name!r})")
    if not name.strip():
        raise ValueError("a tag name cannot be empty or only spaces")
    if not name.isprintable():
        raise ValueError(f"a tag name cannot hold control characters: {name!r}")
    return name


def check_table(table: object) -> str:
    if table not in TAG_TABLES:
        raise ValueError(f"table must be one of {TAG_TABLES}, not {table!r}")
    return str(table)


class Tags:
    """A dataset's tags (``ds.tags`` lists them): per table, tag -> the ids tagged."""

    def __init__(self, derived: DerivedColumns, ids: Callable[[str], np.ndarray]) -> None:
        self._derived = derived
        self._ids = ids  # table name -> its id column
        self._tagged: dict[str, dict[str, set[int]]] = {table: {} for table in TAG_TABLES}

    def add(self, table: str, name: str, ids: Any) -> int:
        """Tag ``ids`` of ``table`` with ``name``; how many were newly tagged."""
        table, name = check_table(table), check_tag_name(name)
        wanted = self._known(table, ids)
        tagged = self._tagged[table].setdefault(name, set())
        before = len(tagged)
        tagged.update(wanted)
        if not tagged:
            del self._tagged[table][name]
        self._attach(table)
        return len(tagged) - before

    def remove(self, table: str, name: str, ids: Any = None) -> int:
        """Untag ``ids`` (all, for ``None``); how many were untagged. An unknown tag is
        an error (a typo would otherwise untag nothing, silently)."""
        table, name = check_table(table), check_tag_name(name)
        if not any(name in tagged for tagged in self._tagged.values()):
            known = ", ".join(map(repr, self.names())) or "none"
            raise KeyError(f"no tag {name!r}; tags are: {known}")
        tagged = self._tagged[table].get(name, set())
        before = len(tagged)
        if ids is None:
            tagged.clear()
        else:
            tagged.difference_update(self._known(table, ids))
        if not tagged:
            self._tagged[table].pop(name, None)
        self._attach(table)
        return before - len(tagged)

    def names(self) -> list[str]:
        """Every tag, in the order first used."""
        return list(dict.fromkeys(n for tagged in self._tagged.values() for n in tagged))

    def listing(self) -> Listing:
        """tag -> table -> sorted ids (a copy: changing it changes no tag)."""
        return {
            name: {
                table: sorted(self._tagged[table][name])
                for table in TAG_TABLES
                if name in self._tagged[table]
            }
            for name in self.names()
        }

    def of_rows(self, table: str) -> list[list[str]]:
        """Each row's tags, in table order (``[]`` where none)."""
        ids = self._ids(table)
        names: list[list[str]] = [[] for _ in range(len(ids))]
        for name, tagged in self._tagged[table].items():
            for row in np.flatnonzero(np.isin(ids, list(tagged))).tolist():
                names[row].append(name)
        return names

    def restore(self, listing: Mapping[str, Mapping[str, Iterable[int]]]) -> None:
        """Set every tag from a listing (ids that the tables lack are the caller's to
        leave out)."""
        self._tagged = {table: {} for table in TAG_TABLES}
        for name, tables in listing.items():
            check_tag_name(name)
            for table, ids in tables.items():
                values = {int(i) for i in ids}
                if values:
                    self._tagged[check_table(table)][name] = values
        for table in TAG_TABLES:
            self._attach(table)

    def _known(self, table: str, ids: Any) -> set[int]:
        if isinstance(ids, str | bytes):
            raise TypeError(f"ids are numbers of {table}' id column, not text ({ids!r})")
        wanted = np.asarray(ids).reshape(-1)
        if len(wanted) and not np.issubdtype(wanted.dtype, np.integer):
            raise TypeError(f"ids of {table} are integers, not {wanted.dtype} ({wanted[:3]})")
        wanted = wanted.astype(np.int64)
        unknown = wanted[~np.isin(wanted, self._ids(table))]
        if len(unknown):
            raise KeyError(f"no {table} with ids {unknown[:5].tolist()}")
        return set(wanted.tolist())

    def _attach(self, table: str) -> None:
        ids = self._ids(table)
        columns = {name: np.isin(ids, list(tagged)) for name, tagged in self._tagged[table].items()}
        if columns or self._derived.columns_of(TAGS, table):
            self._derived.attach(TAGS, table, columns)
