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
