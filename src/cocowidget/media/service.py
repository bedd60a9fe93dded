"""Render thumbnails, previews and zoomed regions in the background, through a cache.

``ThumbnailService`` is what the widgets use::

    service = ThumbnailService(image_dir="coco/val2017")
    future = service.submit("000000000139.jpg")          # Future[Thumbnail]
    for index, thumb in service.thumbnails(names, as_completed=True): ...
    with service.batch():                                  # a screenful at once
        futures = [service.submit(name) for name in names]
    service.cancel_pending()                               # the user scrolled on

Requests whose file is unchanged (one ``stat``: same size and mtime) are answered at
once, in the calling thread, from the memory LRU or else the disk cache (a few
microseconds each). Only the rest go to the executor, which runs
:func:`~cocowidget.media.thumbnail.render_file` (or, for thumbnails submitted inside
:meth:`ThumbnailService.batch`, :func:`~cocowidget.media.thumbnail.render_files` on a few
files per task) and nothing else; results are stored in both tiers as they complete.
Only thumbnails go to the disk cache; previews and regions (ten times larger, requested
one at a time) stay in memory, and run on a thread of their own, so that a hover preview
never waits behind a batch of thumbnails.

The default executor, shared by all services, runs on threads while worker processes
start and on the processes from then on (:mod:`cocowidget.media.executors` says why).
Any ``concurrent.futures.Executor`` may be passed instead, a thread pool, a process pool
(``executors.process_executor()``) or a distributed one: the work function is top-level,
its arguments are a path (or a list of paths) and a
:class:`~cocowidget.media.thumbnail.RenderSpec`, its result a ``Thumbnail`` (or a list),
all picklable, and workers never touch the cache. ``close()``
shuts down no executor. If an executor fails a task or refuses it (a crashed worker
process, a lost remote worker), the future still resolves to a placeholder ``Thumbnail``
whose ``error`` says so.

Futures not yet started can be cancelled, one by one (``future.cancel()``) or all at once
(:meth:`ThumbnailService.cancel_pending`). A bad file never raises: its future's result
is a :class:`~cocowidget.media.thumbnail.Thumbnail` with ``error`` set. With
``image_dir`` set, names are resolved inside it and a name that escapes it is reported
("unsafe path: ...") without being read.

Over 400 lines because its scheduling (batches, priorities, cancellation, the shared
executor) is the state of one lock; split, the invariants would span modules.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import TracebackType

from cocowidget.media.cache import ThumbnailCache
from cocowidget.media.decode import DEFAULT_MAX_PIXELS, FileIdentity
from cocowidget.media.executors import default_worker_count, shared_executor
from cocowidget.media.paths import UnsafePathError, resolve_image_path
from cocowidget.media.thumbnail import (
    FULL_RESOLUTION_SIDE,
    PREVIEW_MIN_SIDE,
    PREVIEW_QUALITY,
    PREVIEW_SIDE,
    THUMBNAIL_QUALITY,
    THUMBNAIL_SIDE,
    RenderSpec,
    Thumbnail,
    enclosing_box,
    render_file,
    render_files,
)

__all__ = ["ThumbnailService"]

_log = logging.getLogger(__name__)

# Files per executor task inside batch(): measured with two worker processes on 600
# COCO-like JPEGs, 4 per task rendered 470 images/s against 406 at one per task; more
# per task gains nothing and delays the first results.
_MAX_FILES_PER_TASK = 4

PathLike = str | os.PathLike[str]


class ThumbnailService:
    """Background rendering of thumbnails, previews and regions, with caching.

    ``cache``: a :class:`ThumbnailCache`; ``None`` means ``ThumbnailCache.shared()``
    (memory + disk at the default location, one for the process);
    ``ThumbnailCache.disabled()`` turns caching off. ``executor``: any
    ``concurrent.futures.Executor``; ``None`` means the executor shared by all services
    (:func:`~cocowidget.media.executors.shared_executor`). ``max_side``/``quality``: the
    thumbnails'; ``preview_side``: the previews' and regions' largest long side.
    ``image_dir``: resolve relative names inside it, refusing escapes unless
    ``allow_outside``. ``max_pixels``: larger images are refused as decompression bombs.
    """

    def __init__(
        self,
        cache: ThumbnailCache | None = None,
        executor: Executor | None = None,
        *,
        max_side: int = THUMBNAIL_SIDE,
        quality: int = THUMBNAIL_QUALITY,
        preview_side: int = PREVIEW_SIDE,
        image_dir: PathLike | None = None,
        allow_outside: bool = False,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.cache = cache if cache is not None else ThumbnailCache.shared()
        self._executor = executor
        self._closed = False
        # Previews and regions answer a pointer at rest: they get their own thread so they
        # never queue behind a batch of thumbnails.
        self._interactive = ThreadPoolExecutor(1, thread_name_prefix="cocowidget-preview")
        self.image_dir = image_dir
        self.allow_outside = allow_outside
        self._thumbnail = RenderSpec("thumbnail", max_side, quality, max_pixels=max_pixels)
        self._preview = RenderSpec(
            "preview",
            preview_side,
            PREVIEW_QUALITY,
            max_pixels=max_pixels,
            min_side=min(PREVIEW_MIN_SIDE, preview_side),
        )
        self._pending: set[Future[Thumbnail]] = set()
        self._lock = threading.Lock()
        self._batching = threading.local()

    @property
    def executor(self) -> Executor:
        """The executor renderings run on; the shared default is only created (and its
        worker processes started) when the first rendering is asked for, so a grid that no
        front end displays, in a script, starts nothing."""
        if self._executor is None:
            self._executor = shared_executor()
        return self._executor

    @property
    def max_side(self) -> int:
        return self._thumbnail.max_side

    # -- requests --------------------------------------------------------------------------
    def submit(self, file: PathLike, *, max_side: int | None = None) -> Future[Thumbnail]:
        """A thumbnail of ``file`` (long side ``max_side``, default the service's)."""
        return self._submit(file, self._thumbnail_spec(max_side))

    def submit_preview(self, file: PathLike, *, max_side: int | None = None) -> Future[Thumbnail]:
        """A hover-zoom preview of ``file`` from the original (never upscaled)."""
        spec = self._preview
        if max_side is not None and max_side != spec.max_side:
            spec = replace(spec, max_side=max_side, min_side=min(PREVIEW_MIN_SIDE, max_side))
        return self._submit(file, spec)

    def submit_full(self, file: PathLike) -> Future[Thumbnail]:
        """``file`` at its own resolution (long side at most
        :data:`~cocowidget.media.thumbnail.FULL_RESOLUTION_SIDE`), for zooming in."""
        side = FULL_RESOLUTION_SIDE
        return self._submit(file, replace(self._preview, max_side=side, min_side=side))

    def submit_region(
        self,
        file: PathLike,
        box: tuple[float, float, float, float],
        *,
        max_side: int | None = None,
    ) -> Future[Thumbnail]:
        """``box`` (oriented original pixels) of ``file``, up to full resolution.

        Raises ``ValueError`` at once for an empty box.
        """
        return self._submit(file, self._region_spec(box, max_side))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Thumbnails submitted in this block (from this thread) that need rendering go to
        the executor when it ends, a few files per task rather than one, which renders
        a screenful faster. Their futures resolve only after the block: do not wait on
        them inside it."""
        if getattr(self._batching, "queued", None) is not None:  # nested: the outer sends
            yield
            return
        queued: list[tuple[str, RenderSpec, Future[Thumbnail]]] = []
        self._batching.queued = queued
        try:
            yield
        finally:
            self._batching.queued = None
            self._send_queued(queued)

    def cached(
        self,
        file: PathLike,
        *,
        max_side: int | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> Thumbnail | None:
        """What :meth:`submit` (or :meth:`submit_region`, given ``box``) would give, if it
        is cached (``None`` if not). It never renders, so it answers at once: a grid puts
        its first screen in its initial state this way, sparing a round trip."""
        spec = self._thumbnail_spec(max_side) if box is None else self._region_spec(box, max_side)
        try:
            path = self._locate(file)
        except UnsafePathError as error:
            return Thumbnail.failed(f"unsafe path: {error}")
        return self._cached(path, spec)

    def thumbnails(
        self, files: Iterable[PathLike], *, as_completed: bool = False
    ) -> Generator[tuple[int, Thumbnail], None, None]:
        """``(index, thumbnail)`` for each of ``files``: in order, or as each completes.

        Stopping the iteration early cancels the renderings not yet started.
        """
        with self.batch():
            futures = [self.submit(file) for file in files]
        try:
            if as_completed:
                index = {future: i for i, future in enumerate(futures)}
                for future in concurrent.futures.as_completed(futures):
                    yield index[future], future.result()
            else:
                for i, future in enumerate(futures):
                    yield i, future.result()
        finally:
            for future in futures:
                future.cancel()

    def cancel_pending(self) -> int:
        """Cancel every request not yet started; returns how many were cancelled."""
        with self._lock:
            pending = list(self._pending)
        return sum(future.cancel() for future in pending)

    # -- lifetime --------------------------------------------------------------------------
    def close(self, *, wait: bool = True) -> None:
        """Cancel pending requests and stop the preview thread; later requests raise.

        Neither a passed executor nor the shared default one is shut down.
        """
        self._closed = True
        self.cancel_pending()
        self._interactive.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> ThumbnailService:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------
    def _thumbnail_spec(self, max_side: int | None) -> RenderSpec:
        spec = self._thumbnail
        if max_side is not None and max_side != spec.max_side:
            spec = replace(spec, max_side=max_side)
        return spec

    def _region_spec(
        self, box: tuple[float, float, float, float], max_side: int | None
    ) -> RenderSpec:
        spec = replace(self._preview, kind="region", box=enclosing_box(box))
        if max_side is not None:
            spec = replace(spec, max_side=max_side, min_side=min(PREVIEW_MIN_SIDE, max_side))
        return spec

    def _submit(self, file: PathLike, spec: RenderSpec) -> Future[Thumbnail]:
        if self._closed:
            raise RuntimeError("this ThumbnailService is closed")
        try:
            path = self._locate(file)
        except UnsafePathError as error:
            return _resolved(Thumbnail.failed(f"unsafe path: {error}"))
        cached = self._cached(path, spec)
        if cached is not None:
            return _resolved(cached)
        if spec.kind == "thumbnail":
            inner = self._submit_to_pool(path, spec)
        else:
            inner = self._interactive.submit(render_file, path, spec)
        future = _RenderFuture(inner, partial(self._store, spec))
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _cached(self, path: str, spec: RenderSpec) -> Thumbnail | None:
        memory, disk = self.cache.memory, self.cache.disk
        if memory is None and disk is None:
            return None
        identity = _identity(path)
        if identity is None:
            return None  # missing or unreadable: the renderer says why
        if memory is not None:
            cached = memory.get(identity, spec)
            if cached is not None:
                return cached
        if disk is not None and spec.kind == "thumbnail":
            cached = disk.get(identity, spec)
            if cached is not None and memory is not None:
                memory.put(spec, cached)
            return cached
        return None

    def _submit_to_pool(self, path: str, spec: RenderSpec) -> Future[Thumbnail]:
        queued = getattr(self._batching, "queued", None)
        if queued is not None:
            future: Future[Thumbnail] = Future()
            queued.append((path, spec, future))
            return future
        try:
            return self.executor.submit(render_file, path, spec)
        # A process pool whose worker died, or a user's executor shut down (RuntimeError).
        except (BrokenExecutor, RuntimeError) as error:
            return _resolved(Thumbnail.failed(f"rendering failed ({type(error).__name__})"))

    def _send_queued(self, queued: list[tuple[str, RenderSpec, Future[Thumbnail]]]) -> None:
        by_spec: dict[RenderSpec, list[tuple[str, Future[Thumbnail]]]] = {}
        for path, spec, future in queued:
            by_spec.setdefault(spec, []).append((path, future))
        for spec, items in by_spec.items():
            size = max(1, min(_MAX_FILES_PER_TASK, len(items) // (2 * default_worker_count())))
            for start in range(0, len(items), size):
                _Task.send(self.executor, spec, items[start : start + size])

    def _store(self, spec: RenderSpec, thumbnail: Thumbnail) -> None:
        if self.cache.memory is not None:
            self.cache.memory.put(spec, thumbnail)
        if self.cache.disk is not None and spec.kind == "thumbnail":
            self.cache.disk.put(spec, thumbnail)

    def _forget(self, future: Future[Thumbnail]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _locate(self, file: PathLike) -> str:
        if self.image_dir is None:
            return os.fspath(Path(file).resolve())
        return os.fspath(resolve_image_path(self.image_dir, file, allow_outside=self.allow_outside))


class _RenderFuture(Future[Thumbnail]):
    """The future of a rendering on an executor, whose failure is a placeholder too.

    An executor can fail a task without running it (a crashed worker process, a lost
    distributed worker); the widget must still get a :class:`Thumbnail` with a reason.
    ``store`` sees the result before anyone waiting on the future does, so a request
    made right after a result arrives is answered from the cache. Cancelling cancels
    the task if it has not started.
    """

    def __init__(self, inner: Future[Thumbnail], store: Callable[[Thumbnail], None]) -> None:
        super().__init__()
        self._inner = inner
        self._store = store
        inner.add_done_callback(self._forward)

    def cancel(self) -> bool:
        return self._inner.cancel() and super().cancel()

    def running(self) -> bool:
        return self._inner.running()

    def _forward(self, inner: Future[Thumbnail]) -> None:
        if inner.cancelled():
            super().cancel()
            return
        if not self.set_running_or_notify_cancel():
            return
        error = inner.exception()
        if error is None:
            thumbnail = inner.result()
            try:
                self._store(thumbnail)
            except Exception:  # a cache failure must not leave the caller waiting forever
                _log.exception("could not cache a rendering of %s", thumbnail.file)
        else:
            thumbnail = Thumbnail.failed(f"rendering failed ({type(error).__name__}: {error})")
        self.set_result(thumbnail)


class _Task:
    """One executor task rendering several files, each with a future of its own.

    A file's future is cancelled alone; the task is cancelled once all of them are (if
    it has not started)."""

    @classmethod
    def send(
        cls, executor: Executor, spec: RenderSpec, items: list[tuple[str, Future[Thumbnail]]]
    ) -> None:
        futures = [future for _, future in items]
        try:
            task = executor.submit(render_files, [path for path, _ in items], spec)
        # A process pool whose worker died, or a user's executor shut down (RuntimeError).
        except (BrokenExecutor, RuntimeError) as error:
            for future in futures:
                if future.set_running_or_notify_cancel():
                    future.set_exception(error)
            return
        cls(task, futures)

    def __init__(self, task: Future[list[Thumbnail]], futures: list[Future[Thumbnail]]) -> None:
        self._task = task
        self._futures = futures
        for future in futures:
            future.add_done_callback(self._on_file_done)
        task.add_done_callback(self._on_task_done)

    def _on_file_done(self, future: Future[Thumbnail]) -> None:
        if future.cancelled() and all(f.cancelled() for f in self._futures):
            self._task.cancel()

    def _on_task_done(self, task: Future[list[Thumbnail]]) -> None:
        if task.cancelled():  # all files' futures were, or the executor shut down
            for future in self._futures:
                future.cancel()
            return
        error = task.exception()
        for i, future in enumerate(self._futures):
            if not future.set_running_or_notify_cancel():
                continue
            if error is None:
                future.set_result(task.result()[i])
            else:
                future.set_exception(error)


def _identity(path: str) -> FileIdentity | None:
    try:
        status = Path(path).stat()
    except OSError:
        return None
    return FileIdentity(path, status.st_size, status.st_mtime_ns)


def _resolved(thumbnail: Thumbnail) -> Future[Thumbnail]:
    future: Future[Thumbnail] = Future()
    future.set_result(thumbnail)
    return future
