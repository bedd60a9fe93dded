"""Pixel statistics: definitions, scale independence, one code path with thumbnails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from cocowidget.media.decode import ImageDecodeError
from cocowidget.media.statistics import ANALYSIS_SIDE
from cocowidget.media.thumbnail import compute_pixel_statistics, render_thumbnail

from .images import noise_rgb, save


def test_flat_grey(tmp_path: Path) -> None:
    stats = compute_pixel_statistics(
        save(Image.new("RGB", (300, 200), (51, 51, 51)), tmp_path / "g.png")
    )
    assert stats.brightness == pytest.approx(0.2, abs=0.002)
    assert stats.contrast == pytest.approx(0.0, abs=1e-6)
    assert stats.sharpness == pytest.approx(0.0, abs=1e-9)


def test_half_black_half_white(tmp_path: Path) -> None:
    image = Image.new("L", (512, 256), 0)
    image.paste(255, (256, 0, 512, 256))
    stats = compute_pixel_statistics(save(image, tmp_path / "half.png"))
    assert stats.brightness == pytest.approx(0.5, abs=0.01)
    assert stats.contrast == pytest.approx(0.5, abs=0.01)


def test_brightness_uses_luma_weights(tmp_path: Path) -> None:
    green = compute_pixel_statistics(
        save(Image.new("RGB", (64, 64), (0, 255, 0)), tmp_path / "g.png")
    )
    blue = compute_pixel_statistics(
        save(Image.new("RGB", (64, 64), (0, 0, 255)), tmp_path / "b.png")
    )
    assert green.brightness == pytest.approx(0.587, abs=0.01)
    assert blue.brightness == pytest.approx(0.114, abs=0.01)


def test_blur_lowers_sharpness(tmp_path: Path) -> None:
    sharp = noise_rgb(64, 48).resize((640, 480), Image.Resampling.NEAREST)
    blurred = sharp.filter(ImageFilter.GaussianBlur(6))
    sharp_stats = compute_pixel_statistics(save(sharp, tmp_path / "sharp.png"))
    blurred_stats = compute_pixel_statistics(save(blurred, tmp_path / "blurred.png"))
    assert blurred_stats.sharpness < sharp_stats.sharpness / 5


def test_statistics_do_not_depend_on_the_image_size(tmp_path: Path) -> None:
    width, height = ANALYSIS_SIDE, ANALYSIS_SIDE * 3 // 4
    content = noise_rgb(40, 30).resize((width, height), Image.Resampling.BICUBIC)
    small = compute_pixel_statistics(save(content, tmp_path / "small.png"))
    for scale in (2, 8):
        large_image = content.resize((width * scale, height * scale), Image.Resampling.BICUBIC)
        large_path = save(large_image, tmp_path / f"x{scale}.png", compress_level=1)
        large = compute_pixel_statistics(large_path)
        assert large.brightness == pytest.approx(small.brightness, abs=0.01)
        assert large.contrast == pytest.approx(small.contrast, rel=0.05)
        assert large.sharpness == pytest.approx(small.sharpness, rel=0.2)
        # while the raw Laplacian variance of the large image is far smaller
        luma = np.asarray(large_image.convert("L")) / 255
        raw = (
            luma[:-2, 1:-1]
            + luma[2:, 1:-1]
            + luma[1:-1, :-2]
            + luma[1:-1, 2:]
            - 4 * luma[1:-1, 1:-1]
        ).var()
        assert raw < small.sharpness / scale


@pytest.mark.parametrize("max_side", [64, 128, 256, 320])
def test_thumbnails_carry_the_same_statistics(tmp_path: Path, max_side: int) -> None:
    path = save(noise_rgb(80, 60).resize((1600, 1200)), tmp_path / "photo.jpg", quality=90)
    thumb = render_thumbnail(path, max_side=max_side)
    assert thumb.statistics == compute_pixel_statistics(path)


def test_bad_files_raise_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ImageDecodeError) as caught:
        compute_pixel_statistics(tmp_path / "missing.png")
    assert caught.value.reason == "file not found"
