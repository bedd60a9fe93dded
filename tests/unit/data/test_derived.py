"""Derived columns: attached by a producer, replaced when it produces again, removed with
its run, listed, left out of to_pandas and of row selections."""

from __future__ import annotations

import numpy as np
import pytest

from cocowidget.data.derived import DerivedColumns, Producer, run_table
from cocowidget.data.table import Table


@pytest.fixture
def tables() -> dict[str, Table]:
    return {
        "images": Table({"id": np.arange(3)}),
        "categories": Table({"id": np.arange(2)}),
        run_table("a"): Table({"id": np.arange(4)}),
    }


def test_attached_columns_read_like_any_but_stay_out_of_pandas(tables: dict[str, Table]) -> None:
    registry = DerivedColumns(tables.__getitem__)
    names = registry.attach(Producer("evaluation", "a", ("a",)), "images", {"ap": [0.1, 0.2, 0.3]})
    images = tables["images"]
    assert names == ["a.ap"]
    assert images["a.ap"].tolist() == [0.1, 0.2, 0.3]
    assert "a.ap" in images and images.columns == ["id", "a.ap"]
    assert list(images.to_pandas().columns) == ["id"]
    assert list(images.to_pandas(derived=True).columns) == ["id", "a.ap"]
    assert images.take([0, 2]).columns == ["id"]
    with pytest.raises(KeyError, match="derived"):
        images["a.ap"] = np.zeros(3)


def test_producing_again_replaces_and_removing_a_run_removes(tables: dict[str, Table]) -> None:
    registry = DerivedColumns(tables.__getitem__)
    changes: list[int] = []
    registry.on_change(lambda: changes.append(len(registry)))
    first = Producer("evaluation", "a", ("a",))
    registry.attach(first, "images", {"ap": np.zeros(3), "tp": np.zeros(3)})
    registry.attach(first, "images", {"ap": np.ones(3)})  # a re-evaluation
    assert tables["images"].derived_columns == ["a.ap"]
    # Heard once per attach, after it: a column attached anew was never gone.
    assert changes == [2, 1]
    registry.attach(first, run_table("a"), {"tp50": np.ones(4, bool)})
    comparison = Producer("comparison", "a-vs-b", ("a", "b"))
    registry.attach(comparison, "categories", {"ap_delta": np.zeros(2)})
    other = Producer("evaluation", "b", ("b",))
    registry.attach(other, "images", {"ap": np.ones(3)})
    assert sorted(registry.table()["column"].tolist()) == [
        "a-vs-b.ap_delta",
        "a.ap",
        "a.tp50",
        "b.ap",
    ]
    assert sorted(registry.drop_run("a")) == ["a-vs-b.ap_delta", "a.ap", "a.tp50"]
    assert tables["images"].derived_columns == ["b.ap"]
    assert tables["categories"].derived_columns == []
    assert changes[-1] == 1


def test_a_subset_keeps_row_columns_and_leaves_aggregates(tables: dict[str, Table]) -> None:
    registry = DerivedColumns(tables.__getitem__)
    producer = Producer("evaluation", "a", ("a",))
    registry.attach(producer, "images", {"ap": [0.1, 0.2, 0.3]})
    registry.attach(producer, "categories", {"ap": [0.5, 0.6]})
    small = {
        "images": tables["images"].take([2, 0]),
        "categories": tables["categories"].take([0, 1]),
    }
    subset = DerivedColumns(small.__getitem__)
    registry.carry_to(subset, {"images": np.array([2, 0])})
    assert small["images"]["a.ap"].tolist() == [0.3, 0.1]
    assert "a.ap" not in small["categories"]
    assert subset.table()["column"].tolist() == ["a.ap"]


def test_listeners_that_are_gone_stop_listening(tables: dict[str, Table]) -> None:
    registry = DerivedColumns(tables.__getitem__)

    class Widget:
        calls = 0

        def refresh(self) -> None:
            Widget.calls += 1

    widget = Widget()
    registry.on_change(widget.refresh)
    producer = Producer("evaluation", "a", ("a",))
    registry.attach(producer, "images", {"ap": np.zeros(3)})
    del widget
    registry.drop(producer)
    assert Widget.calls == 1
