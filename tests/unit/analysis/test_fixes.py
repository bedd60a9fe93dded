"""``ds.apply_fixes``: each kind of fix on a hand-built scene, the record of changes, the
round trip through ``to_coco``, the AP it gains on planted mistakes, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cocowidget.analysis import KINDS
from cocowidget.analysis.fixes import CHANGE_COLUMNS
from cocowidget.analysis.planted import Ranked, _hits
from cocowidget.data.table import Table
from cocowidget.dataset import CocoDataset
from cocowidget.datasets import generate_demo

from .scenes import RUN, box_polygon, dataset, detection, label, well_found


def one_of_each() -> CocoDataset:
    """Labels 1-4 found well; 5 a car the model sees as a truck; 6 a badly drawn car;
    7 and 8 one person labelled twice; 9 a label of nothing; an unlabelled car."""
    labels, detections = well_found(1)
    labels.append(label(1, 1, (50, 50, 80, 50)))  # 5: seen as a truck
    detections.append(detection(1, 2, (52, 51, 80, 50), 0.9))
    labels.append(label(1, 1, (100, 200, 60, 60)))  # 6: the car is 20 px further
    detections.append(detection(1, 1, (120, 220, 60, 60), 0.8))
    labels += [label(1, 3, (200, 50, 50, 80)), label(1, 3, (200, 50, 50, 80))]  # 7, 8
    detections.append(detection(1, 3, (201, 50, 50, 80), 0.9))
    labels.append(label(1, 1, (300, 150, 40, 40)))  # 9: nothing there
    detections.append(detection(1, 1, (250, 100, 40, 40), 0.85))  # an unlabelled car
    return dataset(labels, detections)


def by_id(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {a["id"]: a for a in document["annotations"]}


def test_each_fix_is_applied_to_a_new_dataset_and_the_rest_is_unchanged() -> None:
    ds = one_of_each()
    before = ds.to_dict()
    issues = ds.label_issues(RUN)
    assert set(issues["kind"].tolist()) == set(KINDS)
    fixed = ds.apply_fixes(issues)

    assert ds.to_dict() == before  # the original is untouched
    assert len(ds.annotations) == 9
    old, new = by_id(before), by_id(fixed.to_dict())
    assert new[5]["category_id"] == 2  # relabelled to the detection's class
    assert new[6]["bbox"] == [120, 220, 60, 60]  # the detection's box
    assert new[6]["area"] == 3600
    assert new[6]["segmentation"] == [[120, 220, 120, 280, 180, 280, 180, 220]]
    assert old[6]["segmentation"] == box_polygon((100, 200, 60, 60))
    assert 8 not in new  # the later of the duplicates goes
    assert 9 not in new  # the spurious label goes
    added = new[10]  # above the largest id
    assert added["image_id"] == 1 and added["category_id"] == 1
    assert added["bbox"] == [250, 100, 40, 40]
    assert added["area"] == 1600 and added["iscrowd"] == 0
    # Outlined as COCO.loadRes outlines a box.
    assert added["segmentation"] == [[250, 100, 250, 140, 290, 140, 290, 100]]
    for kept in (1, 2, 3, 4, 7):
        assert new[kept] == old[kept]
    assert set(new) == {1, 2, 3, 4, 5, 6, 7, 10}
    for name in ("id", "file_name", "width", "height"):
        np.testing.assert_array_equal(fixed.images[name], ds.images[name])


def test_each_change_is_recorded_with_its_candidate_before_and_after() -> None:
    ds = one_of_each()
    issues = ds.label_issues(RUN)
    fixed = ds.apply_fixes(issues)
    changes = fixed.changes
    assert tuple(changes.columns) == CHANGE_COLUMNS
    assert len(changes) == len(issues) == 5
    rows = {row["change"] + ":" + row["kind"]: row for row in changes.rows()}
    relabel = rows["change_class:wrong_class"]
    assert (relabel["annotation_id"], relabel["category_before"], relabel["category_after"]) == (
        5,
        1,
        2,
    )
    assert relabel["bbox_before"] == relabel["bbox_after"] == [50, 50, 80, 50]
    moved = rows["replace_box:badly_located"]
    assert moved["bbox_before"] == [100, 200, 60, 60]
    assert moved["bbox_after"] == [120, 220, 60, 60]
    detections = ds.predictions[RUN]
    came_from = detections["id"] == moved["detection_id"]
    assert detections["bbox"][came_from].tolist() == [[120, 220, 60, 60]]
    duplicate = rows["remove_label:duplicate_label"]
    assert (duplicate["annotation_id"], duplicate["other_annotation_id"]) == (8, 7)
    assert duplicate["category_after"] == -1 and np.isnan(duplicate["area_after"])
    added = rows["add_label:missing_label"]
    assert added["annotation_id"] == 10 and np.isnan(added["area_before"])
    assert added["area_after"] == 1600
    for row in changes.rows():  # which candidate: its row of the accepted table
        assert issues["kind"][row["candidate"]] == row["kind"]
        assert issues["score"][row["candidate"]] == row["score"]
    assert len(ds.changes) == 0  # a dataset loaded as it is changed nothing


def test_only_the_accepted_rows_are_applied_also_from_a_pandas_frame() -> None:
    ds = one_of_each()
    issues = ds.label_issues(RUN)
    accepted = issues.take(np.isin(issues["kind"], ("wrong_class", "missing_label")))
    fixed = ds.apply_fixes(accepted)
    assert sorted(fixed.changes["change"].tolist()) == ["add_label", "change_class"]
    assert set(by_id(fixed.to_dict())) == {*range(1, 10), 10}
    from_frame = ds.apply_fixes(accepted.to_pandas())
    assert from_frame.to_dict() == fixed.to_dict()
    assert len(ds.apply_fixes(issues.take(np.zeros(len(issues), bool))).changes) == 0


def test_the_fixed_dataset_writes_and_loads_back_equal(tmp_path: Path) -> None:
    ds = one_of_each()
    fixed = ds.apply_fixes(ds.label_issues(RUN))
    path = fixed.to_coco(tmp_path / "fixed.json")
    again = CocoDataset.from_coco(path)
    assert again.to_dict() == fixed.to_dict()
    for name in fixed.annotations.own_columns:
        np.testing.assert_array_equal(again.annotations[name], fixed.annotations[name])


def test_the_run_evaluates_on_the_fixed_set_and_its_ap_rises() -> None:
    ds = one_of_each()
    fixed = ds.apply_fixes(ds.label_issues(RUN))
    assert list(fixed.runs) == [RUN]
    assert fixed.predictions[RUN] is not ds.predictions[RUN]
    np.testing.assert_array_equal(fixed.predictions[RUN]["bbox"], ds.predictions[RUN]["bbox"])
    before, after = ds.evaluate(RUN), fixed.evaluate(RUN)
    assert after.stats[0] > before.stats[0]
    assert "model.ap" in fixed.images and "model.ap" in ds.images


def test_tags_go_with_what_remains() -> None:
    ds = one_of_each()
    ds.tag([1], "checked")
    ds.tag([5, 8], "checked", table="annotations")
    fixed = ds.apply_fixes(ds.label_issues(RUN))
    assert fixed.tags == {"checked": {"images": [1], "annotations": [5]}}
    assert fixed.sidecar_path is None


def test_accepting_the_planted_mistakes_found_raises_the_ap(tmp_path: Path) -> None:
    """The loop on the demo with planted mistakes: find, accept the true positives
    among the candidates, tag, fix, export, load back, evaluate again. Fixing brings the
    labels back towards those the detector saw: its AP on the fixed set is higher, and
    the exported file differs from the original in the fixed annotations only."""
    paths = generate_demo(tmp_path / "demo", 150, seed=2, label_mistakes=True)
    assert paths.predictions is not None and paths.label_mistakes is not None
    ds = CocoDataset.from_coco(paths.annotations, paths.image_dir)
    ds.add_predictions(paths.predictions, RUN)
    record = json.loads(paths.label_mistakes.read_text())
    issues = ds.label_issues(RUN)
    true_rows: list[int] = []
    for kind in KINDS:
        rows = np.flatnonzero(issues["kind"] == kind)
        planted = [m for m in record["mistakes"] if m["kind"] == kind]
        hits = _hits(Ranked.of_kind(issues, kind), planted, kind, np.arange(len(rows)))
        true_rows += rows[hits >= 0].tolist()
    accepted = issues.take(np.sort(np.asarray(true_rows)))
    assert len(set(accepted["kind"].tolist())) == len(KINDS)  # every kind of fix applied
    ds.tag([int(accepted["image_id"][0])], "reviewed")
    fixed = ds.apply_fixes(accepted)
    written = fixed.to_coco(tmp_path / "fixed.json")
    again = CocoDataset.from_coco(written, paths.image_dir)
    again.add_predictions(paths.predictions, RUN)
    before, after = ds.evaluate(RUN).stats[0], again.evaluate(RUN).stats[0]
    assert after > before + 0.03, (before, after)  # measured: 0.360 -> 0.421
    assert fixed.evaluate(RUN).stats[0] == after

    original = json.loads(paths.annotations.read_text())
    exported = json.loads(written.read_text())
    assert {k: v for k, v in exported.items() if k != "annotations"} == {
        k: v for k, v in original.items() if k != "annotations"
    }
    touched = set(fixed.changes["annotation_id"].tolist())
    old, new = by_id(original), by_id(exported)
    assert {i: a for i, a in new.items() if i not in touched} == {
        i: a for i, a in old.items() if i not in touched
    }
    added = fixed.changes["annotation_id"][fixed.changes["change"] == "add_label"]
    removed = fixed.changes["annotation_id"][fixed.changes["change"] == "remove_label"]
    assert set(new) == (set(old) - set(removed.tolist())) | set(added.tolist())
    assert ds.sidecar_path is not None and ds.sidecar_path.exists()
    assert CocoDataset.from_coco(paths.annotations).tags == ds.tags


def test_a_duplicate_of_a_spurious_label_goes_with_it() -> None:
    """Nothing is there: both labels may go (only a pair named both ways may not)."""
    labels, detections = well_found(1)
    labels += [label(1, 1, (150, 100, 40, 40)), label(1, 1, (150, 100, 40, 40))]  # 5, 6
    ds = dataset(labels, detections)
    issues = ds.label_issues(RUN)
    kinds = sorted(issues["kind"].tolist())
    assert kinds == ["duplicate_label", "spurious_label", "spurious_label"]
    fixed = ds.apply_fixes(issues)
    assert sorted(fixed.annotations["id"].tolist()) == [1, 2, 3, 4]
    assert len(fixed.changes) == 2  # annotation 6: one removal, whichever candidate


# -- bad input -------------------------------------------------------------------------
def edited(table: Table, row: int, **values: Any) -> Table:
    columns = {name: np.array(table[name]) for name in table.own_columns}
    for name, value in values.items():
        columns[name][row] = value
    return Table(columns)


def test_what_is_not_a_label_issues_table_is_a_clear_error() -> None:
    ds = one_of_each()
    issues = ds.label_issues(RUN)
    with pytest.raises(TypeError, match="rows of a label_issues table"):
        ds.apply_fixes([1, 2])
    with pytest.raises(ValueError, match=r"lacks the label_issues columns \['fix'"):
        ds.apply_fixes(issues.drop("fix", "fix_bbox"))
    with pytest.raises(ValueError, match=r"unknown fixes \['paint'\]"):
        ds.apply_fixes(edited(issues, 0, fix="paint"))


def test_rows_of_another_datasets_issues_are_refused() -> None:
    ds = one_of_each()
    labels, detections = well_found(2)
    other = dataset(
        [*labels, label(2, 1, (50, 50, 80, 50))],
        [
            *detections,
            detection(2, 2, (52, 51, 80, 50), 0.9),
        ],
    )
    with pytest.raises(ValueError, match="name annotations this dataset does not have"):
        ds.apply_fixes(other.label_issues(RUN))
    issues = ds.label_issues(RUN)
    adds = issues.take(issues["kind"] == "missing_label")
    with pytest.raises(ValueError, match="images this dataset does not have"):
        ds.apply_fixes(edited(adds, 0, image_id=99))
    with pytest.raises(ValueError, match="classes this dataset does not have"):
        ds.apply_fixes(edited(adds, 0, fix_category_id=42))
    with pytest.raises(ValueError, match="not finite with a positive size"):
        ds.apply_fixes(edited(adds, 0, fix_bbox=[1, 2, 0, 5]))


def test_fixes_that_contradict_each_other_are_an_error_naming_the_rows() -> None:
    ds = one_of_each()
    issues = ds.label_issues(RUN)
    duplicate = int(np.flatnonzero(issues["kind"] == "duplicate_label")[0])
    row = issues.row(duplicate)
    # Its pair the other way round: both labels of the person would go.
    both = Table(
        {
            name: np.concatenate(
                [
                    issues[name][[duplicate]],
                    edited(
                        issues,
                        duplicate,
                        annotation_row=row["other_annotation_row"],
                        annotation_id=row["other_annotation_id"],
                        other_annotation_row=row["annotation_row"],
                        other_annotation_id=row["annotation_id"],
                    )[name][[duplicate]],
                ]
            )
            for name in issues.own_columns
        }
    )
    with pytest.raises(ValueError, match="remove both annotations 8 and 7"):
        ds.apply_fixes(both)
    wrong = int(np.flatnonzero(issues["kind"] == "wrong_class")[0])
    removed_too = edited(
        issues,
        duplicate,
        annotation_row=issues["annotation_row"][wrong],
        annotation_id=issues["annotation_id"][wrong],
        other_annotation_row=-1,
    )
    with pytest.raises(ValueError, match="row 4 removes annotation 5, which row 0 changes"):
        ds.apply_fixes(removed_too)
    # Skipped instead, the first (the more likely) is kept.
    kept = ds.apply_fixes(removed_too, on_conflict="skip")
    assert "remove_label" not in kept.changes["change"].tolist()[:2]
    assert 5 in by_id(kept.to_dict()) and by_id(kept.to_dict())[5]["category_id"] == 2
    assert len(kept.changes) == len(removed_too) - 1
    assert len(ds.apply_fixes(both, on_conflict="skip").changes) == 1
    with pytest.raises(ValueError, match="on_conflict must be 'raise' or 'skip'"):
        ds.apply_fixes(both, on_conflict="first")  # type: ignore[arg-type]
    twice = Table({n: np.concatenate([issues[n][[wrong]]] * 2) for n in issues.own_columns})
    assert len(ds.apply_fixes(twice).changes) == 1  # the same fix twice is one change
    twice["fix_category_id"] = np.array([2, 3])
    with pytest.raises(ValueError, match="rows 0 and 1 both change_class annotation 5"):
        ds.apply_fixes(twice)
