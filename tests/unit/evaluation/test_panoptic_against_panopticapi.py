"""ds.evaluate(run, iou_type="panoptic") equals panopticapi's pq_compute to 1e-12 on
random datasets built to hit its special cases, and on the official sample."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cocowidget as cw
from cocowidget.evaluation.panoptic_result import PanopticEvaluation

from ..formats.panoptic_files import SAMPLE_JSON, SAMPLE_PNGS
from .panoptic_cases import max_difference, reference_pq, write_case

# COCOWIDGET_PANOPTIC_CASES raises the count for a longer hunt than CI's.
CASES = int(os.environ.get("COCOWIDGET_PANOPTIC_CASES", "24"))
TOLERANCE = 1e-12


def evaluate(case: dict[str, Path]) -> tuple[cw.CocoDataset, PanopticEvaluation]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cases have wrong areas on purpose
        ds = cw.CocoDataset.from_coco_panoptic(case["gt_json"], case["gt_dir"])
        ds.add_panoptic_predictions(case["pred_json"], case["pred_dir"], name="model")
    return ds, ds.evaluate("model", iou_type="panoptic")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    found = []
    for seed in range(CASES):
        case = write_case(tmp_path_factory.mktemp(f"case{seed}"), seed, n_images=6)
        ds, evaluation = evaluate(case)
        found.append({"seed": seed, "ds": ds, "ours": evaluation, "reference": reference_pq(case)})
    return found


def test_every_number_equals_pq_compute(outcomes: list[dict[str, Any]]) -> None:
    worst = max(max_difference(o["ours"].summary, o["reference"]) for o in outcomes)
    assert worst <= TOLERANCE


def test_the_cases_hit_panopticapis_special_cases(outcomes: list[dict[str, Any]]) -> None:
    gt = {s for o in outcomes for s in o["ours"].ground_truth["status"].tolist()}
    pred = {s for o in outcomes for s in o["ours"].predictions["status"].tolist()}
    assert {"matched", "missed", "crowd", "shadowed"} <= gt
    assert {"tp", "fp", "ignored"} <= pred  # ignored: mostly void or crowd
    kinds = {k for o in outcomes for k in o["ds"].quality(check_files=False)["kind"].tolist()}
    assert {"segment_area_mismatch", "unlisted_png_segment", "duplicate_segment_id"} <= kinds


def test_per_image_and_per_class_counts_add_up(outcomes: list[dict[str, Any]]) -> None:
    for outcome in outcomes:
        ours: PanopticEvaluation = outcome["ours"]
        for name in ("tp", "fp", "fn"):
            assert ours.images[name].sum() == ours.classes[name].sum()
        pred_status = ours.predictions["status"]
        assert (pred_status == "tp").sum() == ours.classes["tp"].sum()
        assert (pred_status == "fp").sum() == ours.classes["fp"].sum()
        assert (ours.ground_truth["status"] == "missed").sum() == ours.classes["fn"].sum()
        per_class = ours.summary["per_class"]
        assert ours.classes["pq"].tolist() == [
            per_class[i]["pq"] for i in ours.classes["category_id"]
        ]


def test_per_image_pq_is_attached_so_grids_sort_worst_first(
    outcomes: list[dict[str, Any]],
) -> None:
    ds: cw.CocoDataset = outcomes[0]["ds"]
    ours: PanopticEvaluation = outcomes[0]["ours"]
    pq = ds.images["model.panoptic.pq"]
    assert np.allclose(pq[ours.images["image_row"]], ours.images["pq"], equal_nan=True)
    assert "model.panoptic.status" in ds.annotations
    assert "model.panoptic.iou" in ds.predictions["model"]
    worst_first = np.argsort(pq, kind="stable")
    assert pq[worst_first[0]] == np.nanmin(pq)
    assert set(ds.categories["model.panoptic.pq"].tolist()) >= {
        v["pq"] for v in ours.summary["per_class"].values()
    } - {0.0}


def test_the_official_sample_against_itself_and_a_damaged_copy(tmp_path: Path) -> None:
    document = json.loads(SAMPLE_JSON.read_text())
    # A prediction: the ground truth with one segment relabelled and one dropped.
    first = document["annotations"][0]["segments_info"]
    first[0]["category_id"] = 2
    del document["annotations"][1]["segments_info"][3]
    pred_dir = tmp_path / "pred"
    shutil.copytree(SAMPLE_PNGS, pred_dir)
    pred_json = tmp_path / "pred.json"
    pred_json.write_text(json.dumps({"annotations": document["annotations"]}))
    case = {
        "gt_json": SAMPLE_JSON,
        "gt_dir": SAMPLE_PNGS,
        "pred_json": pred_json,
        "pred_dir": pred_dir,
    }
    # The dropped segment's pixels are in the PNG: panopticapi refuses that, so paint
    # them void first (as a model that left them unlabelled would).
    from PIL import Image

    from cocowidget.formats.panoptic_png import id_to_rgb, rgb_to_id

    record = document["annotations"][1]
    png = pred_dir / record["file_name"]
    ids = rgb_to_id(np.asarray(Image.open(png)))
    listed = {s["id"] for s in record["segments_info"]}
    ids[~np.isin(ids, list(listed))] = 0
    Image.fromarray(id_to_rgb(ids)).save(png)
    _, ours = evaluate(case)
    assert max_difference(ours.summary, reference_pq(case)) <= TOLERANCE
    assert 0.5 < ours.pq < 1.0


def test_what_pq_compute_refuses_is_evaluated_and_said(tmp_path: Path) -> None:
    case = write_case(tmp_path, seed=3, n_images=3)
    predictions = json.loads(case["pred_json"].read_text())
    missing = predictions["annotations"].pop(1)  # an image without prediction
    predictions["annotations"][0]["segments_info"].append({"id": 999, "category_id": 1})
    case["pred_json"].write_text(json.dumps(predictions))
    ds, ours = evaluate(case)
    assert ours.notes == [(missing["image_id"], "no prediction: evaluated as all void")]
    problems = ds.loading_problems().to_pandas()
    row = problems[problems["kind"] == "segment_missing_from_png"]
    assert row["json_path"].tolist() == [
        "annotations[0].segments_info["
        + str(len(predictions["annotations"][0]["segments_info"]) - 1)
        + "].id"
    ]
    assert row["run"].tolist() == ["model"]
    image = ours.images["image_id"].tolist().index(missing["image_id"])
    assert ours.images["tp"][image] == 0 and ours.images["fn"][image] > 0


def test_a_subset_keeps_the_panoptic_run_and_evaluates(outcomes: list[dict[str, Any]]) -> None:
    ds: cw.CocoDataset = outcomes[1]["ds"]
    part = ds.subset(ds.images["id"][:3])
    assert part.runs["model"].kind == "panoptic"
    ours = part.evaluate("model", iou_type="panoptic")
    whole: PanopticEvaluation = outcomes[1]["ours"]
    assert ours.images["pq"].tolist() == pytest.approx(whole.images["pq"][:3].tolist(), nan_ok=True)


def test_panoptic_evaluation_needs_panoptic_data_and_says_so(
    outcomes: list[dict[str, Any]],
) -> None:
    ds: cw.CocoDataset = outcomes[0]["ds"]
    with pytest.raises(ValueError, match="'keypoints', 'panoptic'"):
        ds.evaluate("model", iou_type="panoptc")
    plain = cw.CocoDataset.from_coco(
        {"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}], "categories": []}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an undefined category: not the point here
        plain.add_predictions(
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], name="d"
        )
    with pytest.raises(ValueError, match="from_coco_panoptic"):
        plain.evaluate("d", iou_type="panoptic")
