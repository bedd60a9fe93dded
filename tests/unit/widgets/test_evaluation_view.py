"""EvaluationView from Python: picking a class (as a bar click does), narrowing to its
errors, thresholds from the grid, and the charts' numbers and texts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import DemoPaths, generate_coco_dict
from cocowidget.evaluation.error_breakdown import ERROR_KINDS
from cocowidget.evaluation.result import Evaluation
from cocowidget.media import ThumbnailCache, ThumbnailService
from cocowidget.views.evaluation_filters import (
    confusion_cell,
    error_counts,
    images_with_class,
    images_with_false_positives,
    images_with_missed,
)


@pytest.fixture(scope="module")
def evaluated(demo: DemoPaths) -> tuple[cw.CocoDataset, Evaluation]:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    return ds, ds.evaluate("sim")


@pytest.fixture
def view(evaluated: tuple[cw.CocoDataset, Evaluation]) -> cw.EvaluationView:
    ds, ev = evaluated
    return cw.EvaluationView(ds, ev, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))


def click_class_bar(view: cw.EvaluationView, category_id: int) -> None:
    """What bqplot sends on a click on a class's row: an element_click message from the
    transparent bars over the two visible ones, with the row's index."""
    chart = view.class_chart
    index = int(np.flatnonzero(chart.order == chart.category_ids.index(category_id))[0])
    rows = chart.rows
    rows._handle_custom_msgs(rows, {"event": "element_click", "data": {"index": index}})


def click_chart_background(view: cw.EvaluationView) -> None:
    rows = view.class_chart.rows
    rows._handle_custom_msgs(rows, {"event": "background_click"})


def shown(view: cw.EvaluationView) -> list[int]:
    return sorted(view.grid.shown_ids)


def click_confusion_cell(view: cw.EvaluationView, row: int, column: int) -> None:
    """What bqplot sends on a click on a heatmap cell: an element_click message."""
    assert view.confusion is not None
    heatmap = view.confusion.heatmap
    data = {"rowNum": row, "columnNum": column, "color": 1.0}
    heatmap._handle_custom_msgs(heatmap, {"event": "element_click", "data": data})


def click_curve(view: cw.EvaluationView, category_id: int) -> None:
    """A click on a class's faint precision–recall curve (bqplot sends the line's index)."""
    lines = view.curves.class_lines
    index = view.curves.drawn_category_ids.index(category_id)
    lines._handle_custom_msgs(lines, {"event": "element_click", "data": {"index": index}})


def most_mixed_up(view: cw.EvaluationView) -> tuple[int, int]:
    """Row and column of the largest off-diagonal count in the matrix as drawn."""
    assert view.confusion is not None and view.confusion.view is not None
    counts = view.confusion.view.counts[: len(view.confusion.view.category_ids)].copy()
    np.fill_diagonal(counts, 0)
    row, column = np.unravel_index(counts.argmax(), counts.shape)
    return int(row), int(column)


