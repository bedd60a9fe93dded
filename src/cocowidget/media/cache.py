"""Two-tier cache of rendered images: a byte-bounded LRU in memory, SQLite on disk.

An entry is addressed by the file's path and the rendering's
:attr:`~cocowidget.media.thumbnail.RenderSpec.cache_key` (kind, size, quality, region,
pixel limit, renderer version) and is valid only for the file version it was rendered
from: its size and modification time (nanoseconds) must match the file's now. A changed
file is therefore re-rendered, and its new rendering replaces the old row.

Why one SQLite file and not one file per thumbnail: ``benchmarks/bench_thumbnails.py``
stores and reads back the same 600 thumbnails both ways. Over five runs on this (busy)
2-core machine, storing cost 41-91 us an entry here (batched; 16 KiB pages) against
72-126 us for a file per entry, and reading 31-44 us against 34-37 us: no decisive
difference in speed. But a
dataset of 100,000 images leaves one file to copy, measure or delete instead of
100,000; a row is keyed by path and rendering with the file identity in columns, so a
changed file replaces its row rather than leaving a stale file behind; SQLite writes
are atomic, so a crash never leaves half an entry; and two notebooks (two processes)
can share one cache directory safely.

The database runs in WAL mode with ``synchronous=NORMAL``: a crash may lose the last few
entries, which are simply rendered again.

Robustness: an entry that fails its checksum or cannot be parsed is ignored (and
overwritten by the next rendering); a database file that is not one is moved aside and
a new one started; a cache that cannot be opened at all (read-only home, full disk)
degrades to memory only with a warning. Cache errors never reach the caller.

The disk cache is bounded (``max_bytes``, default 2 GiB): past it, the oldest-written
entries are dropped. Default location: ``$COCOWIDGET_CACHE_DIR``, else
``~/.cache/cocowidget``.

Over 400 lines because the two tiers and their invalidation rule are one consistency
guarantee (an entry is valid for one file version in both); kept together on purpose.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import sqlite3
import struct
import threading
import time
import warnings
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from cocowidget.media.decode import FileIdentity
from cocowidget.media.statistics import PixelStatistics
from cocowidget.media.thumbnail import RenderSpec, Thumbnail

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_DISK_BYTES",
    "DEFAULT_MEMORY_BYTES",
    "DiskCache",
    "MemoryCache",
    "ThumbnailCache",
    "default_cache_dir",
]

CACHE_DIR_ENV = "COCOWIDGET_CACHE_DIR"
DEFAULT_MEMORY_BYTES = 64 * 2**20
DEFAULT_DISK_BYTES = 2 * 2**30
DATABASE_NAME = "renderings.sqlite"

_log = logging.getLogger(__name__)

# Python object overhead of one memory entry, counted against the byte bound.
_ENTRY_OVERHEAD = 512
_SCHEMA_VERSION = 1
_MAGIC = b"CWR1"
_HEADER = struct.Struct("<4sII")  # magic, crc32 of the rest, metadata length
_WRITE_BATCH = 256


def default_cache_dir() -> Path:
    """``$COCOWIDGET_CACHE_DIR`` if set, else ``~/.cache/cocowidget``."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "cocowidget"


