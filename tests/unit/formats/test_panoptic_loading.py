"""COCO panoptic ground truth loads as annotation rows with masks from the PNGs, and
every disagreement between JSON and PNGs is a problem at its place; the rest loads."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_api

import cocowidget as cw
from cocowidget.data.problems import CocoFormatError
from cocowidget.formats.panoptic_png import rgb_to_id
from cocowidget.views.columns import ColumnCatalog, chartable_keys

from .panoptic_files import SAMPLE_JSON, SAMPLE_PNGS, segments_of, street, write_panoptic


def load(folder: object, **options: object) -> cw.CocoDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cw.CocoDataset.from_coco_panoptic(folder.json, folder.pngs, **options)  # type: ignore[attr-defined]


def test_the_official_sample_loads_with_masks_equal_to_its_pngs() -> None:
    ds = cw.CocoDataset.from_coco_panoptic(SAMPLE_JSON, SAMPLE_PNGS)
    document = json.loads(SAMPLE_JSON.read_text())
    assert len(ds.annotations) == sum(len(a["segments_info"]) for a in document["annotations"])
    problems = ds.quality(check_files=False)
    assert set(problems["kind"].tolist()) == {"unused_category"}  # areas and boxes agree
    for record in document["annotations"]:
        ids = rgb_to_id(np.asarray(Image.open(SAMPLE_PNGS / record["file_name"])))
        masks = ds.masks(record["image_id"])
        rows = ds.objects_of(record["image_id"])
        for mask, segment, row_id in zip(
            masks, record["segments_info"], rows["segment_id"], strict=True
        ):
            assert row_id == segment["id"]
            assert np.array_equal(mask, ids == segment["id"])
        rles = ds.segmentations_of(record["image_id"])
        expected = mask_api.encode(
            np.asfortranarray((ids == record["segments_info"][0]["id"]).astype(np.uint8))
        )
        assert rles[0]["counts"] == expected["counts"].decode()  # pycocotools' own string
    things = ds.annotations["thing_or_stuff"]
    assert set(things.tolist()) == {"thing", "stuff"}
    person = ds.categories["name"].tolist().index("person")
    assert ds.categories["isthing"][person] and ds.categories["color"][person] == (220, 20, 60)


def test_stuff_or_thing_charts_in_the_explorer(tmp_path: Path) -> None:
    ids, categories = street()
    folder = write_panoptic(tmp_path, [(1, ids, segments_of(ids, categories))])
    ds = load(folder)
    keys = chartable_keys(ds.images, ds.annotations)
    assert "annotations.thing_or_stuff" in keys and "void_fraction" in keys
    assert "panoptic_png" not in keys and "annotations.segment_id" not in keys
    column = ColumnCatalog.of(ds).column("annotations.thing_or_stuff")
    assert column.labels == ("stuff", "thing")  # type: ignore[union-attr]
    assert ds.images["void_fraction"][0] == pytest.approx(1 / ids.size)
    assert ds.annotations["mask_area"].tolist() == ds.annotations["area"].tolist()


def test_disagreements_are_problems_at_their_places_and_the_rest_loads(tmp_path: Path) -> None:
    ids, categories = street()
    good = segments_of(ids, categories)
    bad = segments_of(ids, categories)
    bad[0]["area"] += 5  # sky
    bad[1]["bbox"][2] += 1  # road
    bad[2]["category_id"] = 999  # the car's class is not defined
    bad.append({"id": 4242, "category_id": 1, "area": 3, "bbox": [0, 0, 1, 3], "iscrowd": 0})
    unlisted = bad.pop(3)  # the person is in the PNG only
    folder = write_panoptic(tmp_path, [(1, ids, bad), (2, ids, good)])
    ds = load(folder)
    table = ds.quality(check_files=False).to_pandas()
    where = dict(zip(table["kind"], table["json_path"], strict=False))
    assert where["segment_area_mismatch"] == "annotations[0].segments_info[0].area"
    assert where["segment_bbox_mismatch"] == "annotations[0].segments_info[1].bbox"
    assert where["dangling_category_ref"] == "annotations[0].segments_info[2].category_id"
    assert where["segment_missing_from_png"] == "annotations[0].segments_info[3].id"
    assert where["unlisted_png_segment"] == "annotations[0].segments_info"
    message = table.loc[table["kind"] == "unlisted_png_segment", "message"].iloc[0]
    assert str(unlisted["id"]) in message
    assert set(table["category"][table["kind"].str.startswith("segment_")]) <= {
        "segmentation",
        "box",
    }
    # The other image is whole: every segment with its mask.
    assert all(isinstance(s, dict) for s in ds.segmentations_of(2))
    assert len(ds.objects_of(2)) == 4


def write_png(path: Path, pixels: np.ndarray, mode: str | None = None) -> None:
    Image.fromarray(pixels, mode=mode).save(path) if mode else Image.fromarray(pixels).save(path)


@pytest.mark.parametrize(
    ("damage", "kind"),
    [
        ("missing", "missing_png"),
        ("greyscale", "png_mode"),
        ("16-bit", "png_16_bit"),
        ("larger", "png_size_mismatch"),
        ("not a png", "unreadable_png"),
    ],
)
def test_a_broken_png_is_a_problem_and_the_other_images_load(
    tmp_path: Path, damage: str, kind: str
) -> None:
    ids, categories = street()
    segments = segments_of(ids, categories)
    folder = write_panoptic(tmp_path, [(1, ids, segments), (2, ids, segments)])
    png = folder.pngs / "000000000001.png"
    if damage == "missing":
        png.unlink()
    elif damage == "greyscale":
        write_png(png, (ids % 256).astype(np.uint8))
    elif damage == "16-bit":
        Image.fromarray(ids.astype(np.uint16)).save(png)  # mode I;16
    elif damage == "larger":
        write_png(png, np.zeros((30, 40, 3), dtype=np.uint8))
    else:
        png.write_bytes(b"GIF89a not a png")
    ds = load(folder)
    problems = ds.quality(check_files=False)
    found = problems.to_pandas()
    assert found.loc[found["kind"] == kind, "json_path"].tolist() == ["annotations[0].file_name"]
    assert found.loc[found["kind"] == kind, "category"].tolist() == ["file"]
    assert problems.image_ids(kind=kind) == [1]
    assert ds.segmentations_of(1) == [None] * 4  # rows without masks
    assert all(isinstance(s, dict) for s in ds.segmentations_of(2))


def test_a_16_bit_rgb_png_is_refused_not_misread(tmp_path: Path) -> None:
    ids, categories = street()
    folder = write_panoptic(tmp_path, [(1, ids, segments_of(ids, categories))])
    # A 48-bit RGB PNG, written by hand: Pillow would read it as 8-bit, ids all wrong.
    import struct
    import zlib

    height, width = ids.shape
    raw = b"".join(b"\x00" + np.zeros((width, 3), ">u2").tobytes() for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    (folder.pngs / "000000000001.png").write_bytes(png)
    ds = load(folder)
    assert "png_16_bit" in ds.quality(check_files=False)["kind"].tolist()


def test_a_panoptic_file_given_to_from_coco_says_what_it_is_and_what_to_call() -> None:
    with pytest.warns(UserWarning, match="from_coco_panoptic"):
        ds = cw.CocoDataset.from_coco(SAMPLE_JSON)
    problems = ds.loading_problems().to_pandas()
    assert problems["kind"].tolist() == ["panoptic_file"]
    assert "CocoDataset.from_coco_panoptic(json, png_dir" in problems["message"][0]
    assert len(ds.images) == 2 and len(ds.categories) == 133  # the rest loads
    with pytest.raises(CocoFormatError, match="from_coco_panoptic"):
        cw.CocoDataset.from_coco(json.loads(SAMPLE_JSON.read_text()), strict=True)


def test_strict_raises_at_the_first_error_with_its_place(tmp_path: Path) -> None:
    ids, categories = street()
    segments = segments_of(ids, categories)
    segments.append({"id": 77, "category_id": 1, "area": 1, "bbox": [0, 0, 1, 1], "iscrowd": 0})
    folder = write_panoptic(tmp_path, [(1, ids, segments)])
    with pytest.raises(CocoFormatError, match=r"annotations\[0\]\.segments_info\[4\]\.id"):
        cw.CocoDataset.from_coco_panoptic(folder.json, folder.pngs, strict=True)


def test_a_png_folder_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="no folder of panoptic PNGs"):
        cw.CocoDataset.from_coco_panoptic(SAMPLE_JSON, tmp_path / "nowhere")


def test_the_grid_draws_every_segment_as_an_rle_mask_of_its_category() -> None:
    from cocowidget.views.items import image_layers
    from cocowidget.views.overlays import OverlayBatch

    ds = cw.CocoDataset.from_coco_panoptic(SAMPLE_JSON, SAMPLE_PNGS)
    image_id = int(ds.images["id"][0])
    overlay = OverlayBatch().add(427, 640, image_layers(ds, image_id))
    drawn = [(o.category, o.rle is not None and o.rle.string is not None) for o in overlay.objects]
    expected = ds.objects_of(image_id)["category_id"].tolist()
    assert [category for category, _ in drawn] == expected
    assert all(has_mask for _, has_mask in drawn)  # things and stuff alike
