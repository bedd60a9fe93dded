"""Runs by name: every set of predictions (and, later, embeddings, masks, ...) is a
:class:`Run` in the dataset's :class:`RunRegistry`.

A run has a name (what every widget, column and evaluation refers to it by), a kind, the
source it was read from and the parameters it was read with, and a *number* the registry
gives it once and never reuses: the browser tells runs apart by it, so removing or
renaming one can never make another take its place. Removing a run tells the listeners
(the dataset drops what was derived from it; open widgets redraw).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.listeners import Listeners
from cocowidget.data.problems import Problem

#: ``"masks"``: predicted masks of a mask-folder dataset (``formats/mask_run.py``; their
#: parameters hold the pixel counts the scores need). ``"panoptic"``: segments read from
#: PNGs (``formats/panoptic_run.py``); their
#: parameters hold each image's PNG.
RunKind = Literal["detections", "panoptic", "masks"]
Event = Literal["added", "removed", "renamed"]
Listener = Callable[[Event, str, str | None], None]


@dataclass
class Run:
    name: str
    kind: RunKind
    objects: ObjectTable
    source: str = ""  # the file name, or "<list>", "<dict>", ...
    parameters: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    number: int = 0  # given by the registry; 0 = ground truth in the browser


class RunRegistry:
    """The dataset's runs, in the order they were added."""

    def __init__(self) -> None:
        self._runs: dict[str, Run] = {}
        self._next_number = 1
        self._listeners = Listeners()

    def add(self, run: Run, *, replace: bool = False) -> Run:
        """Register ``run`` under its name; a name in use needs ``replace=True``, which
        removes the old run first (and with it everything derived from it)."""
        if run.name in self._runs:
            if not replace:
                raise ValueError(
                    f"a run named {run.name!r} exists already: pass replace=True to replace "
                    "it (its evaluation columns go with it), or choose another name"
                )
            self.remove(run.name)
        run.number = self._next_number
        self._next_number += 1
        self._runs[run.name] = run
        self._tell("added", run.name, None)
        return run

    def remove(self, name: str) -> Run:
        run = self[name]
        del self._runs[name]
        self._tell("removed", name, None)
        return run

    def rename(self, old: str, new: str) -> None:
        """Rename a run; its number stays, so the browser's drawings stay its own."""
        run = self[old]
        if new in self._runs:
            raise ValueError(f"a run named {new!r} exists already")
        self._runs = {(new if name == old else name): r for name, r in self._runs.items()}
        run.name = new
        self._tell("renamed", old, new)

    def __getitem__(self, name: str) -> Run:
        try:
            return self._runs[name]
        except KeyError:
            known = ", ".join(map(repr, self._runs)) or "none"
            raise KeyError(f"no prediction run {name!r}; runs are: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._runs

    def holds(self, run: Run) -> bool:
        """Whether ``run`` itself is registered (not merely a run of its name: a
        replacement is another Run)."""
        return self._runs.get(run.name) is run

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def runs(self) -> list[Run]:
        return list(self._runs.values())

    def by_number(self, number: int) -> Run | None:
        return next((run for run in self._runs.values() if run.number == number), None)

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(event, name, new_name)`` after a run is added, removed or
        renamed; a bound method is held weakly (a closed widget stops listening)."""
        self._listeners.add(listener)

    def _tell(self, event: Event, name: str, new_name: str | None) -> None:
        self._listeners(event, name, new_name)

    def __repr__(self) -> str:
        return "RunRegistry(" + ", ".join(f"{r.name!r}: {r.kind}" for r in self.runs()) + ")"
