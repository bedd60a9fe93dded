"""ds.evaluate(run, iou_type, rules="lvis") equals the lvis package's LVISEval to 1e-12 on
random LVIS-style files (federated sets, frequencies, > 300 detections per image, zero
areas, crowds and ignore flags, polygon and RLE masks), for boxes and masks; parts of
the images stay exact; files without LVIS's fields and wrong options are clear errors."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cocowidget as cw
from cocowidget.datasets.lvis_demo import generate_lvis_dict
from cocowidget.evaluation.lvis_rules import LVIS_RESULT_NAMES, LvisEvaluation, top_per_image
from cocowidget.views.columns import chartable_keys

TOLERANCE = 1e-12
# COCOWIDGET_LVIS_SEEDS raises the count for a longer hunt than CI's.
SEEDS = range(int(os.environ.get("COCOWIDGET_LVIS_SEEDS", "4")))
# (iou_type, what the results carry): box results are evaluated as masks through their
# box's polygon, mask-only results get LVISResults' mask area and box.
CASES = [
    ("bbox", "bbox"),
    ("bbox", "both"),
    ("bbox", "segm"),
    ("segm", "both"),
    ("segm", "segm"),
    ("segm", "bbox"),
]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """LVISEval logs each step (and warns through the deprecated logger.warn); our loader
    warns about LVIS files' missing iscrowd. Neither is under test here."""
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)


def lvis_eval(gt_path: Path, results_path: Path, iou_type: str, image_ids: Any = None) -> Any:
    """The reference: LVISEval(gt, results, iou_type).run() (on ``image_ids`` if given)."""
    if not hasattr(np, "float"):
        np.float = float  # type: ignore[attr-defined]  # lvis 0.5.3 uses np.float (numpy < 1.24)
    from lvis import LVISEval

    with quiet():
        reference = LVISEval(str(gt_path), str(results_path), iou_type)
        if image_ids is not None:
            reference.params.img_ids = [int(i) for i in image_ids]
        reference.run()
    return reference


def write_case(directory: Path, seed: int, result_kind: str, **options: Any) -> tuple[Path, Path]:
    document, results = generate_lvis_dict(40, seed, result_kind=result_kind, **options)
    gt_path, results_path = directory / "lvis_gt.json", directory / "results.json"
    gt_path.write_text(json.dumps(document))
    results_path.write_text(json.dumps(results))
    return gt_path, results_path


def ours(gt_path: Path, results_path: Path, iou_type: str) -> tuple[cw.CocoDataset, LvisEvaluation]:
    with quiet():
        ds = cw.CocoDataset.from_coco(gt_path, sidecar=False)
        ds.add_predictions(results_path, "model")
        evaluation = ds.evaluate("model", iou_type, rules="lvis")  # type: ignore[arg-type]
    return ds, evaluation


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    found = []
    for iou_type, result_kind in CASES:
        for seed in SEEDS:
            directory = tmp_path_factory.mktemp(f"{iou_type}-{result_kind}-{seed}")
            gt_path, results_path = write_case(directory, seed, result_kind)
            ds, evaluation = ours(gt_path, results_path, iou_type)
            found.append(
                {
                    "case": (iou_type, result_kind, seed),
                    "paths": (gt_path, results_path),
                    "ds": ds,
                    "ours": evaluation,
                    "reference": lvis_eval(gt_path, results_path, iou_type),
                }
            )
    return found


def test_every_result_equals_lvis_eval(outcomes: list[dict[str, Any]]) -> None:
    for outcome in outcomes:
        reference = dict(outcome["reference"].get_results())
        results = outcome["ours"].results
        assert list(results) == list(reference) == list(LVIS_RESULT_NAMES)
        for key, value in reference.items():
            assert abs(results[key] - float(value)) <= TOLERANCE, (outcome["case"], key)


def test_precision_and_recall_arrays_equal_lvis_eval(outcomes: list[dict[str, Any]]) -> None:
    for outcome in outcomes:
        reference, evaluation = outcome["reference"].eval, outcome["ours"]
        np.testing.assert_allclose(
            evaluation.precision[..., 0], reference["precision"], rtol=0, atol=TOLERANCE
        )
        np.testing.assert_allclose(
            evaluation.recall[..., 0], reference["recall"], rtol=0, atol=TOLERANCE
        )