class MemoryCache:
    """A thread-safe LRU of renderings, bounded by the bytes it holds."""

    def __init__(self, max_bytes: int = DEFAULT_MEMORY_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, not {max_bytes}")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], Thumbnail] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._nbytes

    def get(self, identity: FileIdentity, spec: RenderSpec) -> Thumbnail | None:
        key = (identity.path, spec.cache_key)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.file != identity:
                self._remove(key)  # the file changed: this rendering is stale
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, spec: RenderSpec, thumbnail: Thumbnail) -> None:
        """Keep ``thumbnail`` (ignored if it has no file identity or exceeds the bound)."""
        if thumbnail.file is None:
            return
        size = _memory_size(thumbnail)
        if size > self.max_bytes:
            return
        key = (thumbnail.file.path, spec.cache_key)
        with self._lock:
            if key in self._entries:
                self._remove(key)
            self._entries[key] = thumbnail
            self._nbytes += size
            while self._nbytes > self.max_bytes:
                self._remove(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._nbytes = 0

    def _remove(self, key: tuple[str, str]) -> None:
        self._nbytes -= _memory_size(self._entries.pop(key))


class DiskCache:
    """Renderings in one SQLite file; safe to share between threads.

    Writes are behind: :meth:`put` queues the entry (visible to :meth:`get` at once) and a
    writer thread stores queued entries in one transaction per batch, which costs a small
    fraction of a transaction per entry and keeps SQLite off the rendering threads.
    :meth:`flush` waits for the queue; :meth:`close` and interpreter exit flush it.
    """

    def __init__(self, directory: str | os.PathLike[str], *, max_bytes: int = DEFAULT_DISK_BYTES):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, not {max_bytes}")
        self.directory = Path(directory).expanduser()
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._connection = _open_database(self.directory / DATABASE_NAME)
        self._nbytes = self._stored_bytes()
        self._pending: dict[tuple[str, str], Thumbnail] = {}
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        atexit.register(_flush_at_exit, weakref.ref(self))

    @property
    def path(self) -> Path:
        return self.directory / DATABASE_NAME

    @property
    def nbytes(self) -> int:
        """Bytes stored (after pending writes)."""
        self.flush()
        return self._nbytes

    def __len__(self) -> int:
        self.flush()
        with self._lock:
            row = self._connection.execute("SELECT count(*) FROM renderings").fetchone()
        return int(row[0])

    def get(self, identity: FileIdentity, spec: RenderSpec) -> Thumbnail | None:
        key = (identity.path, spec.cache_key)
        try:
            with self._lock:
                pending = self._pending.get(key)
                if pending is not None:
                    return pending if pending.file == identity else None
                row = self._connection.execute(
                    "SELECT size, mtime_ns, payload FROM renderings WHERE path = ? AND params = ?",
                    key,
                ).fetchone()
        except sqlite3.Error as error:
            _log.warning("thumbnail cache read failed: %s", error)
            return None
        if row is None or (row[0], row[1]) != (identity.size, identity.mtime_ns):
            return None
        thumbnail = _decode_payload(row[2], identity)
        if thumbnail is None:
            _log.info("ignoring a corrupt thumbnail cache entry for %s", identity.path)
        return thumbnail

    def put(self, spec: RenderSpec, thumbnail: Thumbnail) -> None:
        """Queue ``thumbnail`` for storing (ignored if it has no file identity)."""
        if thumbnail.file is None:
            return
        key = (thumbnail.file.path, spec.cache_key)
        with self._lock:
            self._pending[key] = thumbnail
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_queued, name="cocowidget-cache-writer", daemon=True
                )
                self._writer.start()
        self._queue.put(key)

    def flush(self) -> None:
        """Wait until every queued entry is stored."""
        self._queue.join()

    def clear(self) -> None:
        self.flush()
        with self._lock:
            self._connection.execute("DELETE FROM renderings")
            self._nbytes = 0

    def close(self) -> None:
        self.flush()
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join()
        with self._lock:
            self._connection.close()

    # -- writer thread ---------------------------------------------------------------------
    def _write_queued(self) -> None:
        while True:
            keys = [self._queue.get()]
            while len(keys) < _WRITE_BATCH:  # take whatever else is waiting
                try:
                    keys.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._store([key for key in keys if key is not None])
            except Exception:
                # Whatever went wrong, the thread must live on, or flush() would hang.
                _log.exception("thumbnail cache writer failed")
            finally:
                for _ in keys:
                    self._queue.task_done()
            if None in keys:
                return

    def _store(self, keys: list[tuple[str, str]]) -> None:
        with self._lock:
            thumbnails = {key: self._pending[key] for key in keys if key in self._pending}
        rows = [
            (path, params, thumbnail.file.size, thumbnail.file.mtime_ns, _encode_payload(thumbnail))
            for (path, params), thumbnail in thumbnails.items()
            if thumbnail.file is not None
        ]
        try:
            with self._lock, _transaction(self._connection):  # one for the whole batch
                self._connection.executemany(
                    "INSERT OR REPLACE INTO renderings"
                    " (path, params, size, mtime_ns, nbytes, payload)"
                    " VALUES (?1, ?2, ?3, ?4, length(?5), ?5)",
                    rows,
                )
                self._nbytes += sum(len(row[4]) for row in rows)
                if self._nbytes > self.max_bytes:
                    self._evict()
        except sqlite3.Error as error:
            _log.warning("thumbnail cache write failed: %s", error)
        finally:
            with self._lock:
                for key, thumbnail in thumbnails.items():
                    if self._pending.get(key) is thumbnail:  # not replaced meanwhile
                        del self._pending[key]

    def _stored_bytes(self) -> int:
        row = self._connection.execute("SELECT total(nbytes) FROM renderings").fetchone()
        return int(row[0])

    def _evict(self) -> None:
        # Other processes may write too, so count afresh before deciding what to drop.
        self._nbytes = self._stored_bytes()
        excess = self._nbytes - int(self.max_bytes * 0.9)
        if excess <= 0:
            return
        last_rowid = None
        freed = 0
        for rowid, nbytes in self._connection.execute(
            "SELECT rowid, nbytes FROM renderings ORDER BY rowid"
        ):
            last_rowid, freed = rowid, freed + nbytes
            if freed >= excess:
                break
        if last_rowid is not None:
            self._connection.execute("DELETE FROM renderings WHERE rowid <= ?", (last_rowid,))
        self._nbytes = self._stored_bytes()


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    # The connection is in autocommit mode (isolation_level=None): transactions are explicit.
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _flush_at_exit(cache: weakref.ref[DiskCache]) -> None:
    alive = cache()
    if alive is not None:
        alive.flush()