def test_starts_with_every_image_worst_first(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    ds, ev = evaluated
    assert view.selected_class is None and view.image_filter == "all"
    assert view.grid.sort_by == "sim.ap"
    assert view.grid.evaluation is ev
    assert shown(view) == sorted(ds.images["id"].tolist()) == view.filtered_ids
    rows = view.summary.rows
    assert [s["text"] for s in rows[0]["stats"]] == [f"{v:.3f}" for v in ev.stats[:6]]
    assert [s["text"] for s in rows[1]["stats"]] == [f"{v:.3f}" for v in ev.stats[6:]]
    assert view._reset_button.disabled


def test_clicking_a_class_bar_shows_its_images_and_its_curve(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    seen: list[Any] = []
    view.observe(lambda change: seen.append(change["new"]), "selected_class")
    car = 3
    click_class_bar(view, car)
    assert view.selected_class == car and seen == [car]
    expected = images_with_class(ev, car, score_threshold=view.grid.score_threshold).tolist()
    assert 0 < len(expected) < len(ev.image_ids)
    assert shown(view) == expected == view.filtered_ids
    # Its precision–recall curve at IoU .50 is drawn bold; its mean is the class's AP50.
    row = ev.category_ids.tolist().index(car)
    curve = view.curves.picked_line
    assert curve.visible
    np.testing.assert_array_equal(curve.y, ev.pr_curves["precision"][row, 0])
    assert np.mean(curve.y) == pytest.approx(ev.classes["ap50"][row])
    assert not view._reset_button.disabled
    # The chart shows the pick on both bar marks.
    assert (
        view.class_chart.ap50_bars.selected.tolist() == view.class_chart.ap_bars.selected.tolist()
    )


def test_background_click_and_reset_show_everything(view: cw.EvaluationView) -> None:
    click_class_bar(view, 3)
    click_chart_background(view)
    assert view.selected_class is None
    assert len(view.grid.shown_ids) == len(view.dataset.images)
    view.selected_class = 1
    view.image_filter = "missed"
    view.reset()
    assert (view.selected_class, view.image_filter, view.error_kind) == (None, "all", None)
    assert len(view.grid.shown_ids) == len(view.dataset.images)
    assert view.class_chart.ap_bars.selected is None


def test_one_class_at_a_time_and_a_second_click_lets_go(view: cw.EvaluationView) -> None:
    chart = view.class_chart
    click_class_bar(view, 1)
    click_class_bar(view, 3)
    assert view.selected_class == 3
    second = int(np.flatnonzero(chart.order == chart.category_ids.index(3))[0])
    assert chart.ap_bars.selected.tolist() == chart.ap50_bars.selected.tolist() == [second]
    click_class_bar(view, 3)
    assert view.selected_class is None and chart.ap_bars.selected is None


def test_false_positive_and_missed_filters_follow_the_grid_thresholds(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    view.selected_class = 1
    view._filter_buttons.value = "false_positives"  # the toggle above the grid
    assert view.image_filter == "false_positives"
    grid = view.grid
    expected = images_with_false_positives(
        ev, category_id=1, iou_threshold=grid.iou_threshold, score_threshold=grid.score_threshold
    )
    assert shown(view) == expected.tolist() and len(expected)
    grid.score_threshold = 0.7
    grid.iou_threshold = 0.75
    expected = images_with_false_positives(
        ev, category_id=1, iou_threshold=0.75, score_threshold=0.7
    )
    assert shown(view) == expected.tolist()
    view.image_filter = "missed"
    expected = images_with_missed(ev, category_id=1, iou_threshold=0.75, score_threshold=0.7)
    assert shown(view) == expected.tolist() and len(expected)
    assert "IoU 0.75, score ≥ 0.70" in view._status.value
    assert view.class_chart.tooltip.point.value == "at IoU 0.75, score ≥ 0.70"
    assert "at IoU 0.75, score ≥ 0.70" in view.errors.note.value
    # Without a class: any class's errors.
    view.selected_class = None
    expected = images_with_missed(ev, iou_threshold=0.75, score_threshold=0.7)
    assert shown(view) == expected.tolist()


def test_errors_chart_counts_and_narrows_to_one_kind(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    view.selected_class = 1
    errors = view.errors
    counts = error_counts(ev, 1, iou_threshold=0.5, score_threshold=view.grid.score_threshold)
    expected = [*counts.false_positives.values(), *counts.missed.values()]
    assert errors.bars.y.tolist()[::-1] == expected
    assert "person" in errors.title.value
    # A click on "FP: background" (bars are drawn bottom-up).
    index = len(errors.kinds) - 1 - errors.kinds.index(("false_positives", "background"))
    errors.bars.selected = np.array([index])
    assert (view.image_filter, view.error_kind) == ("false_positives", "background")
    expected_ids = images_with_false_positives(
        ev, category_id=1, reason="background", score_threshold=view.grid.score_threshold
    )
    assert shown(view) == expected_ids.tolist() and len(expected_ids)
    # Switching to missed objects drops the reason; a size fits.
    view.image_filter = "missed"
    assert view.error_kind is None
    view.error_kind = "small"
    expected_ids = images_with_missed(
        ev, category_id=1, size="small", score_threshold=view.grid.score_threshold
    )
    assert shown(view) == expected_ids.tolist()
    with pytest.raises(traitlets.TraitError, match="small"):
        view.error_kind = "background"
    errors.bars.selected = None
    assert view.error_kind is None and view.image_filter == "missed"


def test_unknown_class_is_refused(view: cw.EvaluationView) -> None:
    with pytest.raises(traitlets.TraitError, match="999"):
        view.selected_class = 999


def test_hover_texts_and_confusion_counts(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    chart = view.class_chart
    top = int(chart.order[-1])  # the top bar: the worst AP
    chart._on_hover(chart.rows, {"data": {"index": len(chart.order) - 1}})
    classes = view.evaluation.class_table(view.grid.iou_threshold, view.grid.score_threshold)
    assert chart.tooltip.name.value == str(classes["name"][top])
    assert chart.tooltip.scores.value == (
        f"AP {classes['ap'][top]:.3f} · AP50 {classes['ap50'][top]:.3f}"
    )
    assert f"FP {classes['fp'][top]:,}" in chart.tooltip.counts.value
    assert chart.shown_category_ids[0] == int(classes["category_id"][np.nanargmin(classes["ap"])])

    confusion = view.confusion
    assert confusion is not None and confusion.view is not None
    matrix = ev.confusion_matrix(view.grid.iou_threshold, view.grid.score_threshold)
    k = len(ev.category_ids)
    # Mix-ups: class against class, the diagonal left out (drawn at the faint end, 0).
    np.testing.assert_array_equal(confusion.view.counts, matrix.counts[:k, :k])
    assert confusion.heatmap.color[0, 0] == 0 and matrix.counts[0, 0] > 0
    off = matrix.counts[:k, :k] - np.diag(np.diag(matrix.counts[:k, :k]))
    i, j = np.unravel_index(np.argmax(off), off.shape)
    # The most mixed-up cell at full strength (2), the least (and every empty one) below.
    assert confusion.heatmap.color[i, j] == 2.0 == confusion._colors.max
    fewest = off == off[off > 0].min()
    np.testing.assert_array_equal(confusion.heatmap.color[fewest], 1.0)
    assert (confusion.heatmap.color[off == 0] == 0).all()
    confusion._on_hover(confusion.heatmap, {"data": {"rowNum": int(i), "columnNum": int(j)}})
    assert confusion.tooltip.value.startswith(f"{off[i, j]:,} {confusion.view.rows[i]} objects")
    assert f"as {confusion.view.columns[j]}" in confusion.tooltip.value
    # Everything: background detections in the last row, missed objects in the last column.
    confusion.mode.value = "all"
    np.testing.assert_array_equal(confusion.view.counts, matrix.counts)
    assert confusion.view.rows[-1] == "(background)"
    assert confusion.view.columns[-1] == "(missed)"
    confusion._on_hover(confusion.heatmap, {"data": {"rowNum": 0, "columnNum": k}})
    assert confusion.tooltip.value.startswith(f"{matrix.counts[0, k]:,} person objects missed")
    confusion._on_hover(confusion.heatmap, {"data": {"rowNum": k, "columnNum": 0}})
    assert confusion.tooltip.value == (
        f"{matrix.counts[k, 0]:,} detections of person matched no object"
    )


def test_iou_toggle_redraws_the_curves(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    view.selected_class = 1
    view.curves.iou.value = -1.0  # .50:.95
    row = ev.category_ids.tolist().index(1)
    np.testing.assert_allclose(
        view.curves.picked_line.y, ev.pr_curves["precision"][row].mean(axis=0)
    )
    assert np.mean(view.curves.picked_line.y) == pytest.approx(ev.classes["ap"][row])


def all_widgets(root: widgets.Widget) -> Iterator[widgets.Widget]:
    yield root
    for child in getattr(root, "children", ()):
        yield from all_widgets(child)


def test_class_names_are_never_html() -> None:
    data, results = generate_coco_dict(12, seed=2)
    data["categories"][0]["name"] = "<img src=x onerror=alert(1)>"
    ds = cw.CocoDataset.from_coco(data)
    ds.add_predictions(results, name="run")
    view = cw.EvaluationView(ds, ds.evaluate("run"))
    category = int(data["categories"][0]["id"])
    view.selected_class = category
    view.class_chart._on_hover(
        None, {"data": {"index": int(np.flatnonzero(view.class_chart.order == 0)[0])}}
    )
    assert view.class_chart.tooltip.name.value == "<img src=x onerror=alert(1)>"
    breakdown = view.breakdown
    breakdown._on_hover(None, {"data": {"index": int(np.flatnonzero(breakdown.order == 0)[0])}})
    assert breakdown.tooltip.children[0].value == "<img src=x onerror=alert(1)>"
    # Text reaches the browser through Labels, axis ticks and textContent only.
    found = list(all_widgets(view))
    assert not [w for w in found if isinstance(w, widgets.HTML | widgets.HTMLMath)]
    assert any(isinstance(w, widgets.Label) and "<img" in w.value for w in found)


def test_mask_evaluation_sorts_by_its_own_column(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    ds, _ = evaluated
    masks = ds.evaluate("sim", iou_type="segm")
    view = cw.EvaluationView(ds, masks, confusion=False)
    assert view.grid.sort_by == "sim.segm.ap"
    assert view.grid.evaluation is masks
    assert view.confusion is None
    assert view.summary.caption.startswith("run sim · masks")
    assert view.summary.rows[0]["stats"][0]["text"] == f"{masks.stats[0]:.3f}"


def test_clicking_a_confusion_cell_shows_the_images_of_its_confusions(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    assert view.confusion is not None and view.confusion.view is not None
    seen: list[Any] = []
    view.observe(lambda change: seen.append(change["new"]), "confusion_detection_ids")
    row, column = most_mixed_up(view)
    truth, predicted = (view.confusion.view.category_ids[k] for k in (row, column))
    click_confusion_cell(view, row, column)
    assert view.confusion_cell == (truth, predicted)
    grid = view.grid
    point = {"iou_threshold": grid.iou_threshold, "score_threshold": grid.score_threshold}
    expected = confusion_cell(ev, truth, predicted, **point)
    count = int(view.confusion.view.counts[row, column])
    assert expected.count == count > 0
    assert view.confusion_detection_ids == expected.detection_ids.tolist()
    assert view.confusion_annotation_ids == expected.annotation_ids.tolist()
    assert seen == [expected.detection_ids.tolist()]
    assert shown(view) == expected.image_ids.tolist() == view.filtered_ids
    assert 0 < len(expected.image_ids) < len(ev.image_ids)
    names = dict(zip(ev.category_ids.tolist(), ev.classes["name"].tolist(), strict=True))
    assert view._status.value.startswith(
        f"{count} {names[truth]} objects detected as {names[predicted]}: "
        f"{len(expected.image_ids)} of "
    )
    assert view.confusion.heatmap.selected.tolist() == [[row, column]]
    assert not view._reset_button.disabled
    # The operating point moves: the cell's detections follow.
    grid.score_threshold = 0.6
    view._on_operating_point()  # what the throttle calls after the slider moves
    stricter = confusion_cell(ev, truth, predicted, iou_threshold=0.5, score_threshold=0.6)
    assert view.confusion_detection_ids == stricter.detection_ids.tolist()
    assert shown(view) == stricter.image_ids.tolist()
    # A second click on the cell lets go of it.
    click_confusion_cell(view, row, column)
    assert view.confusion_cell is None
    assert view.confusion_detection_ids == [] == view.confusion_annotation_ids
    assert len(view.grid.shown_ids) == len(view.dataset.images)
    assert view.confusion.heatmap.selected is None
    assert view._reset_button.disabled


def test_background_and_missed_cells(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    confusion = view.confusion
    assert confusion is not None
    confusion.mode.value = "all"  # background row and missed column are drawn
    assert confusion.view is not None
    k = len(confusion.view.category_ids)
    click_confusion_cell(view, k, 0)  # background row, first class
    person = confusion.view.category_ids[0]
    assert view.confusion_cell == (None, person)
    background = confusion_cell(ev, None, person, score_threshold=view.grid.score_threshold)
    assert view.confusion_detection_ids == background.detection_ids.tolist()
    assert view.confusion_annotation_ids == []
    assert background.count == confusion.view.counts[k, 0] > 0
    assert view._status.value.startswith(f"{background.count} detections of person on no object")
    click_confusion_cell(view, 0, k)  # first class, missed column
    missed = confusion_cell(ev, person, None, score_threshold=view.grid.score_threshold)
    assert view.confusion_cell == (person, None)
    assert view.confusion_annotation_ids == missed.annotation_ids.tolist()
    assert view.confusion_detection_ids == []
    assert shown(view) == missed.image_ids.tolist()
    assert view._status.value.startswith(f"{missed.count} person objects missed")
    # Background against missed counts nothing: the click is ignored.
    click_confusion_cell(view, k, k)
    assert view.confusion_cell == (person, None)
    # In mix-ups mode the missed column is not drawn: the pick stays, unoutlined.
    confusion.mode.value = "mix-ups"
    assert confusion.heatmap.selected is None and view.confusion_cell == (person, None)
    confusion.mode.value = "all"
    assert confusion.heatmap.selected.tolist() == [[0, k]]


def test_a_cell_and_a_class_filter_exclude_each_other(view: cw.EvaluationView) -> None:
    row, column = most_mixed_up(view)
    view.selected_class = 1
    view.image_filter = "false_positives"
    view.error_kind = "background"
    click_confusion_cell(view, row, column)
    assert view.confusion_cell is not None
    assert (view.selected_class, view.image_filter, view.error_kind) == (None, "all", None)
    assert view.class_chart.ap_bars.selected is None
    assert view.errors.bars.selected is None
    cell_images = shown(view)
    # A class bar click lets go of the cell.
    click_class_bar(view, 3)
    assert view.confusion_cell is None and view.confusion_detection_ids == []
    assert view.selected_class == 3
    assert shown(view) != cell_images
    # So does the error toggle; "Show all" lets go of everything.
    click_confusion_cell(view, row, column)
    assert view.selected_class is None
    view._filter_buttons.value = "missed"
    assert view.confusion_cell is None and view.image_filter == "missed"
    click_confusion_cell(view, row, column)
    view.reset()
    assert view.confusion_cell is None
    assert len(view.grid.shown_ids) == len(view.dataset.images)


def test_confusion_cell_is_checked(view: cw.EvaluationView) -> None:
    with pytest.raises(traitlets.TraitError, match="999"):
        view.confusion_cell = (999, 1)
    with pytest.raises(traitlets.TraitError, match="counts nothing"):
        view.confusion_cell = (None, None)
    view.confusion_cell = (1, None)  # from Python as well as from a click
    assert view.confusion is not None
    assert view.confusion.heatmap.selected is None  # not drawn in mix-ups mode
    assert view.confusion_annotation_ids and view.confusion_detection_ids == []
    with pytest.raises(traitlets.TraitError):
        view.confusion_detection_ids = [1]  # read-only


def test_clicking_a_curve_picks_its_class(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    _, ev = evaluated
    click_curve(view, 3)
    assert view.selected_class == 3
    expected = images_with_class(ev, 3, score_threshold=view.grid.score_threshold)
    assert shown(view) == expected.tolist()
    assert view.curves.picked_line.visible
    assert view.class_chart.ap_bars.selected is not None  # the bar shows the pick too
    click_curve(view, 1)
    assert view.selected_class == 1
    # A click on the bold curve, or on the picked class's faint one, lets go.
    picked = view.curves.picked_line
    picked._handle_custom_msgs(picked, {"event": "element_click", "data": {"index": 0}})
    assert view.selected_class is None
    assert not view.curves.picked_line.visible
    click_curve(view, 3)
    click_curve(view, 3)
    assert view.selected_class is None
    # Hovering names the curve.
    lines = view.curves.class_lines
    index = view.curves.drawn_category_ids.index(3)
    lines._handle_custom_msgs(lines, {"event": "hover", "data": {"index": index}})
    assert view.curves.tooltip.value.startswith("car: AP ")
    assert lines.labels[index] == "car"


def test_a_picked_class_is_emphasised_and_counted_alone(
    view: cw.EvaluationView, evaluated: tuple[cw.CocoDataset, Evaluation]
) -> None:
    ds, ev = evaluated
    car = 3
    click_class_bar(view, car)
    grid = view.grid
    assert grid.count_category == car
    counts = ev.image_counts(grid.iou_threshold, grid.score_threshold, category_id=car)
    shown_images = np.isin(ev.image_ids, grid.shown_ids)
    assert grid.evaluation_counts == {
        key: int(getattr(counts, key)[shown_images].sum()) for key in ("tp", "fp", "fn")
    }
    # Every object of the class in the shown images is emphasised, and nothing else.
    annotations = ds.annotations
    cars = (annotations["category_id"] == car) & np.isin(annotations["image_id"], grid.shown_ids)
    emphasised = grid.emphasized
    assert sorted(i for ids in emphasised.values() for i in ids) == sorted(
        annotations["id"][cars].tolist()
    )
    detections = ds.predictions["sim"]
    car_detections = (detections["category_id"] == car) & np.isin(
        detections["image_id"], grid.shown_ids
    )
    found = grid.emphasized_detections["sim"]
    assert sorted(i for ids in found.values() for i in ids) == sorted(
        detections["id"][car_detections].tolist()
    )
    # A confusion cell, or letting go of the class, draws and counts every class again.
    click_class_bar(view, car)
    assert grid.count_category is None and grid.emphasized == {}
    assert grid.evaluation_counts["tp"] == int(
        ev.image_counts(grid.iou_threshold, grid.score_threshold).tp.sum()
    )
    view.selected_class = car
    view.confusion_cell = (car, None)
    assert grid.count_category is None and grid.emphasized_detections == {}


def test_the_confusion_palette_follows_the_page_theme(view: cw.EvaluationView) -> None:
    confusion = view.confusion
    assert confusion is not None
    light = list(confusion._colors.colors)
    confusion.theme.dark = True  # what the browser reports under a dark theme
    dark = list(confusion._colors.colors)
    assert dark != light and dark[-1] == "#c6dbef"  # the most is the lightest on dark
    confusion.theme.dark = False
    assert list(confusion._colors.colors) == light


def test_the_caption_follows_a_renamed_run(demo: DemoPaths) -> None:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    view = cw.EvaluationView(ds, ds.evaluate("sim"), confusion=False)
    assert view.run == "sim" and view.summary.caption.startswith("run sim · boxes")
    ds.rename_predictions("sim", "frcnn")
    assert view.run == "frcnn" and view.summary.caption.startswith("run frcnn · boxes")


def test_a_keypoint_evaluation_shows_its_ten_numbers(tmp_path: Any) -> None:
    from cocowidget.datasets import generate_keypoints_demo

    paths = generate_keypoints_demo(tmp_path, 12, seed=1)
    ds = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)
    ds.add_predictions(paths.predictions, name="pose")
    evaluation = ds.evaluate("pose", "keypoints")
    view = cw.EvaluationView(
        ds, evaluation, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled())
    )
    assert view.summary.caption.startswith("run pose · keypoints")
    precision, recall = view.summary.rows
    assert [s["label"] for s in precision["stats"]] == ["AP", "AP50", "AP75", "medium", "large"]
    assert [s["label"] for s in recall["stats"]] == ["AR", "AR50", "AR75", "medium", "large"]
    assert precision["stats"][0]["text"] == f"{evaluation.stats[0]:.3f}"


def test_the_error_breakdown_follows_the_ap_chart_and_picks_classes(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    ds, ev = evaluated
    view = cw.EvaluationView(ds, ev)
    chart = view.breakdown
    # The same classes from the top down as the AP chart, whichever sort it has.
    for sort in ("most objects", "worst AP"):
        view.class_chart.sort.value = sort
        top_first = [chart.category_ids[i] for i in chart.order[::-1].tolist()]
        assert top_first == view.class_chart.shown_category_ids
    table = ev.error_breakdown(view.grid.iou_threshold, view.grid.score_threshold)
    stacks = np.asarray(chart.bars.y)
    assert stacks.shape == (5, len(table))
    top = chart.order[-1]
    np.testing.assert_array_equal(stacks[:, -1], [table[k][top] for k in ERROR_KINDS])
    # A click on a row picks its class for the whole view; again lets it go.
    index = len(chart.order) - 1
    chart._on_row_click(None, {"data": {"index": index}})
    assert view.selected_class == chart.category_ids[top]
    assert view.class_chart._picked == view.selected_class
    chart._on_row_click(None, {"data": {"index": index}})
    assert view.selected_class is None
    # The operating point moves the counts.
    view.grid.score_threshold = 0.9
    view._on_operating_point()
    after = ev.error_breakdown(view.grid.iou_threshold, 0.9)
    np.testing.assert_array_equal(
        np.asarray(chart.bars.y)[:, -1], [after[k][chart.order[-1]] for k in ERROR_KINDS]
    )
