"""Annotations agree with themselves (area, bbox) and with the pixels drawn."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from cocowidget.datasets import DemoPaths, generate_coco_dict
from cocowidget.datasets.annotate import annotate
from cocowidget.datasets.categories import CATEGORIES
from cocowidget.datasets.masks import decode_box, difference, polygon_rle, uncompressed
from cocowidget.datasets.render import POST_COLOUR, render
from cocowidget.datasets.scene import ImageSpec, Scene, SceneObject, image_spec, sample_scene
from cocowidget.datasets.shapes import cut_vertical


def _coco(dataset: dict[str, Any]) -> COCO:
    coco = COCO()
    coco.dataset = dataset
    with redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _assert_consistent(coco: COCO) -> None:
    for ann in coco.dataset["annotations"]:
        mask = coco.annToMask(ann)
        assert mask.sum() == ann["area"] > 0
        rle = mask_utils.encode(np.asfortranarray(mask))
        assert mask_utils.toBbox(rle).tolist() == ann["bbox"]


def test_area_and_bbox_are_those_of_the_mask(small_demo: DemoPaths) -> None:
    with redirect_stdout(io.StringIO()):
        coco = COCO(str(small_demo.annotations))
    _assert_consistent(coco)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10**6))
def test_any_image_is_consistent(seed: int, index: int) -> None:
    """Property: for any seed and image, masks, areas and boxes agree and lie inside
    the image, and the visible masks of different objects never overlap."""
    spec = image_spec(seed, index)
    scene = sample_scene(seed, spec)
    objects = annotate(scene)
    dataset = {
        "images": [spec.coco()],
        "annotations": [dict(o.coco(spec.id), id=i + 1) for i, o in enumerate(objects)],
        "categories": [{"id": c.id, "name": c.name} for c in CATEGORIES],
    }
    coco = _coco(dataset)
    _assert_consistent(coco)
    covered = np.zeros((spec.height, spec.width), dtype=np.int32)
    for ann in dataset["annotations"]:
        x, y, w, h = ann["bbox"]
        assert x >= 0 and y >= 0 and x + w <= spec.width and y + h <= spec.height
        covered += coco.annToMask(ann)
    assert covered.max() <= 1


def test_crowds_and_compressed_rle_are_present(
    coco_300: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    annotations = coco_300[0]["annotations"]
    crowds = [a for a in annotations if a["iscrowd"]]
    compressed = [
        a for a in annotations if not a["iscrowd"] and isinstance(a["segmentation"], dict)
    ]
    polygons = [a for a in annotations if isinstance(a["segmentation"], list)]
    assert crowds and compressed
    assert len(polygons) > 0.75 * len(annotations)  # mostly polygons
    assert any(len(a["segmentation"]) > 1 for a in polygons)  # some in several parts
    for crowd in crowds:
        assert all(isinstance(c, int) for c in crowd["segmentation"]["counts"])
    _assert_consistent(_coco(coco_300[0]))


def test_rle_counts_round_trip_through_pycocotools() -> None:
    """Our decoding of compressed counts, the complement trick behind `difference`,
    and the uncompressed form crowds use, all against pycocotools' own masks."""
    rng = np.random.default_rng(0)
    for first_pixel in (0, 1):
        mask = (rng.random((37, 23)) < 0.3).astype(np.uint8)
        mask[0, 0] = first_pixel
        rle = mask_utils.encode(np.asfortranarray(mask))
        plain = uncompressed(rle)
        assert sum(plain["counts"]) == mask.size
        assert np.array_equal(mask_utils.decode(mask_utils.frPyObjects(plain, 37, 23)), mask)
        x, y, w, h = (int(v) for v in mask_utils.toBbox(rle))
        assert np.array_equal(decode_box(rle, x, y, w, h), mask[y : y + h, x : x + w] > 0)
        other = (rng.random((37, 23)) < 0.5).astype(np.uint8)
        cut = mask_utils.decode(difference(rle, mask_utils.encode(np.asfortranarray(other))))
        assert np.array_equal(cut, mask & (1 - other))


def _coloured(pixels: np.ndarray, channel: int) -> np.ndarray:
    """Pixels whose colour is a pure primary `channel` (plus the texture's 0..24)."""
    others = [c for c in range(3) if c != channel]
    return (pixels[:, :, channel] > 150) & (pixels[:, :, others] < 30).all(axis=2)


def test_objects_are_drawn_exactly_where_their_masks_are() -> None:
    """A hand-made scene: a red box partly behind a green ellipse, a blue box cut by a
    post. The pixels of each colour must be exactly the object's visible mask."""
    spec = ImageSpec(0, 1, "x.jpg", 200, 120, 1, "2013-11-14 00:00:00")
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    ellipse = np.column_stack((70 + 30 * np.cos(angles), 60 + 25 * np.sin(angles)))
    red = [np.array([[10.3, 20.55], [80.0, 20.55], [80.0, 90.2], [10.3, 90.2]])]
    blue = [np.array([[120.0, 10.0], [190.5, 10.0], [190.5, 100.0], [120.0, 100.0]])]
    blue_cut = cut_vertical(blue, 150.0, 156.0)
    assert len(blue_cut) == 2
    scene = Scene(
        seed=0,
        content_index=0,
        spec=spec,
        theme="street",
        horizon=0.5,
        objects=(
            SceneObject(0, red, red, (255, 0, 0)),
            SceneObject(1, [ellipse], [ellipse], (0, 255, 0)),
            SceneObject(2, blue_cut, blue, (0, 0, 255), cut_by_post=True),
        ),
    )
    objects = annotate(scene)
    assert [o.occluded for o in objects] == [True, False, False]
    pixels = np.asarray(render(scene, objects))
    for channel, obj in enumerate(objects):
        visible = mask_utils.decode(obj.visible).astype(bool)
        assert np.array_equal(_coloured(pixels, channel), visible)
    post = mask_utils.decode(polygon_rle(blue, 120, 200)).astype(bool) & ~mask_utils.decode(
        objects[2].visible
    ).astype(bool)
    assert post.sum() > 6 * 80
    assert (np.abs(pixels[post].astype(int) - POST_COLOUR).max(axis=1) <= 30).all()


def test_rendered_objects_show_in_the_jpeg(small_demo: DemoPaths) -> None:
    """On disk, after JPEG: each large unoccluded object's pixels differ from what
    surrounds its box, so the overlay would frame something visible."""
    from PIL import Image

    dataset, _ = generate_coco_dict(40, seed=3)
    checked = 0
    for image in dataset["images"][:15]:
        pixels = np.asarray(Image.open(small_demo.image_dir / image["file_name"]), dtype=float)
        h, w = pixels.shape[:2]
        for ann in dataset["annotations"]:
            if ann["image_id"] != image["id"] or not isinstance(ann["segmentation"], list):
                continue
            if ann["area"] < 900:
                continue
            rles = mask_utils.frPyObjects(ann["segmentation"], h, w)
            inside = mask_utils.decode(mask_utils.merge(rles)).astype(bool)
            inside_colour = np.median(pixels[inside], axis=0)
            spread = np.abs(pixels[inside] - inside_colour).mean()
            assert spread < 25  # a flat, shaded fill, not background
            checked += 1
    assert checked >= 10
