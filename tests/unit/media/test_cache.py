"""Memory LRU and SQLite disk cache: hits, misses, invalidation, bounds, corruption."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from cocowidget.media import cache as cache_module
from cocowidget.media.cache import (
    CACHE_DIR_ENV,
    DATABASE_NAME,
    DiskCache,
    MemoryCache,
    ThumbnailCache,
    default_cache_dir,
)
from cocowidget.media.decode import FileIdentity
from cocowidget.media.statistics import PixelStatistics
from cocowidget.media.thumbnail import RenderSpec, Thumbnail, render_thumbnail

from .images import noise_rgb, save

SPEC = RenderSpec("thumbnail", 256, 80)


def fake(path: str, data_size: int = 1000, *, size: int = 10, mtime_ns: int = 1) -> Thumbnail:
    return Thumbnail(
        data=b"j" * data_size,
        width=4,
        height=3,
        original_width=40,
        original_height=30,
        region=(0, 0, 40, 30),
        statistics=PixelStatistics(0.25, 0.125, 0.0123456789),
        error=None,
        file=FileIdentity(path, size, mtime_ns),
    )


# -- memory ------------------------------------------------------------------------------
def test_memory_hit_and_miss() -> None:
    cache = MemoryCache(10_000)
    thumb = fake("/a.jpg")
    assert thumb.file is not None
    assert cache.get(thumb.file, SPEC) is None
    cache.put(SPEC, thumb)
    assert cache.get(thumb.file, SPEC) is thumb
    assert cache.get(thumb.file, RenderSpec("thumbnail", 128, 80)) is None


def test_memory_entry_of_a_changed_file_is_stale() -> None:
    cache = MemoryCache(10_000)
    cache.put(SPEC, fake("/a.jpg", mtime_ns=1))
    assert cache.get(FileIdentity("/a.jpg", 10, 2), SPEC) is None
    assert cache.get(FileIdentity("/a.jpg", 11, 1), SPEC) is None
    assert len(cache) == 0  # dropped


def test_memory_is_bounded_by_bytes_and_evicts_least_recently_used() -> None:
    cache = MemoryCache(5_000)  # each entry counts 1000 bytes + overhead
    thumbs = [fake(f"/{i}.jpg") for i in range(10)]
    for thumb in thumbs[:3]:
        cache.put(SPEC, thumb)
    assert thumbs[0].file is not None
    cache.get(thumbs[0].file, SPEC)  # 0 is now the most recently used
    cache.put(SPEC, thumbs[3])
    assert cache.nbytes <= 5_000
    held = {t.file.path for t in thumbs[:4] if t.file and cache.get(t.file, SPEC)}
    assert held == {"/0.jpg", "/2.jpg", "/3.jpg"}
    for thumb in thumbs:
        cache.put(SPEC, thumb)
    assert cache.nbytes <= 5_000 and len(cache) == 3


def test_memory_ignores_entries_larger_than_the_bound_and_unknown_files() -> None:
    cache = MemoryCache(500)
    cache.put(SPEC, fake("/big.jpg", data_size=1000))
    cache.put(SPEC, Thumbnail.failed("file not found"))
    assert len(cache) == 0 and cache.nbytes == 0


# -- disk --------------------------------------------------------------------------------
def test_disk_round_trip(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    thumb = fake("/a.jpg")
    assert thumb.file is not None
    assert cache.get(thumb.file, SPEC) is None
    cache.put(SPEC, thumb)
    assert cache.get(thumb.file, SPEC) == thumb
    assert cache.get(thumb.file, RenderSpec("thumbnail", 256, 81)) is None
    cache.flush()
    reopened = DiskCache(tmp_path)
    assert reopened.get(thumb.file, SPEC) == thumb
    assert reopened.nbytes == cache.nbytes > 1000


def test_queued_writes_are_visible_and_land_on_flush(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    thumbs = [fake(f"/{i}.jpg") for i in range(300)]
    for thumb in thumbs:
        cache.put(SPEC, thumb)
    assert all(t.file is not None and cache.get(t.file, SPEC) == t for t in thumbs)
    cache.flush()
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        assert db.execute("SELECT count(*) FROM renderings").fetchone()[0] == 300
    cache.close()
    assert DiskCache(tmp_path).get(FileIdentity("/7.jpg", 10, 1), SPEC) == thumbs[7]


def test_disk_keeps_failures_of_existing_files(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    failed = Thumbnail.failed("truncated JPEG", FileIdentity("/t.jpg", 5, 5), (640, 480))
    cache.put(SPEC, failed)
    assert cache.get(FileIdentity("/t.jpg", 5, 5), SPEC) == failed
    cache.put(SPEC, Thumbnail.failed("file not found"))  # no identity: not stored
    assert len(cache) == 1


def test_disk_entry_of_a_changed_file_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put(SPEC, fake("/a.jpg", mtime_ns=1))
    assert cache.get(FileIdentity("/a.jpg", 10, 2), SPEC) is None
    assert cache.get(FileIdentity("/a.jpg", 9, 1), SPEC) is None
    cache.put(SPEC, fake("/a.jpg", mtime_ns=2))
    assert len(cache) == 1  # one row per (path, rendering)
    assert cache.get(FileIdentity("/a.jpg", 10, 2), SPEC) is not None


def test_real_file_changes_are_seen(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "cache")
    path = save(noise_rgb(64, 48), tmp_path / "i.jpg")
    first = render_thumbnail(path)
    cache.put(SPEC, first)
    assert first.file is not None and cache.get(first.file, SPEC) == first
    save(noise_rgb(32, 48, seed=1), path)
    os.utime(path, ns=(first.file.mtime_ns + 10**9, first.file.mtime_ns + 10**9))
    second = render_thumbnail(path)
    assert second.file is not None and second.file != first.file
    assert cache.get(second.file, SPEC) is None


def test_corrupt_entry_is_ignored_then_rewritten(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    thumb = fake("/a.jpg")
    assert thumb.file is not None
    cache.put(SPEC, thumb)
    cache.flush()
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        payload = db.execute("SELECT payload FROM renderings").fetchone()[0]
        flipped = payload[:-5] + bytes([payload[-5] ^ 1]) + payload[-4:]
        db.execute("UPDATE renderings SET payload = ?", (flipped,))
    assert cache.get(thumb.file, SPEC) is None  # checksum mismatch
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        db.execute("UPDATE renderings SET payload = ?", (b"garbage",))
    assert cache.get(thumb.file, SPEC) is None  # unparseable
    cache.put(SPEC, thumb)
    cache.flush()
    assert cache.get(thumb.file, SPEC) == thumb  # rewritten, read back from the file


def test_a_database_file_that_is_not_one_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / DATABASE_NAME).write_bytes(b"this is not an SQLite database" * 100)
    cache = DiskCache(tmp_path)
    cache.put(SPEC, fake("/a.jpg"))
    assert len(cache) == 1
    assert list(tmp_path.glob(f"{DATABASE_NAME}.corrupt-*"))


def test_disk_is_bounded_and_drops_the_oldest(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=20_000)
    for i in range(50):
        cache.put(SPEC, fake(f"/{i}.jpg"))
    assert cache.nbytes <= 20_000
    assert cache.get(FileIdentity("/49.jpg", 10, 1), SPEC) is not None
    assert cache.get(FileIdentity("/0.jpg", 10, 1), SPEC) is None
    assert 10 <= len(cache) < 20


def test_two_caches_share_one_directory(tmp_path: Path) -> None:
    first, second = DiskCache(tmp_path), DiskCache(tmp_path)  # say, two notebooks
    first.put(SPEC, fake("/a.jpg"))
    second.put(SPEC, fake("/b.jpg"))
    first.flush()
    second.flush()
    assert first.get(FileIdentity("/b.jpg", 10, 1), SPEC) is not None
    assert second.get(FileIdentity("/a.jpg", 10, 1), SPEC) is not None


def test_clear(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put(SPEC, fake("/a.jpg"))
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


# -- configuration -----------------------------------------------------------------------
def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv(CACHE_DIR_ENV)
    assert default_cache_dir() == Path.home() / ".cache" / "cocowidget"


def test_default_cache_uses_the_configured_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "configured"))
    cache = ThumbnailCache.default()
    assert cache.memory is not None
    assert cache.disk is not None and cache.disk.directory == tmp_path / "configured"


def test_unusable_directory_degrades_to_memory_with_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.warns(RuntimeWarning, match="memory only"):
        cache = ThumbnailCache.default(blocker / "cache")
    assert cache.disk is None and cache.memory is not None


def test_disabled_and_memory_only() -> None:
    assert ThumbnailCache.disabled().memory is None and ThumbnailCache.disabled().disk is None
    memory_only = ThumbnailCache.memory_only(1000)
    assert memory_only.disk is None and memory_only.memory is not None
    assert memory_only.memory.max_bytes == 1000


def test_shared_cache_is_one_default_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "shared"))
    monkeypatch.setattr(cache_module, "_shared_cache", None)
    shared = ThumbnailCache.shared()
    assert ThumbnailCache.shared() is shared
    assert shared.disk is not None and shared.disk.directory == tmp_path / "shared"
