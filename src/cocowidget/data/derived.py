"""Derived columns with an owner: every computed column knows what produced it.

An evaluation, a comparison or any later analysis attaches its columns through the
dataset's :class:`DerivedColumns` under a :class:`Producer` (its kind, its key and the
runs it was computed from). The registry is the only writer of derived columns, so

- names follow one scheme: ``"<key>.<name>"``, the key naming the producer
  (``"frcnn"`` for a bbox evaluation of run ``frcnn``, ``"frcnn.segm"`` for masks,
  ``"frcnn-vs-yolo"`` for a comparison);
- removing a run removes every column computed from it (:meth:`DerivedColumns.drop_run`),
  and producing again replaces the producer's columns instead of leaving old ones beside;
- ``ds.derived`` lists what is there and where it came from.

Columns live in the tables they describe (``images``, ``annotations``, ``categories`` or
a run's detections, named ``"predictions/<run>"``) as *derived* columns
(:meth:`~cocowidget.data.table.Table.attach`): readable, sortable and chartable while
attached, left out of ``to_pandas()`` unless asked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cocowidget.data.listeners import Listeners
from cocowidget.data.table import Table

#: Tables whose rows are objects or images (their derived values hold row by row, so a
#: subset keeps them); the others (categories) hold aggregates of the whole dataset.
ROW_TABLES = ("images", "annotations")
RUN_TABLE_PREFIX = "predictions/"


def run_table(run: str) -> str:
    """The registry's name for run ``run``'s detections table."""
    return RUN_TABLE_PREFIX + run


@dataclass(frozen=True)
class Producer:
    """What computed a set of derived columns."""

    kind: str  # "evaluation", "comparison", ...
    key: str  # the columns' prefix: "frcnn", "frcnn.segm", "frcnn-vs-yolo"
    runs: tuple[str, ...]  # the runs the values were computed from

    def column(self, name: str) -> str:
        return f"{self.key}.{name}"


@dataclass(frozen=True)
class Entry:
    column: str
    table: str
    producer: Producer


class DerivedColumns:
    """The registry of a dataset's derived columns (``ds.derived``)."""

    def __init__(self, tables: Callable[[str], Table]) -> None:
        self._tables = tables
        self._entries: dict[tuple[str, str], Entry] = {}
        self._listeners = Listeners()

    def attach(
        self, producer: Producer, table: str, columns: Mapping[str, npt.ArrayLike]
    ) -> list[str]:
        """Set ``producer``'s columns of ``table`` (replacing the ones it set there
        before); returns their full names. Listeners hear once, after: a column
        replaced was never gone."""
        target = self._tables(table)
        self._detach(
            [e for e in self._entries.values() if e.producer == producer and e.table == table],
            tell=False,
        )
        names = []
        for name, values in columns.items():
            column = producer.column(name)
            target.attach(column, values)
            self._entries[(table, column)] = Entry(column, table, producer)
            names.append(column)
        self._changed()
        return names

    def drop(self, producer: Producer) -> list[str]:
        """Remove every column ``producer`` attached."""
        return self._detach([e for e in self._entries.values() if e.producer == producer])

    def drop_run(self, run: str) -> list[str]:
        """Remove every column computed from run ``run`` (and its detections table's)."""
        return self._detach(
            [
                e
                for e in self._entries.values()
                if run in e.producer.runs or e.table == run_table(run)
            ]
        )

    def producers(self) -> list[Producer]:
        return list(dict.fromkeys(e.producer for e in self._entries.values()))

    def columns_of(self, producer: Producer, table: str | None = None) -> list[str]:
        return [
            e.column
            for e in self._entries.values()
            if e.producer == producer and (table is None or e.table == table)
        ]

    def table(self) -> Table:
        """One row per derived column: ``column, table, kind, key, runs``."""
        entries = list(self._entries.values())
        return Table(
            {
                "column": _strings(e.column for e in entries),
                "table": _strings(e.table for e in entries),
                "kind": _strings(e.producer.kind for e in entries),
                "key": _strings(e.producer.key for e in entries),
                "runs": _strings(", ".join(e.producer.runs) for e in entries),
            }
        )

    def carry_to(self, other: DerivedColumns, rows: Mapping[str, np.ndarray]) -> None:
        """Give a subset the row-level columns, taken at ``rows`` (table -> rows of this
        dataset's table); aggregates of the whole (category metrics) stay behind."""
        for entry in self._entries.values():
            taken = rows.get(entry.table)
            if taken is None:
                continue
            values = self._tables(entry.table)[entry.column][taken]
            other._tables(entry.table).attach(entry.column, values)
            other._entries[(entry.table, entry.column)] = entry

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` whenever columns are attached or removed (open widgets
        refresh their sort lists and charts). A bound method is held weakly, so a widget
        that is gone stops listening."""
        self._listeners.add(listener)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        if not self._entries:
            return "DerivedColumns(none)"
        lines = [
            f"  {p.kind} {p.key!r} (runs {', '.join(p.runs)}): " + ", ".join(self.columns_of(p))
            for p in self.producers()
        ]
        return "DerivedColumns(\n" + "\n".join(lines) + "\n)"

    def _detach(self, entries: Iterable[Entry], *, tell: bool = True) -> list[str]:
        removed = []
        for entry in list(entries):
            with contextlib.suppress(KeyError):  # the table went with its run
                self._tables(entry.table).detach(entry.column)
            del self._entries[(entry.table, entry.column)]
            removed.append(entry.column)
        if removed and tell:
            self._changed()
        return removed

    def _changed(self) -> None:
        self._listeners()


def _strings(values: Iterable[str]) -> np.ndarray:
    return np.array(list(values), dtype=object)
