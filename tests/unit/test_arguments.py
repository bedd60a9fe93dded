"""A mistyped keyword is an error naming the closest valid one, and the real options
are in each signature (help(), ``?`` and tab completion read it)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

import cocowidget as cw
from cocowidget import datasets
from cocowidget.datasets import DemoPaths
from cocowidget.evaluation import (
    EvalParams,
    Evaluation,
    compare_runs,
    detections_from_results,
    evaluate,
    evaluate_dataset,
    ground_truth_from_dict,
)
from cocowidget.media import ThumbnailCache, ThumbnailService

GRID_OPTIONS = (
    "evaluation",
    "sort_by",
    "selected",
    "thumbnail_size",
    "height",
    "caption",
    "show_ground_truth",
    "visible_runs",
    "show_masks",
    "show_boxes",
    "score_threshold",
    "iou_threshold",
    "color_by",
    "thumbnails",
    "executor",
    "layout",
)
COCO_PARAMS = ("iouThrs", "recThrs", "maxDets", "areaRng", "areaRngLbl", "useCats")


@pytest.fixture(scope="module")
def evaluated(demo: DemoPaths) -> tuple[cw.CocoDataset, Evaluation]:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    return ds, ds.evaluate("sim")


def service() -> ThumbnailService:
    return ThumbnailService(cache=ThumbnailCache.disabled())


def raises_with(owner: str, typo: str, suggestion: str) -> Any:
    message = (
        f"{re.escape(owner)} got an unexpected keyword argument '{typo}'; "
        f"did you mean '{suggestion}'\\?"
    )
    return pytest.raises(TypeError, match=message)


def test_widget_typos_name_the_option_meant(evaluated: tuple[cw.CocoDataset, Evaluation]) -> None:
    ds, ev = evaluated
    with raises_with("CocoGrid()", "thumbnail_sise", "thumbnail_size"):
        cw.CocoGrid(ds, thumbnail_sise=200)  # type: ignore[call-arg]
    with raises_with("CocoGrid()", "score_treshold", "score_threshold"):
        cw.CocoGrid(ds, score_treshold=0.2)  # type: ignore[call-arg]
    with raises_with("ObjectGrid()", "captoin", "caption"):
        cw.ObjectGrid(ds, captoin="area")  # type: ignore[call-arg]
    with raises_with("CocoExplorer()", "colums", "columns"):
        cw.CocoExplorer(ds, colums=["width"])  # type: ignore[call-arg]
    with raises_with("EvaluationView()", "show_mask", "show_masks"):
        cw.EvaluationView(ds, ev, show_mask=False)  # type: ignore[call-arg]
    grid = cw.CocoGrid(ds, thumbnails=service())
    with raises_with("CocoGrid.show()", "id", "ids"):
        grid.show(id=[1])  # type: ignore[call-arg]


def test_a_keyword_close_to_nothing_lists_the_valid_ones(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    ds, ev = evaluated
    with pytest.raises(TypeError, match=r"'foo'; valid keywords: .*confusion.*thumbnail_size"):
        cw.EvaluationView(ds, ev, foo=1)  # type: ignore[call-arg]


def test_evaluation_option_typos_name_the_pycocotools_field(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    ds, _ = evaluated
    with raises_with("CocoDataset.evaluate()", "maxDet", "maxDets"):
        ds.evaluate("sim", maxDet=[1, 5, 50])  # type: ignore[call-arg]
    with raises_with("CocoDataset.evaluate()", "iou_thrs", "iouThrs"):
        ds.evaluate("sim", iou_thrs=[0.5])  # type: ignore[call-arg]
    with raises_with("CocoDataset.evaluate()", "use_cats", "useCats"):
        ds.evaluate("sim", use_cats=0)  # type: ignore[call-arg]
    with raises_with("evaluate_dataset()", "areaRange", "areaRng"):
        evaluate_dataset(ds, "sim", areaRange=[[0, 1e10]])  # type: ignore[call-arg]
    gt = ground_truth_from_dict({"images": [{"id": 1}], "annotations": [], "categories": []})
    dt = detections_from_results(
        [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1.0}]
    )
    with raises_with("evaluate()", "recThr", "recThrs"):
        evaluate(gt, dt, recThr=[0.0, 1.0])  # type: ignore[call-arg]
    with raises_with("EvalParams()", "max_detection", "max_detections"):
        EvalParams(max_detection=(1, 5))  # type: ignore[call-arg]
    with raises_with("EvalParams.from_coco()", "catIDs", "catIds"):
        EvalParams.from_coco(catIDs=[1])  # type: ignore[call-arg]


def test_other_public_functions_and_methods_check_keywords(
    evaluated: tuple[cw.CocoDataset, Evaluation], demo: DemoPaths
) -> None:
    ds, ev = evaluated
    with raises_with("CocoDataset.from_coco()", "image_dri", "image_dir"):
        cw.CocoDataset.from_coco(demo.annotations, image_dri=demo.image_dir)  # type: ignore[call-arg]
    with raises_with("compare_columns()", "iou_treshold", "iou_threshold"):
        cw.compare_columns(ds, ev, ev, iou_treshold=0.5)  # type: ignore[call-arg]
    with raises_with("compare_runs()", "score_treshold", "score_threshold"):
        compare_runs(ev, ev, score_treshold=0.5)  # type: ignore[call-arg]
    with raises_with("Evaluation.class_table()", "iou_treshold", "iou_threshold"):
        ev.class_table(iou_treshold=0.5)  # type: ignore[call-arg]
    with raises_with("Table.get()", "defualt", "default"):
        ds.images.get("width", defualt=None)  # type: ignore[call-arg]
    with raises_with("generate_coco_dict()", "predictoins", "predictions"):
        datasets.generate_coco_dict(2, predictoins=False)  # type: ignore[call-arg]


@pytest.mark.parametrize("widget", [cw.CocoGrid, cw.ObjectGrid])
def test_grid_signatures_hold_every_option_with_its_trait_default(widget: type) -> None:
    parameters = inspect.signature(widget).parameters
    assert set(GRID_OPTIONS) <= set(parameters)
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for name in ("thumbnail_size", "height", "caption", "show_ground_truth", "show_masks"):
        assert name in widget.class_traits()
    defaults = {name: parameters[name].default for name in parameters}
    traits = widget.class_traits()
    assert defaults["height"] == traits["height"].default_value
    assert defaults["show_masks"] == traits["show_masks"].default_value
    assert defaults["show_boxes"] == traits["show_boxes"].default_value
    assert defaults["show_ground_truth"] == traits["show_ground_truth"].default_value
    if widget is cw.CocoGrid:
        assert defaults["thumbnail_size"] == traits["thumbnail_size"].default_value
        assert defaults["caption"] == traits["caption"].default_value


@pytest.mark.parametrize("widget", [cw.CocoExplorer, cw.EvaluationView])
def test_widgets_making_a_grid_show_its_options_with_the_grids_defaults(widget: type) -> None:
    parameters = inspect.signature(widget).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    grid = inspect.signature(cw.CocoGrid).parameters
    forwarded = set(parameters) & set(GRID_OPTIONS) - {"height", "layout", "evaluation"}
    assert {"thumbnail_size", "caption", "sort_by", "show_masks", "thumbnails"} <= forwarded
    for name in forwarded:
        assert parameters[name].default == grid[name].default, name


@pytest.mark.parametrize(
    "function", [evaluate, evaluate_dataset, cw.CocoDataset.evaluate, EvalParams.from_coco]
)
def test_evaluation_signatures_hold_the_pycocotools_params(function: Callable[..., Any]) -> None:
    parameters = inspect.signature(function).parameters
    assert set(COCO_PARAMS) | {"imgIds", "catIds", "kpt_oks_sigmas"} <= set(parameters)
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    reference = inspect.signature(EvalParams.from_coco).parameters
    for name in COCO_PARAMS:
        assert parameters[name].default == reference[name].default, name
    # None: COCOeval's default for the iou_type ([1, 10, 100]; [20] for keypoints).
    assert parameters["maxDets"].default is None
    assert EvalParams.from_coco().max_detections == (1, 10, 100)
    assert EvalParams.from_coco(iouType="keypoints").max_detections == (20,)
    assert parameters["useCats"].default == 1


def test_the_widgets_evaluation_options_share_defaults() -> None:
    ours = inspect.signature(cw.CocoDataset.evaluate).parameters
    engine = inspect.signature(evaluate).parameters
    for name in ("params", "iou_threshold", "score_threshold", "background_iou"):
        assert ours[name].default == engine[name].default, name


def test_grid_options_with_a_grid_passed_are_refused(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    """They would have been dropped: the grid passed is used as it is."""
    ds, ev = evaluated
    grid = cw.CocoGrid(ds, thumbnails=service())
    with pytest.raises(TypeError, match=r"given a grid and grid options \(thumbnail_size\)"):
        cw.CocoExplorer(ds, grid=grid, thumbnail_size=96)
    with pytest.raises(TypeError, match=r"grid options \(caption, show_masks\)"):
        cw.EvaluationView(ds, ev, grid=grid, show_masks=False, caption="id")
    cw.CocoExplorer(ds, grid=grid, thumbnail_size=160)  # the default: nothing dropped


def test_an_evaluated_grid_keeps_the_options_asked_for(
    evaluated: tuple[cw.CocoDataset, Evaluation],
) -> None:
    """iou_threshold and color_by given with an evaluation are not overridden by it."""
    ds, ev = evaluated
    grid = cw.CocoGrid(
        ds, evaluation=ev, iou_threshold=0.75, color_by="category", thumbnails=service()
    )
    assert (grid.iou_threshold, grid.color_by) == (0.75, "category")
    default = cw.CocoGrid(ds, evaluation=ev, thumbnails=service())
    assert (default.iou_threshold, default.color_by) == (0.5, "match")
    assert default.score_threshold == ev.score_threshold