def test_the_cases_hit_lvis_rules(outcomes: list[dict[str, Any]]) -> None:
    """The random files exercise what LVIS decides its own way, and the numbers are not
    all undefined."""
    for outcome in outcomes:
        ds, evaluation = outcome["ds"], outcome["ours"]
        run = ds.predictions["model"]
        counts = np.bincount(ds.image_rows(run["image_id"]), minlength=len(ds.images))
        assert counts.max() > 300
        kept = top_per_image(run["image_id"], run["score"], 300)
        evaluated = evaluation.detections["evaluated"].astype(bool)
        assert not evaluated[~kept].any()  # past an image's 300: never evaluated
        assert (kept & ~evaluated).any()  # unverified categories, zero areas: left out
        tp = evaluation.detection_matches.tp
        ignored = evaluation.detection_matches.ignored[0] & evaluated & ~tp[0]
        assert ignored.any()  # unmatched in a not exhaustively labelled category
        assert -1 < evaluation.results["AP"] < 1
    annotations = outcomes[0]["ds"].annotations
    assert (annotations["iscrowd"] != 0).any()  # LVIS reads no crowds
    assert (annotations["area"] == 0).any()  # and leaves zero areas out
    frequencies = {f for o in outcomes for f in o["ds"].categories["frequency"].tolist()}
    assert frequencies == {"r", "c", "f"}


def test_a_part_of_the_images_equals_lvis_eval_on_those_images(
    outcomes: list[dict[str, Any]],
) -> None:
    for outcome in outcomes[::4]:
        evaluation = outcome["ours"]
        part = evaluation.image_ids[::3]
        reference = lvis_eval(*outcome["paths"], outcome["case"][0], image_ids=part)
        expected = [float(v) for v in reference.get_results().values()]
        np.testing.assert_allclose(
            evaluation.stats_for_images(part), expected, rtol=0, atol=TOLERANCE
        )


def test_area_bins_of_objects_are_lvis_eval_size_ranges(outcomes: list[dict[str, Any]]) -> None:
    """Object bins rematch with LVIS's rules: the bins of COCO's size ranges are LVISEval's
    APs, APm, APl."""
    for outcome in outcomes[::3]:
        evaluation = outcome["ours"]
        bins = evaluation.by_metric("area", [0, 32**2, 96**2, 1e10])
        results = evaluation.results
        expected = [results["APs"], results["APm"], results["APl"]]
        np.testing.assert_allclose(bins.table["ap"], expected, rtol=0, atol=TOLERANCE)


def test_frequency_is_a_category_and_annotation_column(outcomes: list[dict[str, Any]]) -> None:
    ds = outcomes[0]["ds"]
    frequency = dict(zip(ds.categories["id"].tolist(), ds.categories["frequency"], strict=True))
    expected = [frequency[c] for c in ds.annotations["category_id"].tolist()]
    assert ds.annotations["frequency"].tolist() == expected
    assert "annotations.frequency" in chartable_keys(ds.images, ds.annotations)


def test_lvis_columns_sit_beside_the_coco_evaluation(outcomes: list[dict[str, Any]]) -> None:
    ds = outcomes[0]["ds"]
    with quiet():
        coco = ds.evaluate("model")
    assert "model.lvis.ap" in ds.images.columns and "model.ap" in ds.images.columns
    assert coco.rules == "coco" and outcomes[0]["ours"].rules == "lvis"


def test_summary_prints_as_lvis_eval(outcomes: list[dict[str, Any]]) -> None:
    outcome = outcomes[1]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        outcome["reference"].print_results()
    assert outcome["ours"].summary() == printed.getvalue().rstrip("\n")


def test_a_file_without_lvis_fields_names_what_is_missing(tmp_path: Path) -> None:
    document, results = generate_lvis_dict(6, 3, result_kind="bbox")
    for image in document["images"]:
        del image["not_exhaustive_category_ids"]
    del document["images"][2]["neg_category_ids"]
    for category in document["categories"]:
        del category["frequency"]
    with quiet():
        ds = cw.CocoDataset.from_coco(document, sidecar=False)
        ds.add_predictions(results, "model")
    with pytest.raises(ValueError) as error:
        ds.evaluate("model", rules="lvis")
    message = str(error.value)
    assert "images[*].not_exhaustive_category_ids (missing in all 6 images" in message
    assert "images[*].neg_category_ids (missing in 1 of 6; first images[2]" in message
    assert "categories[*].frequency" in message


