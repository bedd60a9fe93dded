"""Real COCO images from ../shared/data/coco_tiny: right sizes, plausible statistics."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from cocowidget.media.cache import ThumbnailCache
from cocowidget.media.executors import thread_executor
from cocowidget.media.service import ThumbnailService
from cocowidget.media.thumbnail import THUMBNAIL_SIDE, render_preview
from tests.shared_data import reason

from .images import COCO_TINY

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not (COCO_TINY / "annotations" / "instances_val2017.json").is_file(),
        reason=reason("COCO sample images"),
    ),
]


def expected_sizes(split: str) -> dict[str, tuple[int, int]]:
    with (COCO_TINY / "annotations" / f"instances_{split}.json").open() as file:
        images = json.load(file)["images"]
    return {image["file_name"]: (image["width"], image["height"]) for image in images}


@pytest.mark.parametrize("split", ["val2017", "train2017"])
def test_every_image_gets_a_thumbnail_of_the_right_size(split: str) -> None:
    sizes = expected_sizes(split)
    names = sorted(sizes)
    with (
        thread_executor() as threads,
        ThumbnailService(
            ThumbnailCache.memory_only(), threads, image_dir=COCO_TINY / split
        ) as service,
    ):
        thumbs = [thumb for _, thumb in service.thumbnails(names)]
    for name, thumb in zip(names, thumbs, strict=True):
        assert thumb.error is None, f"{name}: {thumb.error}"
        width, height = sizes[name]
        assert (thumb.original_width, thumb.original_height) == (width, height)
        assert max(thumb.width, thumb.height) == min(THUMBNAIL_SIDE, max(width, height))
        assert abs(thumb.width / thumb.height - width / height) < 0.02
        assert thumb.data is not None
        assert Image.open(io.BytesIO(thumb.data)).size == (thumb.width, thumb.height)
        stats = thumb.statistics
        assert stats is not None
        assert 0.03 < stats.brightness < 0.97
        assert 0.01 < stats.contrast < 0.5
        assert 1e-4 < stats.sharpness < 1.0
    # a real photo collection is not uniform
    assert len({round(t.statistics.brightness, 2) for t in thumbs if t.statistics}) > 20


def test_previews_are_the_originals_size() -> None:
    name, (width, height) = next(iter(sorted(expected_sizes("val2017").items())))
    preview = render_preview(COCO_TINY / "val2017" / name)
    assert (preview.width, preview.height) == (width, height)
    assert preview.data is not None and len(preview.data) > 10_000


def test_coco_tiny_is_read_not_written(tmp_path: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (COCO_TINY / "val2017").glob("*.jpg")}
    with (
        thread_executor() as threads,
        ThumbnailService(ThumbnailCache.default(tmp_path), threads) as service,
    ):
        list(service.thumbnails(sorted(before)[:5]))
    assert {p: p.stat().st_mtime_ns for p in before} == before
