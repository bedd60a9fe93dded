"""Every image mode becomes displayable RGB, with the right pixel values."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cocowidget.media.modes import NEUTRAL_BACKGROUND, to_rgb
from cocowidget.media.thumbnail import render_thumbnail

from .images import frame_count, opened, png_rgb16, save


def pixels_of(path: Path) -> np.ndarray:
    """The thumbnail of ``path`` (kept at its own size) as an array."""
    thumb = render_thumbnail(path, max_side=256)
    assert thumb.error is None, thumb.error
    assert thumb.data is not None
    image = Image.open(io.BytesIO(thumb.data))
    assert image.mode == "RGB"
    return np.asarray(image).astype(int)


def rgb_of(image: Image.Image) -> np.ndarray:
    converted = to_rgb(image)
    assert converted.mode == "RGB"
    assert converted.size == image.size
    return np.asarray(converted).astype(int)


def test_rgb_is_returned_unchanged() -> None:
    image = Image.new("RGB", (3, 2), (1, 2, 3))
    assert to_rgb(image) is image


def test_grey_png(tmp_path: Path) -> None:
    path = save(Image.new("L", (32, 16), 200), tmp_path / "grey.png")
    pixels = pixels_of(path)
    assert np.abs(pixels - 200).max() <= 2


def test_one_bit_png_is_black_and_white(tmp_path: Path) -> None:
    image = Image.new("1", (32, 16), 0)
    image.paste(1, (16, 0, 32, 16))
    pixels = pixels_of(save(image, tmp_path / "bits.png"))
    assert pixels[8, 4].max() <= 5
    assert pixels[8, 28].min() >= 250


def test_sixteen_bit_grey_png_scales_the_full_range(tmp_path: Path) -> None:
    values = np.array([0, 1000, 32896, 65535], dtype=np.uint16)
    image = Image.fromarray(np.repeat(np.repeat(values[None, :], 16, 0), 16, 1))
    assert image.mode == "I;16"
    path = save(image, tmp_path / "deep.png")
    assert opened(path).mode == "I;16"
    pixels = pixels_of(path)[8, 8::16, 0]
    # Pillow's own conversion would clip 1000, 32896 and 65535 all to 255.
    assert np.abs(pixels - [0, 4, 128, 255]).max() <= 2


def test_sixteen_bit_rgb_png_keeps_the_high_byte(tmp_path: Path) -> None:
    values = np.zeros((16, 16, 3), dtype=np.uint16)
    values[..., 0] = 0xFFFF
    values[..., 1] = 0x8000
    values[..., 2] = 0x0100
    path = tmp_path / "deep_rgb.png"
    path.write_bytes(png_rgb16(values))
    pixels = pixels_of(path)
    assert np.abs(pixels[8, 8] - [255, 128, 1]).max() <= 2


@pytest.mark.parametrize("mode", ["I;16", "I;16L", "I;16B", "I;16N"])
def test_every_sixteen_bit_layout(mode: str) -> None:
    values = np.array([[0, 257 * 100, 65535]], dtype=">u2" if mode == "I;16B" else "<u2")
    image = Image.frombytes(mode, (3, 1), values.tobytes())
    assert rgb_of(image)[0, :, 0].tolist() == [0, 100, 255]


def test_thirty_two_bit_integers() -> None:
    small = Image.fromarray(np.array([[0, 17, 255]], dtype=np.int32))
    assert small.mode == "I"
    assert rgb_of(small)[0, :, 0].tolist() == [0, 17, 255]  # already 8-bit values
    sixteen = Image.fromarray(np.array([[0, 257 * 10, 65535]], dtype=np.int32))
    assert rgb_of(sixteen)[0, :, 0].tolist() == [0, 10, 255]  # treated as 16-bit
    wide = Image.fromarray(np.array([[-1000, 0, 1000]], dtype=np.int32))
    assert rgb_of(wide)[0, :, 0].tolist() == [0, 128, 255]  # stretched


def test_float_images(tmp_path: Path) -> None:
    unit = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    assert unit.mode == "F"
    assert rgb_of(unit)[0, :, 0].tolist() == [0, 128, 255]
    other = Image.fromarray(np.array([[-2.0, 0.0, 2.0, np.nan]], dtype=np.float32))
    assert rgb_of(other)[0, :, 0].tolist() == [0, 128, 255, 0]
    # a float TIFF goes through the whole pipeline
    depth = Image.fromarray(np.tile(np.linspace(0, 50, 32, dtype=np.float32), (16, 1)))
    pixels = pixels_of(save(depth, tmp_path / "depth.tiff"))
    assert pixels[8, 0, 0] <= 10 and pixels[8, -1, 0] >= 245


def test_rgba_is_composited_on_the_neutral_background(tmp_path: Path) -> None:
    image = Image.new("RGBA", (48, 16), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (16, 0, 32, 16))
    image.paste((0, 0, 255, 128), (32, 0, 48, 16))
    pixels = pixels_of(save(image, tmp_path / "alpha.png"))
    assert np.abs(pixels[8, 4] - NEUTRAL_BACKGROUND).max() <= 3  # transparent
    assert np.abs(pixels[8, 24] - [255, 0, 0]).max() <= 8  # opaque
    assert np.abs(pixels[8, 44] - [64, 64, 191]).max() <= 8  # half over grey


@pytest.mark.parametrize("mode", ["LA", "La", "PA", "RGBa"])
def test_other_alpha_modes(mode: str) -> None:
    opaque = Image.new("RGBA", (2, 1), (200, 200, 200, 255))
    opaque.putpixel((1, 0), (200, 200, 200, 0))
    image = opaque.convert("LA").convert(mode) if mode in ("La",) else opaque.convert(mode)
    pixels = rgb_of(image)
    assert np.abs(pixels[0, 0] - 200).max() <= 3
    assert np.abs(pixels[0, 1] - NEUTRAL_BACKGROUND).max() <= 3


def test_palette_with_and_without_transparency(tmp_path: Path) -> None:
    image = Image.new("P", (32, 16), 0)
    image.putpalette([10, 20, 30, 200, 100, 50] + [0, 0, 0] * 254)
    image.paste(1, (16, 0, 32, 16))
    plain = pixels_of(save(image, tmp_path / "plain.png"))
    assert np.abs(plain[8, 4] - [10, 20, 30]).max() <= 3
    assert np.abs(plain[8, 28] - [200, 100, 50]).max() <= 3
    for name in ("transparent.png", "transparent.gif"):
        see_through = pixels_of(save(image, tmp_path / name, transparency=0))
        assert np.abs(see_through[8, 4] - NEUTRAL_BACKGROUND).max() <= 3
        assert np.abs(see_through[8, 28] - [200, 100, 50]).max() <= 3


@pytest.mark.parametrize("suffix", [".jpg", ".tiff"])
def test_cmyk(tmp_path: Path, suffix: str) -> None:
    image = Image.new("CMYK", (32, 16), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (16, 0, 32, 16))
    path = save(image, tmp_path / f"cmyk{suffix}")
    assert opened(path).mode == "CMYK"
    pixels = pixels_of(path)
    assert pixels[8, 4].min() >= 245  # no ink: white
    assert pixels[8, 28].max() <= 10  # full black ink


def test_cmyk_with_an_unreadable_profile_falls_back_to_the_formula() -> None:
    image = Image.new("CMYK", (2, 1), (0, 255, 255, 0))
    image.info["icc_profile"] = b"not a profile"
    assert rgb_of(image)[0, 0].tolist() == [255, 0, 0]


def test_lab_goes_through_colour_management() -> None:
    white = Image.new("LAB", (1, 1), (255, 128, 128))
    black = Image.new("LAB", (1, 1), (0, 128, 128))
    assert rgb_of(white)[0, 0].min() >= 245
    assert rgb_of(black)[0, 0].max() <= 10


@pytest.mark.parametrize("mode", ["YCbCr", "HSV", "RGBX"])
def test_colour_spaces_pillow_converts(mode: str) -> None:
    image = Image.new("RGB", (2, 2), (200, 40, 90)).convert(mode)
    assert np.abs(rgb_of(image)[0, 0] - [200, 40, 90]).max() <= 3


def test_multi_page_tiff_shows_the_first_page(tmp_path: Path) -> None:
    first = Image.new("RGB", (32, 16), (250, 0, 0))
    second = Image.new("RGB", (32, 16), (0, 0, 250))
    path = tmp_path / "pages.tiff"
    first.save(path, save_all=True, append_images=[second])
    assert frame_count(path) == 2
    assert np.abs(pixels_of(path)[8, 8] - [250, 0, 0]).max() <= 5