def test_wrong_lvis_values_are_named(tmp_path: Path) -> None:
    document, results = generate_lvis_dict(6, 4, result_kind="bbox")
    document["categories"][1]["frequency"] = "rare"
    with quiet():
        ds = cw.CocoDataset.from_coco(document, sidecar=False)
        ds.add_predictions(results, "model")
    with pytest.raises(ValueError, match=r"categories\[1\]\.frequency is 'rare'"):
        ds.evaluate("model", rules="lvis")
    document["categories"][1]["frequency"] = "r"
    document["images"][4]["neg_category_ids"] = "none"
    with quiet():
        ds = cw.CocoDataset.from_coco(document, sidecar=False)
        ds.add_predictions(results, "model")
    with pytest.raises(ValueError, match=r'images\[4\]\.neg_category_ids is "none"'):
        ds.evaluate("model", rules="lvis")


def test_rules_and_options_lvis_does_not_take_are_refused(
    outcomes: list[dict[str, Any]],
) -> None:
    ds = outcomes[0]["ds"]
    with pytest.raises(ValueError, match=r"rules must be 'coco' \(COCOeval's\) or 'lvis'"):
        ds.evaluate("model", rules="voc")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="rules='lvis' evaluates 'bbox' or 'segm'"):
        ds.evaluate("model", "keypoints", rules="lvis")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="leave out maxDets"):
        ds.evaluate("model", rules="lvis", maxDets=[100])  # type: ignore[call-overload]


def test_federated_rules_on_one_image() -> None:
    """One image with a cat (crowd-flagged), a dog verified absent, a bird not
    exhaustively labelled and a fish nobody checked."""
    document = {
        "images": [
            {
                "id": 1,
                "width": 100,
                "height": 100,
                "file_name": "a.jpg",
                "neg_category_ids": [2],
                "not_exhaustive_category_ids": [3],
            }
        ],
        "categories": [
            {"id": i, "name": name, "frequency": "f"}
            for i, name in ((1, "cat"), (2, "dog"), (3, "bird"), (4, "fish"))
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [0, 0, 20, 20],
                "area": 400,
                "iscrowd": 1,
            },
            {"id": 2, "image_id": 1, "category_id": 3, "bbox": [50, 50, 20, 20], "area": 400},
        ],
    }
    results = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20], "score": 0.9},  # TP
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20], "score": 0.8},  # FP
        {"image_id": 1, "category_id": 2, "bbox": [30, 0, 20, 20], "score": 0.7},  # FP
        {"image_id": 1, "category_id": 3, "bbox": [50, 50, 20, 20], "score": 0.6},  # TP
        {"image_id": 1, "category_id": 3, "bbox": [0, 60, 20, 20], "score": 0.5},  # ignored
        {"image_id": 1, "category_id": 4, "bbox": [0, 80, 20, 20], "score": 0.4},  # left out
    ]
    with quiet():
        ds = cw.CocoDataset.from_coco(document, sidecar=False)
        ds.add_predictions(results, "model")
        evaluation = ds.evaluate("model", rules="lvis")
    table = evaluation.detections
    at_half = 0
    assert table["evaluated"].astype(bool).tolist() == [True] * 5 + [False]
    assert table["tp"][:, at_half].astype(bool).tolist() == [True, False, False, True, False, False]
    assert table["fp"][:, at_half].astype(bool).tolist() == [False, True, True, False, False, False]


def test_the_summary_rows_name_lvis_numbers(outcomes: list[dict[str, Any]]) -> None:
    from cocowidget.views.evaluation_charts import stat_rows

    evaluation = outcomes[2]["ours"]
    precision, recall = stat_rows(evaluation)
    labels = [s.label for s in precision + recall]
    assert labels[6:9] == ["rare", "common", "frequent"] and labels[9] == "AR300"
    shown = [s.value for s in precision + recall]
    expected = [np.nan if v < 0 else v for v in evaluation.results.values()]
    np.testing.assert_array_equal(shown, expected)
