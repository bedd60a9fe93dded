"""Hypothesis strategies: small person-keypoint datasets full of COCOeval's OKS quirks.

Joints sit on a half-pixel grid and detections are often exact or slightly moved copies
of a person's joints, so OKS ties between people and lands on 1 exactly; scores come
from a short list, so they tie too. People without labelled joints (OKS from the distance
to twice their box), ``num_keypoints == 0`` (ignored) and counts that disagree with the
flags, crowd regions, areas on the medium/large edges and results given with boxes
(loadRes' bbox branch: area ``w * h``) or without (the keypoints' extent) are all common.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .strategies import SCORES

COCO_JOINTS = 17
AREAS_ON_EDGES = [0.0, 1.0, 40.0, 1023.5, 1024.0, 1024.5, 9216.0, 9216.5, 20000.0]

coords = st.integers(0, 200).map(lambda v: v / 2)


@dataclass
class KeypointScene:
    dataset: dict[str, Any]
    results: list[dict[str, Any]]
    max_dets: list[int] = field(default_factory=lambda: [20])
    area_ranges: list[list[float]] | None = None
    area_labels: list[str] | None = None
    sigmas: list[float] | None = None  # None: COCO's 17


@st.composite
def person_keypoints(draw: st.DrawFn, n_joints: int) -> list[float]:
    kind = draw(st.sampled_from(["labelled", "labelled", "none", "few"]))
    out: list[float] = []
    for _ in range(n_joints):
        if kind == "none" or (kind == "few" and draw(st.integers(0, 3))):
            flag = 0
        else:
            flag = draw(st.sampled_from([1, 2, 2, 0]))
        if flag == 0 and draw(st.booleans()):
            out += [0.0, 0.0, 0.0]  # COCO writes unlabelled joints as zeros
        else:
            out += [draw(coords), draw(coords), float(flag)]
    return out


@st.composite
def moved(draw: st.DrawFn, keypoints: list[float]) -> list[float]:
    kind = draw(st.sampled_from(["same", "jitter", "shift", "random"]))
    out = list(keypoints)
    for j in range(len(keypoints) // 3):
        out[3 * j + 2] = 1.0  # detectors give every joint; the flag is not read
        if kind == "jitter" and draw(st.booleans()):
            out[3 * j] += draw(st.sampled_from([-2.0, -0.5, 0.5, 1.0, 3.0]))
            out[3 * j + 1] += draw(st.sampled_from([-1.0, 0.5, 2.0]))
        elif kind == "shift":
            out[3 * j] += 1.5
        elif kind == "random":
            out[3 * j], out[3 * j + 1] = draw(coords), draw(coords)
    return out


@st.composite
def keypoint_scenes(draw: st.DrawFn) -> KeypointScene:
    custom = draw(st.integers(0, 4)) == 0
    n_joints = draw(st.integers(1, 5)) if custom else COCO_JOINTS
    sigmas = [draw(st.sampled_from([0.025, 0.05, 0.079, 0.107])) for _ in range(n_joints)]
    n_images = draw(st.integers(1, 3))
    image_ids = draw(
        st.lists(st.integers(1, 500), min_size=n_images, max_size=n_images, unique=True)
    )
    category_ids = draw(st.lists(st.integers(1, 90), min_size=1, max_size=2, unique=True))
    images = [{"id": i, "height": 100, "width": 100} for i in image_ids]
    annotations: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    with_boxes = draw(st.integers(0, 3)) == 0
    next_id = draw(st.integers(1, 50))
    for image_id in image_ids:
        for _ in range(draw(st.integers(0, 4))):
            keypoints = draw(person_keypoints(n_joints))
            labelled = sum(1 for j in range(n_joints) if keypoints[3 * j + 2] > 0)
            count = draw(st.sampled_from([labelled, labelled, labelled, 0, 3]))
            box = [draw(coords), draw(coords), draw(coords) / 2 + 0.5, draw(coords) / 2 + 0.5]
            area = draw(st.one_of(st.just(box[2] * box[3]), st.sampled_from(AREAS_ON_EDGES)))
            annotations.append(
                {
                    "id": next_id,
                    "image_id": image_id,
                    "category_id": draw(st.sampled_from(category_ids)),
                    "bbox": box,
                    "area": area,
                    "iscrowd": int(draw(st.integers(0, 8)) == 0),
                    "keypoints": keypoints,
                    "num_keypoints": count,
                }
            )
            next_id += draw(st.integers(1, 3))
        here = [a for a in annotations if a["image_id"] == image_id]
        for _ in range(draw(st.integers(0, 6))):
            if here and draw(st.integers(0, 3)):
                source = draw(st.sampled_from(here))
                keypoints = draw(moved(source["keypoints"]))
                category = source["category_id"] if draw(st.integers(0, 5)) else None
            else:
                keypoints = draw(moved(draw(person_keypoints(n_joints))))
                category = None
            result: dict[str, Any] = {
                "image_id": image_id,
                "category_id": category or draw(st.sampled_from(category_ids)),
                "score": draw(st.sampled_from(SCORES)),
                "keypoints": keypoints,
            }
            if with_boxes:
                result["bbox"] = [draw(coords), draw(coords), draw(coords), draw(coords)]
            results.append(result)
    if not results:  # loadRes needs at least one result
        results.append(
            {
                "image_id": image_ids[0],
                "category_id": category_ids[0],
                "score": 0.5,
                "keypoints": [1.0, 2.0, 1.0] * n_joints,
            }
        )
    dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}"} for c in category_ids],
    }
    scene = KeypointScene(dataset, results, sigmas=sigmas if custom else None)
    scene.max_dets = draw(st.sampled_from([[20], [20], [1, 3, 20], [2]]))
    if draw(st.integers(0, 3)) == 0:
        scene.area_ranges = [[0, 1e10], [0, 100], [100, 2000], [2000, 1e10]]
        scene.area_labels = ["all", "small", "medium", "large"]
    return scene
