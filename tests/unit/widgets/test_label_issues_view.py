"""LabelIssuesView without a browser: what each crop shows, the decisions the grid's
keys and buttons send (``act``), what is listed, and ``accepted`` into ``apply_fixes``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import DemoPaths, generate_demo
from cocowidget.media import ThumbnailCache, ThumbnailService
from cocowidget.views.overlays import OverlayBatch

from ..analysis.scenes import RUN
from ..analysis.test_fixes import one_of_each


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return generate_demo(
        tmp_path_factory.mktemp("issues"), n_images=40, seed=5, label_mistakes=True
    )


@pytest.fixture
def ds(paths: DemoPaths, tmp_path: Path) -> cw.CocoDataset:
    ds = cw.CocoDataset.from_coco(
        paths.annotations, image_dir=paths.image_dir, sidecar=tmp_path / "tags.json"
    )
    assert paths.predictions is not None
    ds.add_predictions(paths.predictions, name="frcnn")
    return ds


def view_of(ds: cw.CocoDataset, **options: Any) -> cw.LabelIssuesView:
    thumbs = ThumbnailService(cache=ThumbnailCache.disabled())
    return cw.LabelIssuesView(ds, ds.label_issues("frcnn"), thumbnails=thumbs, **options)


def call(widget: Any, method: str, **params: Any) -> tuple[dict[str, Any], list[Any]]:
    replies: list[tuple[dict[str, Any], list[Any]]] = []
    done = threading.Event()

    def send(content: dict[str, Any], buffers: Any = None) -> None:
        replies.append((content, list(buffers or [])))
        done.set()

    widget.send = send
    widget._on_custom_message(
        widget, {"type": "request", "id": 3, "method": method, "params": params}, []
    )
    assert done.wait(30)
    return replies[0]


def test_each_crop_draws_the_candidates_label_and_detection_in_their_union() -> None:
    ds = one_of_each()
    issues = ds.label_issues(RUN)
    view = cw.LabelIssuesView(
        ds, issues, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled())
    )
    assert view.run == RUN
    assert view.grid.visible_runs == [RUN] and view.grid.score_threshold == 0.0
    source = ds.runs[RUN].number
    items = view._items
    for row in range(len(issues)):
        overlay = items.overlay(row, OverlayBatch())
        drawn = {(o.source, o.row) for o in overlay.objects}
        expected = {
            (0, int(r))
            for r in (issues["annotation_row"][row], issues["other_annotation_row"][row])
            if r >= 0
        }
        if issues["detection_row"][row] >= 0:
            expected.add((source, int(issues["detection_row"][row])))
        assert drawn == expected, issues.row(row)
        left, top, width, height = overlay.view
        for o in overlay.objects:  # every object drawn lies in the crop
            x, y, w, h = o.bbox
            assert left <= x and top <= y and x + w <= left + width and y + h <= top + height
    kinds = issues["kind"].tolist()
    captions = view.grid._captions(list(range(len(issues))))
    wrong = kinds.index("wrong_class")
    assert captions[wrong] == f"wrong_class {issues['score'][wrong]:.2f} · relabel"


def test_accept_and_reject_from_the_grid_record_decisions_and_list_the_rest(
    ds: cw.CocoDataset,
) -> None:
    view = view_of(ds)
    n = len(view.issues)
    assert n > 10
    assert [a["key"] for a in view.grid._actions] == ["a", "r", "u"]
    content, _ = call(view.grid, "act", action="accept", rows=[0, 3])
    assert content["ok"] and content["result"]["message"] == "accepted 2 candidates"
    content, _ = call(view.grid, "act", action="reject", rows=[5])
    assert content["result"]["message"] == "rejected 1 candidate"
    assert view.status.tolist().count("accepted") == 2
    assert view.grid.selected == []  # the next key acts on the next candidate
    assert view.grid.shown_ids == [i for i in range(n) if i not in (0, 3, 5)]
    assert view._summary.value == f"{n - 3} to review · 2 accepted · 1 rejected"
    view.show = "accepted"
    assert view.grid.shown_ids == [0, 3]
    assert view.grid._captions([0])[0].startswith("✓ ")
    view.show = "all"
    assert view.grid._captions([5])[0].startswith("✗ ")
    call(view.grid, "act", action="undo", rows=[3])
    assert view.status[3] == "to review"
    accepted = view.accepted
    assert accepted["annotation_id"].tolist() == view.issues.take([0])["annotation_id"].tolist()
    assert len(view.rejected) == 1


def test_kind_and_show_filter_the_list_from_python_and_from_the_controls(
    ds: cw.CocoDataset,
) -> None:
    view = view_of(ds, kind="missing_label")
    kinds = view.issues["kind"]
    assert view.grid.shown_ids == np.flatnonzero(kinds == "missing_label").tolist()
    view._kind_choice.value = "wrong_class"  # the dropdown
    assert view.kind == "wrong_class"
    assert view.grid.shown_ids == np.flatnonzero(kinds == "wrong_class").tolist()
    view._show_choice.value = "rejected"
    assert view.show == "rejected" and view.grid.shown_ids == []
    with pytest.raises(traitlets.TraitError, match="kind must be one of"):
        view.kind = "typo"
    with pytest.raises(traitlets.TraitError):
        view.show = "maybe"


def test_the_accepted_candidates_are_the_fixes_applied(ds: cw.CocoDataset) -> None:
    view = view_of(ds)
    kinds = view.issues["kind"].tolist()
    picked = [kinds.index("missing_label"), kinds.index("duplicate_label")]
    view.accept(picked)
    fixed = ds.apply_fixes(view.accepted)
    assert sorted(fixed.changes["kind"].tolist()) == sorted(["missing_label", "duplicate_label"])
    assert len(fixed.annotations) == len(ds.annotations)  # one added, one removed
    with pytest.raises(IndexError, match="rows of issues"):
        view.reject([len(view.issues)])


def test_tags_given_in_the_review_go_to_the_candidates_images(ds: cw.CocoDataset) -> None:
    view = view_of(ds)
    content, _ = call(view.grid, "tag", name="check", rows=[0, 1])
    assert content["ok"], content
    images = sorted(set(view.issues["image_id"][[0, 1]].tolist()))
    assert ds.tags["check"]["images"] == images


def test_the_run_is_found_from_the_table_or_checked(ds: cw.CocoDataset, paths: DemoPaths) -> None:
    issues = ds.label_issues("frcnn")
    assert paths.predictions is not None
    ds.add_predictions(paths.predictions, name="again")
    with pytest.raises(ValueError, match="pass run="):
        cw.LabelIssuesView(ds, issues)
    assert cw.LabelIssuesView(ds, issues, run="again").run == "again"  # same detections
    with pytest.raises(KeyError, match="no prediction run 'nope'"):
        cw.LabelIssuesView(ds, issues, run="nope")
    with pytest.raises(ValueError, match=r"from ds\.label_issues"):
        cw.LabelIssuesView(ds, ds.images)


def test_thumbnails_are_served_with_captions(ds: cw.CocoDataset) -> None:
    view = view_of(ds)
    content, buffers = call(view.grid, "thumbnails", rows=[0, 1], side=320)
    assert content["ok"]
    items = content["result"]["items"]
    assert [item["caption"] for item in items] == view.grid._captions([0, 1])
    assert all(item["error"] is None for item in items) and len(buffers) >= 2
    assert "LabelIssuesView(shows" in repr(view)
