"""With broken_images=True, each problematic file is broken the way the manifest says."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageOps

from cocowidget.datasets import SPECIAL_KINDS, DemoPaths, read_manifest


@pytest.fixture(scope="module")
def special(small_demo: DemoPaths) -> dict[str, dict[str, Any]]:
    manifest = read_manifest(small_demo.root)
    assert manifest is not None
    files: dict[str, dict[str, Any]] = manifest["special_files"]
    return files


@pytest.fixture(scope="module")
def images(small_demo: DemoPaths) -> dict[int, dict[str, Any]]:
    dataset = json.loads(small_demo.annotations.read_text())
    return {img["id"]: img for img in dataset["images"]}


def test_every_kind_is_listed_in_json_and_manifest(
    special: dict[str, dict[str, Any]], images: dict[int, dict[str, Any]], small_demo: DemoPaths
) -> None:
    assert set(special) == set(SPECIAL_KINDS)
    dataset = json.loads(small_demo.annotations.read_text())
    annotated = {a["image_id"] for a in dataset["annotations"]}
    for entry in special.values():
        assert images[entry["image_id"]]["file_name"] == entry["file_name"]
    assert sum(entry["image_id"] in annotated for entry in special.values()) >= 8


def _path(demo: DemoPaths, special: dict[str, dict[str, Any]], kind: str) -> Any:
    return demo.image_dir / special[kind]["file_name"]


def test_unreadable_files(special: dict[str, dict[str, Any]], small_demo: DemoPaths) -> None:
    truncated = _path(small_demo, special, "truncated_jpeg")
    assert truncated.stat().st_size == special["truncated_jpeg"]["bytes_kept"]
    with Image.open(truncated) as image, pytest.raises(OSError, match="truncated"):
        image.load()
    assert _path(small_demo, special, "zero_byte").stat().st_size == 0
    assert not _path(small_demo, special, "missing_file").exists()


def test_size_mismatch(
    special: dict[str, dict[str, Any]], images: dict[int, dict[str, Any]], small_demo: DemoPaths
) -> None:
    entry = special["size_mismatch"]
    image = images[entry["image_id"]]
    with Image.open(_path(small_demo, special, "size_mismatch")) as file:
        assert list(file.size) == entry["file_size"]
    assert [image["width"], image["height"]] == entry["json_size"] != entry["file_size"]


def test_near_black_and_duplicate(
    special: dict[str, dict[str, Any]], small_demo: DemoPaths
) -> None:
    with Image.open(_path(small_demo, special, "near_black")) as file:
        assert np.asarray(file).max() <= 16
    duplicate = special["duplicate"]
    original = small_demo.image_dir / duplicate["duplicate_of"]
    assert original.read_bytes() == _path(small_demo, special, "duplicate").read_bytes()
    assert duplicate["file_name"] != duplicate["duplicate_of"]


@pytest.mark.parametrize(
    ("kind", "fmt", "mode"),
    [
        ("grayscale_jpeg", "JPEG", "L"),
        ("rgba_png", "PNG", "RGBA"),
        ("palette_png", "PNG", "P"),
        ("gray16_png", "PNG", "I;16"),
        ("cmyk_jpeg", "JPEG", "CMYK"),
    ],
)
def test_unusual_modes(
    kind: str,
    fmt: str,
    mode: str,
    special: dict[str, dict[str, Any]],
    images: dict[int, dict[str, Any]],
    small_demo: DemoPaths,
) -> None:
    image = images[special[kind]["image_id"]]
    with Image.open(_path(small_demo, special, kind)) as file:
        assert (file.format, file.mode) == (fmt, mode)
        assert file.size == (image["width"], image["height"])
        pixels = np.asarray(file)
    if mode == "RGBA":
        assert pixels[..., 3].min() < 50 and pixels[..., 3].max() == 255
    if mode == "I;16":
        assert pixels.dtype == np.uint16 and pixels.max() > 255


def test_exif_rotated(
    special: dict[str, dict[str, Any]], images: dict[int, dict[str, Any]], small_demo: DemoPaths
) -> None:
    """Stored rotated with orientation 6; JSON describes the upright image."""
    entry = special["exif_rotated"]
    image = images[entry["image_id"]]
    with Image.open(_path(small_demo, special, "exif_rotated")) as file:
        assert file.getexif()[0x0112] == 6
        assert file.size == (image["height"], image["width"]) != (image["width"], image["height"])
        upright = ImageOps.exif_transpose(file)
        assert upright.size == (image["width"], image["height"])
