"""A saved notebook says what each widget showed: a plain-text repr naming it, and a
static HTML snapshot for viewers without a kernel, with dataset text escaped."""

from __future__ import annotations

import warnings

import pytest

import cocowidget as cw
from cocowidget.datasets import generate_demo


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> cw.CocoDataset:
    paths = generate_demo(tmp_path_factory.mktemp("demo"), n_images=20, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)
        dataset.add_predictions(paths.predictions, name="<b>frcnn</b>")
    return dataset


def bundle(widget: object) -> dict[str, str]:
    data = widget._repr_mimebundle_()  # type: ignore[attr-defined]
    if isinstance(data, tuple):  # anywidget's (data, metadata)
        data = data[0]
    assert "application/vnd.jupyter.widget-view+json" in data  # still the live widget
    return data  # type: ignore[no-any-return]


def test_explorer_says_its_charts_filters_and_matches(ds: cw.CocoDataset) -> None:
    explorer = cw.CocoExplorer(ds, ["width"])
    explorer.filters = {"width": (400, None)}
    text = repr(explorer)
    assert text.startswith("CocoExplorer(") and "width ≥ 400" in text
    matching = len(explorer.filtered_ids)
    assert f"{matching} images of 20" in text
    assert bundle(explorer)["text/plain"] == text
    assert "<table>" in bundle(explorer)["text/html"]


def test_snapshot_text_is_escaped() -> None:
    from cocowidget.widgets.snapshot import Snapshot

    html = Snapshot("T", [("run", "<b>frcnn</b>")], [("data:,", "<img onerror=x>")]).html()
    assert "<b>frcnn</b>" not in html and "&lt;b&gt;frcnn&lt;/b&gt;" in html
    assert "<img onerror" not in html


def test_evaluation_view_says_its_run_numbers_and_class(ds: cw.CocoDataset) -> None:
    evaluation = ds.evaluate("<b>frcnn</b>")
    view = cw.EvaluationView(ds, evaluation)
    text = repr(view)
    assert text.startswith("EvaluationView(run <b>frcnn</b>, iou type bbox")
    assert f"AP {evaluation.stats[0]:.3f}" in text
    view.selected_class = int(evaluation.category_ids[0])
    name = str(ds.categories["name"][ds.category_row(view.selected_class)])
    assert f"class {name}" in repr(view)
    html = bundle(view)["text/html"]
    assert "&lt;b&gt;frcnn&lt;/b&gt;" in html and "<b>frcnn</b>" not in html


def test_grids_say_what_they_show(ds: cw.CocoDataset) -> None:
    grid = cw.CocoGrid(ds, sort_by="-object_count")
    text = repr(grid)
    assert text.startswith("CocoGrid(shows 20 images of 20, from instances_demo.json")
    assert "sorted by -object_count" in text and "runs drawn <b>frcnn</b>" in text
    grid.show(ds.images["id"][:5].tolist())
    grid.selected = ds.images["id"][:2].tolist()
    assert "shows 5 images of 20" in repr(grid) and "selected 2 images" in repr(grid)
    html = bundle(grid)["text/html"]
    assert "&lt;b&gt;frcnn&lt;/b&gt;" in html and "<b>frcnn</b>" not in html
    objects = cw.ObjectGrid(ds, run="<b>frcnn</b>")
    assert repr(objects).startswith("ObjectGrid(shows ")
    n = len(ds.predictions["<b>frcnn</b>"])
    assert f"{n:,} detections of {n:,} of run <b>frcnn</b>" in repr(objects)


def test_a_grid_snapshot_carries_the_thumbnails_already_rendered(ds: cw.CocoDataset) -> None:
    grid = cw.CocoGrid(ds)
    service = grid._thumbnails
    for row in range(3):
        grid._items.thumbnail(service, row).result(timeout=60)
    html = bundle(cw.CocoGrid(ds, thumbnails=service))["text/html"]
    assert html.count("data:image/jpeg;base64,") >= 3
    assert len(html) < 60_000  # small thumbnails, not the grid's own
