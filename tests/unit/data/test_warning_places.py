"""A warning names the user's own line, not a line of cocowidget (wrappers add frames)."""

from __future__ import annotations

import warnings

import cocowidget as cw


def _dataset() -> dict[str, object]:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [
            {"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "area": 4},
            {"id": 7, "image_id": 1, "category_id": 1, "bbox": [3, 3, 2, 2], "area": 4},
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }


def test_load_and_prediction_warnings_point_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = cw.CocoDataset.from_coco(_dataset())
        ds.add_predictions(
            [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "score": float("nan")}],
            name="a",
        )
        ds.evaluate("a")
    messages = {str(w.message).split(":")[1].strip()[:20]: w.filename for w in caught}
    assert len(caught) >= 3, [str(w.message) for w in caught]
    assert {w.filename for w in caught} == {__file__}, messages
