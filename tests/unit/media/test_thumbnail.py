"""Thumbnails and previews: sizes, encoding, results that pickle, and never raising."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cocowidget.media.thumbnail import (
    PREVIEW_SIDE,
    THUMBNAIL_SIDE,
    RenderSpec,
    Thumbnail,
    render_preview,
    render_thumbnail,
)

from .images import jpeg_bytes, noise_rgb, save


def decoded(thumb: Thumbnail) -> Image.Image:
    assert thumb.error is None, thumb.error
    assert thumb.data is not None
    image = Image.open(io.BytesIO(thumb.data))
    assert image.format == "JPEG" and thumb.mime == "image/jpeg"
    assert image.size == (thumb.width, thumb.height)
    return image


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((640, 480), (256, 192)),
        ((480, 640), (192, 256)),
        ((640, 427), (256, 171)),
        ((100, 50), (100, 50)),
    ],
)
def test_thumbnail_sizes(tmp_path: Path, size: tuple[int, int], expected: tuple[int, int]) -> None:
    thumb = render_thumbnail(save(noise_rgb(*size), tmp_path / "i.jpg"), max_side=256)
    decoded(thumb)
    assert (thumb.width, thumb.height) == expected
    assert (thumb.original_width, thumb.original_height) == size
    assert thumb.region == (0, 0, *size)
    assert thumb.statistics is not None
    assert thumb.file is not None and thumb.file.size == (tmp_path / "i.jpg").stat().st_size


def test_default_thumbnail_side(tmp_path: Path) -> None:
    thumb = render_thumbnail(save(noise_rgb(1000, 500), tmp_path / "i.jpg"))
    assert (thumb.width, thumb.height) == (THUMBNAIL_SIDE, THUMBNAIL_SIDE // 2)


def test_quality_changes_the_bytes(tmp_path: Path) -> None:
    path = save(noise_rgb(640, 480), tmp_path / "i.jpg")
    low = render_thumbnail(path, quality=30)
    high = render_thumbnail(path, quality=95)
    assert low.data is not None and high.data is not None
    assert len(low.data) < len(high.data)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((640, 480), (640, 480)),  # smaller than a preview: its real size
        ((4000, 3000), (1000, 750)),  # 1/4 DCT scale is >= 800: no resampling
        ((3000, 2000), (1024, 683)),  # 1/4 would be 750 < 800: 1/2, then resampled
        ((1500, 1000), (1024, 683)),
    ],
)
def test_preview_sizes(tmp_path: Path, size: tuple[int, int], expected: tuple[int, int]) -> None:
    image = noise_rgb(size[0] // 10, size[1] // 10).resize(size)
    preview = render_preview(save(image, tmp_path / "big.jpg", quality=85))
    decoded(preview)
    assert (preview.width, preview.height) == expected
    assert max(expected) >= min(800, max(size))
    assert max(expected) <= PREVIEW_SIDE
    assert preview.statistics is None


def test_preview_of_a_png_stays_within_bounds(tmp_path: Path) -> None:
    image = noise_rgb(300, 200).resize((3000, 2000))
    preview = render_preview(save(image, tmp_path / "big.png", compress_level=1))
    assert 800 <= preview.width <= 1024


def test_render_spec_validation() -> None:
    with pytest.raises(ValueError, match="max_side"):
        RenderSpec("thumbnail", 0, 80)
    with pytest.raises(ValueError, match="quality"):
        RenderSpec("thumbnail", 256, 101)
    with pytest.raises(ValueError, match="box"):
        RenderSpec("region", 256, 80)
    with pytest.raises(ValueError, match="min_side"):
        RenderSpec("preview", 256, 80, min_side=300)
    with pytest.raises(ValueError, match="kind"):
        RenderSpec("poster", 256, 80)  # type: ignore[arg-type]


def test_cache_key_names_every_parameter() -> None:
    base = RenderSpec("thumbnail", 256, 80)
    variants = [
        RenderSpec("thumbnail", 128, 80),
        RenderSpec("thumbnail", 256, 70),
        RenderSpec("preview", 256, 80),
        RenderSpec("thumbnail", 256, 80, max_pixels=1000),
        RenderSpec("thumbnail", 256, 80, min_side=200),
        RenderSpec("region", 256, 80, box=(0, 0, 10, 10)),
    ]
    keys = {base.cache_key} | {variant.cache_key for variant in variants}
    assert len(keys) == len(variants) + 1


def test_thumbnails_pickle(tmp_path: Path) -> None:
    thumb = render_thumbnail(save(noise_rgb(64, 48), tmp_path / "i.jpg"))
    assert pickle.loads(pickle.dumps(thumb)) == thumb
    failed = render_thumbnail(tmp_path / "missing.jpg")
    assert pickle.loads(pickle.dumps(failed)) == failed


JPEG = jpeg_bytes(noise_rgb(96, 64), quality=85)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=1, max_value=len(JPEG)),
    flips=st.lists(st.tuples(st.integers(0, len(JPEG) - 1), st.integers(1, 255)), max_size=8),
)
def test_damaged_jpegs_never_raise(tmp_path: Path, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(JPEG[:cut])
    for position, mask in flips:
        if position < len(data):
            data[position] ^= mask
    path = tmp_path / "damaged.jpg"
    path.write_bytes(bytes(data))
    thumb = render_thumbnail(path)
    assert (thumb.data is None) == (thumb.error is not None)
    if thumb.error is None:
        decoded(thumb)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=1, max_size=2048))
def test_arbitrary_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(data)
    thumb = render_thumbnail(path)
    assert thumb.error is not None or thumb.data is not None