class ThumbnailCache:
    """A memory tier in front of a disk tier; either may be absent."""

    def __init__(self, memory: MemoryCache | None, disk: DiskCache | None) -> None:
        self.memory = memory
        self.disk = disk

    @classmethod
    def default(
        cls,
        directory: str | os.PathLike[str] | None = None,
        *,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        disk_bytes: int = DEFAULT_DISK_BYTES,
    ) -> ThumbnailCache:
        """Memory and disk tiers, the disk one in ``directory`` or :func:`default_cache_dir`.

        If the disk cache cannot be opened, warns and keeps the memory tier only.
        """
        location = Path(directory) if directory is not None else default_cache_dir()
        try:
            disk: DiskCache | None = DiskCache(location, max_bytes=disk_bytes)
        except (OSError, sqlite3.Error) as error:
            warnings.warn(
                f"thumbnail disk cache unavailable at {location} ({error}); caching in memory only",
                RuntimeWarning,
                stacklevel=2,
            )
            disk = None
        return cls(MemoryCache(memory_bytes), disk)

    @classmethod
    def shared(cls) -> ThumbnailCache:
        """One :meth:`default` cache for the whole process, created on first use.

        Services without a cache of their own use it, so two grids over the same images
        share their warm thumbnails and one memory bound.
        """
        global _shared_cache
        with _shared_cache_lock:
            if _shared_cache is None:
                _shared_cache = cls.default()
            return _shared_cache

    @classmethod
    def memory_only(cls, memory_bytes: int = DEFAULT_MEMORY_BYTES) -> ThumbnailCache:
        return cls(MemoryCache(memory_bytes), None)

    @classmethod
    def disabled(cls) -> ThumbnailCache:
        """No caching at all: every request renders."""
        return cls(None, None)


_shared_cache: ThumbnailCache | None = None
_shared_cache_lock = threading.Lock()


# -- SQLite ------------------------------------------------------------------------------
_SCHEMA = """
CREATE TABLE IF NOT EXISTS renderings (
    path TEXT NOT NULL,
    params TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    nbytes INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (path, params)
)
"""


def _open_database(path: Path) -> sqlite3.Connection:
    try:
        return _connect(path)
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            raise
        # Not a database (or damaged beyond use): keep it for inspection, start afresh.
        aside = path.with_name(f"{path.name}.corrupt-{time.time_ns()}")
        _log.warning("thumbnail cache %s is unreadable (%s); moved to %s", path, error, aside)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").rename(f"{aside}{suffix}")
        return _connect(path)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        # 16 KiB pages hold a thumbnail in one or two pages instead of four: measured, that
        # makes batched writes 2-3 times and reads up to 2 times faster, for ~15 % more disk.
        connection.execute("PRAGMA page_size=16384")  # only takes effect on a new file
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version != _SCHEMA_VERSION:
            connection.execute("DROP TABLE IF EXISTS renderings")
            connection.execute(_SCHEMA)
            connection.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


# -- payload -----------------------------------------------------------------------------
def _encode_payload(thumbnail: Thumbnail) -> bytes:
    stats = thumbnail.statistics
    meta = json.dumps(
        {
            "width": thumbnail.width,
            "height": thumbnail.height,
            "original": [thumbnail.original_width, thumbnail.original_height],
            "region": list(thumbnail.region) if thumbnail.region else None,
            "statistics": [stats.brightness, stats.contrast, stats.sharpness] if stats else None,
            "error": thumbnail.error,
            "mime": thumbnail.mime,
            "has_data": thumbnail.data is not None,
        },
        separators=(",", ":"),
    ).encode()
    body = meta + (thumbnail.data or b"")
    return _HEADER.pack(_MAGIC, zlib.crc32(body), len(meta)) + body


def _decode_payload(payload: bytes, identity: FileIdentity) -> Thumbnail | None:
    try:
        magic, checksum, meta_length = _HEADER.unpack_from(payload)
        body = memoryview(payload)[_HEADER.size :]
        if magic != _MAGIC or zlib.crc32(body) != checksum:
            return None
        meta = json.loads(bytes(body[:meta_length]))
        stats = meta["statistics"]
        region = meta["region"]
        return Thumbnail(
            data=bytes(body[meta_length:]) if meta["has_data"] else None,
            width=int(meta["width"]),
            height=int(meta["height"]),
            original_width=int(meta["original"][0]),
            original_height=int(meta["original"][1]),
            region=(int(region[0]), int(region[1]), int(region[2]), int(region[3]))
            if region
            else None,
            statistics=PixelStatistics(*map(float, stats)) if stats else None,
            error=meta["error"],
            file=identity,
            mime=str(meta["mime"]),
        )
    except (struct.error, ValueError, KeyError, TypeError, IndexError):
        return None


def _memory_size(thumbnail: Thumbnail) -> int:
    return len(thumbnail.data or b"") + _ENTRY_OVERHEAD
