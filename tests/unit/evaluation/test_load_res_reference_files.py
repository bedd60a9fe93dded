"""cocoapi's reference results with the quirks of real results files, read through
``CocoDataset.add_predictions``: the numbers stay pycocotools' (loadRes ignores a file's
``area``; NaN scores sort last), and the records are written back as read."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset

from .reference import VAL2014_100, load_results, quiet_coco, run_cocoeval

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not VAL2014_100.is_dir(),
        reason=f"reference data not found at {VAL2014_100} (../shared/data from the repo root)",
    ),
]

RESULT_FILES = {
    "bbox": "instances_val2014_fakebbox100_results.json",
    "segm": "instances_val2014_fakesegm100_results.json",
}


def _box_plus_one(result: dict[str, Any]) -> None:
    _, _, w, h = result["bbox"]
    result["area"] = (w + 1) * (h + 1)  # what some detectors write


def _area_one(result: dict[str, Any]) -> None:
    result["area"] = 1.0


QUIRKS = {
    "bbox": _box_plus_one,
    "segm": _area_one,
}


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
@pytest.mark.parametrize("nan_scores", [False, True])
def test_quirky_reference_files_give_pycocotools_numbers(
    iou_type: str, nan_scores: bool, tmp_path: Any
) -> None:
    gt = json.loads((VAL2014_100 / "instances_val2014_100.json").read_text())
    results = json.loads((VAL2014_100 / RESULT_FILES[iou_type]).read_text())
    for i, result in enumerate(results):
        QUIRKS[iou_type](result)
        if nan_scores and i % 7 == 0:
            result["score"] = math.nan
    coco_gt = quiet_coco(gt)
    reference = run_cocoeval(coco_gt, load_results(coco_gt, results), iou_type)
    baseline = run_cocoeval(
        coco_gt,
        load_results(coco_gt, [{k: v for k, v in r.items() if k != "area"} for r in results]),
        iou_type,
    )
    assert list(reference.stats) == list(baseline.stats)  # loadRes ignores the file's area

    path = tmp_path / "detections.json"
    path.write_text(json.dumps(results))  # NaN as Python's json writes it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = CocoDataset.from_coco(gt)
        ds.add_predictions(path, name="run")
        ours = ds.evaluate("run", iou_type)
    np.testing.assert_allclose(ours.stats, reference.stats, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.precision, reference.eval["precision"])
    np.testing.assert_array_equal(ours.recall, reference.eval["recall"])
    table = ds.predictions["run"]
    assert len(table) == len(results)
    assert np.isnan(table["score"]).sum() == (len(results) + 6) // 7 * nan_scores
    assert not np.array_equal(table["area"], table["file_area"])

    written = ds.predictions_to_list("run")
    for out, result in zip(written, results, strict=True):
        assert out.keys() == result.keys()
        expected = {k: v for k, v in result.items() if k != "score"}
        assert {k: v for k, v in out.items() if k != "score"} == expected
        if not math.isnan(result["score"]):
            assert out["score"] == result["score"]
