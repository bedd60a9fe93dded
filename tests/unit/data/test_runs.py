"""Runs by name with numbers that are never reused; replace only when asked."""

from __future__ import annotations

import numpy as np
import pytest

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.runs import Run, RunRegistry
from cocowidget.data.table import Table


def run(name: str) -> Run:
    table = Table({"id": np.arange(2), "image_index": np.zeros(2, dtype=np.int64)})
    objects = ObjectTable.group(
        table, np.full(2, None, dtype=object), {}, table["image_index"], 1, ""
    )
    return Run(name, "detections", objects, source="x.json")


def test_numbers_are_never_reused_and_follow_a_rename() -> None:
    registry = RunRegistry()
    events: list[tuple[str, str, str | None]] = []
    registry.on_change(lambda *event: events.append(event))
    a, b = registry.add(run("a")), registry.add(run("b"))
    assert (a.number, b.number) == (1, 2)
    registry.remove("a")
    c = registry.add(run("a"))
    assert c.number == 3 and list(registry) == ["b", "a"]
    registry.rename("b", "frcnn")
    assert registry["frcnn"].number == 2 and registry.by_number(2) is b
    assert list(registry) == ["frcnn", "a"]
    assert events == [
        ("added", "a", None),
        ("added", "b", None),
        ("removed", "a", None),
        ("added", "a", None),
        ("renamed", "b", "frcnn"),
    ]


def test_a_name_in_use_needs_replace() -> None:
    registry = RunRegistry()
    registry.add(run("a"))
    with pytest.raises(ValueError, match="replace=True"):
        registry.add(run("a"))
    replaced = registry.add(run("a"), replace=True)
    assert replaced.number == 2 and len(registry) == 1
    with pytest.raises(KeyError, match="runs are: 'a'"):
        registry["b"]
    registry.add(run("b"))
    with pytest.raises(ValueError, match="exists already"):
        registry.rename("b", "a")
