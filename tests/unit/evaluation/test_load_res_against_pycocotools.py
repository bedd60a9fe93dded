"""Detections read through ``CocoDataset.add_predictions`` evaluate as pycocotools'
``loadRes`` + ``COCOeval`` do, for each branch loadRes takes by the first record (bbox,
segm, keypoints) and each quirk of real results files: a record's own ``area`` (ignored
by loadRes), boxes beside masks, NaN scores (kept; sorted last), crowd flags other than
0/1 in the ground truth."""

from __future__ import annotations

import copy
import math
import os
import warnings
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocowidget.dataset import CocoDataset
from cocowidget.evaluation import EvalParams

from .reference import load_results, quiet_coco, run_cocoeval
from .strategies import Scene, boxes, compressed_rle, scenes

SETTINGS = settings(
    max_examples=int(os.environ.get("COCOWIDGET_EVAL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def file_area(draw: st.DrawFn, box: list[float]) -> dict[str, Any]:
    """What results files put in ``area``: nothing, w*h, (w+1)*(h+1) or nonsense."""
    _, _, w, h = box
    kind = draw(st.sampled_from(["none", "wh", "plus_one", "one", "huge"]))
    values = {"wh": w * h, "plus_one": (w + 1) * (h + 1), "one": 1.0, "huge": 1e6}
    return {} if kind == "none" else {"area": values[kind]}


@st.composite
def box_branch(draw: st.DrawFn, scene: Scene, masks: bool) -> list[dict[str, Any]]:
    """Every record has a bbox (loadRes needs one where the first has one); with masks,
    most also have a segmentation, the others get the box's polygon."""
    results = []
    for result in scene.results:
        out = dict(result)
        box = out.get("bbox") or draw(boxes())
        out["bbox"] = box
        if masks and draw(st.integers(0, 3)):
            out["segmentation"] = compressed_rle(draw(st.sampled_from([box, draw(boxes())])))
        else:
            out.pop("segmentation", None)
        out.update(draw(file_area(box)))
        results.append(out)
    return results


@st.composite
def mask_branch(draw: st.DrawFn, scene: Scene) -> list[dict[str, Any]]:
    """The first record has no bbox: every area is the mask's; a given bbox (any box, not
    necessarily the mask's) is kept for box evaluation."""
    results = []
    for i, result in enumerate(scene.results):
        out = {k: v for k, v in result.items() if k != "bbox"}
        if i and draw(st.booleans()):
            out["bbox"] = draw(boxes())
        out.update(draw(file_area(out.get("bbox") or [0, 0, 1, 1])))
        results.append(out)
    return results


@st.composite
def keypoint_branch(draw: st.DrawFn, scene: Scene) -> list[dict[str, Any]]:
    """No bbox, no segmentation in the first record, keypoints in all: box and area are
    the keypoints' extent (unlabelled keypoints at 0, 0 included), even over a bbox."""
    results = []
    coordinate = st.integers(0, 48).map(lambda v: v / 2)
    for i, result in enumerate(scene.results):
        out = {k: v for k, v in result.items() if k not in ("bbox", "segmentation")}
        n = draw(st.integers(1, 4))
        keypoints: list[float] = []
        for _ in range(n):
            if draw(st.integers(0, 4)):
                keypoints += [draw(coordinate), draw(coordinate), 2]
            else:
                keypoints += [0, 0, 0]
        out["keypoints"] = keypoints
        if i and draw(st.booleans()):
            out["bbox"] = draw(boxes())
        out.update(draw(file_area([0, 0, 1, 1])))
        results.append(out)
    return results


@st.composite
def quirky_cases(draw: st.DrawFn) -> tuple[Scene, str, list[dict[str, Any]], list[int]]:
    """A scene, the iou type, its results in one of loadRes's branches with file quirks,
    and a crowd value (0, 1, 2 or 7) per ground-truth annotation."""
    branch = draw(st.sampled_from(["bbox", "bbox+masks", "segm", "keypoints"]))
    masks = branch in ("bbox+masks", "segm")
    scene = draw(scenes(masks=masks))
    if branch == "segm":
        results = draw(mask_branch(scene))
    elif branch == "keypoints":
        results = draw(keypoint_branch(scene))
    else:
        results = draw(box_branch(scene, masks))
    for result in results:
        if draw(st.integers(0, 5)) == 0:
            result["score"] = math.nan
    iou_type = draw(st.sampled_from(["bbox", "segm"])) if masks else "bbox"
    crowd = [
        draw(st.sampled_from([1, 2, 7])) if a["iscrowd"] else 0
        for a in scene.dataset["annotations"]
    ]
    return scene, iou_type, results, crowd


def _with_file_names(dataset: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dataset)
    for image in out["images"]:
        image["file_name"] = f"{image['id']}.jpg"
    return out


@SETTINGS
@given(quirky_cases(), st.data())
def test_dataset_runs_equal_load_res_and_cocoeval(
    case: tuple[Scene, str, list[dict[str, Any]], list[int]], data: st.DataObject
) -> None:
    scene, iou_type, results, crowd = case
    truth = _with_file_names(scene.dataset)
    for annotation, value in zip(truth["annotations"], crowd, strict=True):
        annotation["iscrowd"] = value
    coco_gt = quiet_coco(truth)
    reference = run_cocoeval(
        coco_gt,
        load_results(coco_gt, results),
        iou_type,
        max_dets=scene.max_dets,
        area_ranges=scene.area_ranges,
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = CocoDataset.from_coco(_with_file_names(scene.dataset))
        # Crowd values other than 0/1 are set on the table: how the ground truth is read
        # is not what this test is about, only that evaluation treats them as crowd.
        order = ds.annotations["file_index"]
        ds.annotations["iscrowd"] = np.asarray(crowd, dtype=np.int64)[order]
        ds.add_predictions(results, name="run")
        params = EvalParams(
            max_detections=tuple(scene.max_dets),
            **(
                {"area_ranges": tuple(tuple(r) for r in scene.area_ranges)}
                if scene.area_ranges is not None
                else {}
            ),
        )
        ours = ds.evaluate("run", iou_type, params=params)

    np.testing.assert_allclose(ours.stats, reference.stats, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.precision, reference.eval["precision"])
    np.testing.assert_array_equal(ours.recall, reference.eval["recall"])
    np.testing.assert_array_equal(ours.scores, reference.eval["scores"])

    # Per image: the image's AP equals COCOeval restricted to that image.
    row = data.draw(st.integers(0, len(ours.image_ids) - 1))
    single = run_cocoeval(
        coco_gt,
        load_results(coco_gt, results),
        iou_type,
        max_dets=scene.max_dets,
        area_ranges=scene.area_ranges,
        img_ids=[int(ours.image_ids[row])],
    )
    precision = single.eval["precision"][:, :, :, 0, -1]
    valid = precision[precision > -1]
    expected = float(np.mean(valid)) if valid.size else math.nan
    np.testing.assert_allclose(ours.images["ap"][row], expected, rtol=0, atol=1e-12)

    # The records are written back as they were read.
    written = ds.predictions_to_list("run")
    assert len(written) == len(results)
    for out, given_record in zip(written, results, strict=True):
        assert out.keys() == given_record.keys()
        for key, value in given_record.items():
            if key == "score" and math.isnan(value):
                assert out[key] is None or math.isnan(out[key])
            else:
                assert out[key] == value, key
