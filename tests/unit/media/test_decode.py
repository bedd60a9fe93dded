"""Decoding: reduced scale, EXIF orientation, regions, and refusing bad files with a reason."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps, PngImagePlugin

from cocowidget.media.decode import ImageDecodeError, decode_image, open_image_file
from cocowidget.media.thumbnail import render_region, render_thumbnail

from .images import (
    gradient_rgb,
    jpeg_bytes,
    noise_rgb,
    opened,
    png_header_only,
    save,
    with_orientation,
)


def decoded_size(path: Path, min_long_side: int) -> tuple[int, int]:
    file, _ = open_image_file(path)
    with file:
        return decode_image(file, min_long_side).image.size


def as_array(data: bytes | None) -> np.ndarray:
    assert data is not None
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


# -- reduced scale -------------------------------------------------------------------------
def test_jpeg_decodes_at_the_smallest_dct_scale_covering_the_target(tmp_path: Path) -> None:
    path = save(noise_rgb(2000, 1500), tmp_path / "big.jpg", quality=90)
    assert decoded_size(path, 256) == (500, 375)  # 1/4; 1/8 would give 250 < 256
    assert decoded_size(path, 250) == (250, 188)  # 1/8
    assert decoded_size(path, 1001) == (2000, 1500)  # 1/2 would give 1000 < 1001


def test_other_formats_are_box_reduced_but_stay_above_the_target(tmp_path: Path) -> None:
    path = save(noise_rgb(2000, 1500), tmp_path / "big.png")
    width, height = decoded_size(path, 256)
    assert 256 <= width < 512
    assert height == round(1500 / (2000 / width)) or abs(height - 1500 * width / 2000) <= 1


def test_small_images_decode_at_full_size(tmp_path: Path) -> None:
    path = save(noise_rgb(100, 60), tmp_path / "small.jpg")
    assert decoded_size(path, 256) == (100, 60)


# -- EXIF orientation ----------------------------------------------------------------------
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    path = with_orientation(gradient_rgb(64, 48), orientation, tmp_path / "oriented.jpg")
    thumb = render_thumbnail(path, max_side=64)
    assert thumb.error is None
    swapped = orientation >= 5
    assert (thumb.original_width, thumb.original_height) == ((48, 64) if swapped else (64, 48))
    assert (thumb.width, thumb.height) == (thumb.original_width, thumb.original_height)
    expected = np.asarray(ImageOps.exif_transpose(opened(path)).convert("RGB")).astype(int)
    assert np.abs(as_array(thumb.data) - expected).mean() < 4


def test_orientation_six_stored_rotated_displays_upright(tmp_path: Path) -> None:
    # A camera held upright stores the scene rotated 90 degrees clockwise... the other
    # way round: the stored image must be turned 90 degrees clockwise to display.
    upright = Image.new("RGB", (40, 80), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 40, 20))  # red band at the top
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 80 x 40, red on the left
    path = with_orientation(stored, 6, tmp_path / "six.jpg")
    thumb = render_thumbnail(path, max_side=80)
    assert (thumb.width, thumb.height) == (40, 80)
    pixels = as_array(thumb.data)
    assert pixels[5, 20, 0] > 200 and pixels[5, 20, 2] < 60  # top is red
    assert pixels[70, 20, 2] > 200 and pixels[70, 20, 0] < 60  # bottom is blue


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_malformed_exif_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bad_exif.jpg"
    gradient_rgb().save(path, "JPEG", exif=b"Exif\x00\x00MM\x00*garbage")
    thumb = render_thumbnail(path)
    assert thumb.error is None
    assert (thumb.width, thumb.height) == (64, 48)


# -- regions -------------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", range(1, 9))
def test_region_is_cut_from_the_oriented_original(tmp_path: Path, orientation: int) -> None:
    # smooth enough that JPEG loss at 80x60 stays small; detailed enough to show a shift
    source = noise_rgb(12, 9).resize((400, 300), Image.Resampling.BICUBIC)
    path = with_orientation(source, orientation, tmp_path / "region.jpg")
    oriented = ImageOps.exif_transpose(opened(path)).convert("RGB")
    box = (50, 40, 210, 160)
    region = render_region(path, box, max_side=1000)
    assert region.error is None
    assert region.region == box
    assert (region.width, region.height) == (160, 120)  # 1:1, never upscaled
    expected = np.asarray(oriented.crop(box)).astype(int)
    assert np.abs(as_array(region.data) - expected).mean() < 4
    # scaled down: the same region at 1/2
    half = render_region(path, box, max_side=80, min_side=80)
    assert (half.width, half.height) == (80, 60)
    expected_half = np.asarray(oriented.crop(box).resize((80, 60), Image.Resampling.BICUBIC))
    assert np.abs(as_array(half.data) - expected_half.astype(int)).mean() < 4


def test_region_of_a_large_jpeg_uses_reduced_scale(tmp_path: Path) -> None:
    path = save(noise_rgb(200, 150).resize((4000, 3000)), tmp_path / "large.jpg", quality=90)
    file, _ = open_image_file(path)
    with file:
        decoded = decode_image(file, 500, box=(0, 0, 2000, 1500))
    # decoded at 1/4 (the region is 500 px there), cropped to about the region
    assert decoded.image.size == (500, 375)
    assert decoded.region == (0, 0, 2000, 1500)


def test_region_is_clamped_and_a_region_outside_is_an_error(tmp_path: Path) -> None:
    path = save(gradient_rgb(64, 48), tmp_path / "g.png")
    clamped = render_region(path, (-10, -10, 32.5, 100), max_side=1024)
    assert clamped.region == (0, 0, 33, 48)
    assert (clamped.width, clamped.height) == (33, 48)
    outside = render_region(path, (100, 100, 200, 200))
    assert outside.data is None
    assert outside.error == "region outside the image"
    with pytest.raises(ValueError, match="empty"):
        render_region(path, (10, 10, 10, 20))


# -- bad files -----------------------------------------------------------------------------
def reason(path: Path, **options: int) -> str | None:
    thumb = render_thumbnail(path, **options)
    if thumb.error is not None:
        assert thumb.data is None and thumb.width == 0 and thumb.statistics is None
    return thumb.error


def test_missing_file(tmp_path: Path) -> None:
    assert reason(tmp_path / "nope.jpg") == "file not found"


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert reason(tmp_path / "empty.jpg") == "zero-byte file"


def test_directory(tmp_path: Path) -> None:
    assert reason(tmp_path) == "not a regular file"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    assert reason(fifo) == "not a regular file"


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "text.jpg").write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert reason(tmp_path / "text.jpg") == "not an image"


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    data = jpeg_bytes(noise_rgb(320, 240), quality=90)
    for keep in (len(data) // 2, len(data) - 2):  # half, and only the end marker missing
        path = tmp_path / f"cut{keep}.jpg"
        path.write_bytes(data[:keep])
        assert reason(path) == "truncated JPEG"


def test_corrupt_jpeg_header(tmp_path: Path) -> None:
    (tmp_path / "head.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    assert reason(tmp_path / "head.jpg") == "corrupt JPEG header"


def test_truncated_png(tmp_path: Path) -> None:
    out = io.BytesIO()
    noise_rgb(64, 64).save(out, "PNG")
    data = out.getvalue()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    assert reason(tmp_path / "cut.png") == "truncated PNG"


def test_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    # Only a header: any attempt to decode would fail differently ("truncated"/"corrupt").
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(5000, 5000))
    assert reason(path, max_pixels=10_000_000) == "image too large (25 megapixels > limit 10)"
    thumb = render_thumbnail(path, max_pixels=10_000_000)
    assert (thumb.original_width, thumb.original_height) == (5000, 5000)


def test_a_real_image_over_the_limit_is_not_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save(Image.new("RGB", (1500, 1000)), tmp_path / "big.png", compress_level=1)
    loads: list[str] = []
    original_load = PngImagePlugin.PngImageFile.load

    def recording_load(self: PngImagePlugin.PngImageFile) -> object:
        loads.append(self.mode)
        return original_load(self)

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", recording_load)
    assert reason(path, max_pixels=1_000_000) == "image too large (1.5 megapixels > limit 1)"
    assert loads == []
    assert reason(path) is None and loads  # the recording works


def test_bomb_beyond_pillows_own_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(30000, 30000))
    error = reason(path)
    assert error is not None and error.startswith("image too large (900 megapixels > ")


def test_pixel_limit_is_configurable(tmp_path: Path) -> None:
    path = save(noise_rgb(100, 100), tmp_path / "small.png")
    assert reason(path) is None
    assert reason(path, max_pixels=5000) == "image too large (0.01 megapixels > limit 0.005)"


def test_decode_error_carries_the_reason() -> None:
    error = ImageDecodeError("zero-byte file")
    assert error.reason == "zero-byte file" and str(error) == "zero-byte file"
