"""ThumbnailService: ordering, caching tiers, cancellation, safety, thread and process pools."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

import pytest

from cocowidget.media import service as service_module
from cocowidget.media.cache import DiskCache, MemoryCache, ThumbnailCache
from cocowidget.media.executors import (
    ProcessesWhenReady,
    process_executor,
    shared_executor,
    thread_executor,
)
from cocowidget.media.service import ThumbnailService
from cocowidget.media.thumbnail import render_file, render_thumbnail

from .images import noise_rgb, save

T = TypeVar("T")


@pytest.fixture
def images(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "images"
    folder.mkdir()
    return [save(noise_rgb(64 + 8 * i, 48, seed=i), folder / f"{i}.jpg") for i in range(8)]


@pytest.fixture
def cache(tmp_path: Path) -> ThumbnailCache:
    return ThumbnailCache(MemoryCache(), DiskCache(tmp_path / "cache"))


@pytest.fixture
def threads() -> Iterator[ThreadPoolExecutor]:
    """Most tests run in-process (fast to start; monkeypatching reaches the work)."""
    with thread_executor(2) as executor:
        yield executor


@pytest.fixture
def blocked_executor() -> Iterator[tuple[ThreadPoolExecutor, threading.Event]]:
    """A one-thread pool whose thread is busy until the event is set."""
    release = threading.Event()
    started = threading.Event()
    executor = ThreadPoolExecutor(1)

    def block() -> None:
        started.set()
        release.wait(10)

    executor.submit(block)
    started.wait(10)
    yield executor, release
    release.set()
    executor.shutdown(wait=True)


def test_results_in_order_match_direct_rendering(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    with ThumbnailService(cache, threads) as service:
        results = list(service.thumbnails(images))
    assert [index for index, _ in results] == list(range(len(images)))
    for (_, thumb), path in zip(results, images, strict=True):
        direct = render_thumbnail(path)
        assert thumb.data == direct.data and thumb.statistics == direct.statistics


def test_as_completed_yields_each_index_once(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    with ThumbnailService(cache, threads) as service:
        results = dict(service.thumbnails(images, as_completed=True))
    assert sorted(results) == list(range(len(images)))
    assert all(thumb.width == 64 + 8 * i for i, thumb in results.items())


def test_memory_hit_is_answered_at_once(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    with ThumbnailService(cache, threads) as service:
        first = service.submit(images[0]).result()
        again = service.submit(images[0])
        assert again.done()
        assert again.result() is first


def test_disk_hit_does_not_render(
    images: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: ThreadPoolExecutor
) -> None:
    disk = DiskCache(tmp_path / "cache")
    with ThumbnailService(ThumbnailCache(None, disk), threads) as service:
        first = [service.submit(p).result() for p in images]
    assert len(disk) == len(images)

    def no_rendering(*args: object) -> None:
        raise AssertionError("rendered although cached")

    monkeypatch.setattr(service_module, "render_file", no_rendering)
    with ThumbnailService(ThumbnailCache(MemoryCache(), disk), threads) as service:
        futures = [service.submit(p) for p in images]
        assert all(future.done() for future in futures)  # answered in the calling thread
        assert [future.result() for future in futures] == first


def test_a_changed_file_is_rendered_again(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    path = images[0]
    with ThumbnailService(cache, threads) as service:
        before = service.submit(path).result()
        save(noise_rgb(30, 20), path)
        assert before.file is not None
        os.utime(path, ns=(before.file.mtime_ns + 10**9,) * 2)
        after = service.submit(path).result()
    assert (before.width, after.width) == (64, 30)


def test_previews_and_regions_stay_out_of_the_disk_cache(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    assert cache.disk is not None
    with ThumbnailService(cache, threads) as service:
        preview = service.submit_preview(images[1]).result()
        region = service.submit_region(images[1], (0.5, 0, 10, 9.2)).result()
        assert service.submit_preview(images[1]).done()  # but memory has them
    assert (preview.width, preview.height) == (72, 48)
    assert region.region == (0, 0, 10, 10)
    assert len(cache.disk) == 0


def test_thumbnail_size_per_request(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    with ThumbnailService(cache, threads, max_side=32) as service:
        assert service.submit(images[0]).result().width == 32
        assert service.submit(images[0], max_side=16).result().width == 16


def test_zooming_in_gets_the_originals_pixels(
    tmp_path: Path, cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    large = save(noise_rgb(2400, 1800, seed=1), tmp_path / "large.jpg")
    small = save(noise_rgb(640, 480, seed=2), tmp_path / "small.jpg")
    with ThumbnailService(cache, threads) as service:
        preview = service.submit_preview(large).result()
        full = service.submit_full(large).result()
        assert 800 <= max(preview.width, preview.height) <= 1024
        assert (full.width, full.height) == (2400, 1800)
        # Never upscaled: a small original is its own preview and its own full image.
        assert (service.submit_full(small).result().width, full.original_width) == (640, 2400)


def test_bad_files_give_placeholders(
    tmp_path: Path, cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    with ThumbnailService(cache, threads) as service:
        missing = service.submit(tmp_path / "missing.jpg").result()
        empty = service.submit(tmp_path / "empty.jpg").result()
    assert (missing.error, empty.error) == ("file not found", "zero-byte file")


def test_names_are_kept_inside_the_image_dir(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    with ThumbnailService(cache, threads, image_dir=images[0].parent) as service:
        assert service.submit("0.jpg").result().error is None
        escaped = service.submit("../../../../etc/passwd").result()
        absolute = service.submit("/etc/passwd").result()
    assert escaped.error is not None and escaped.error.startswith("unsafe path")
    assert absolute.error is not None and absolute.error.startswith("unsafe path")
    assert escaped.file is None  # never opened


def test_allow_outside(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    other = images[0].parent.parent / "outside.jpg"
    save(noise_rgb(20, 10), other)
    with ThumbnailService(
        cache, threads, image_dir=images[0].parent, allow_outside=True
    ) as service:
        assert service.submit("../outside.jpg").result().width == 20


def test_cancel_pending(
    images: list[Path],
    cache: ThumbnailCache,
    blocked_executor: tuple[ThreadPoolExecutor, threading.Event],
) -> None:
    executor, release = blocked_executor
    service = ThumbnailService(cache, executor)
    futures = [service.submit(p) for p in images]
    assert not any(f.done() for f in futures)
    assert service.cancel_pending() == len(images)
    assert all(f.cancelled() for f in futures)
    release.set()
    again = service.submit(images[0])
    assert again.result(timeout=10).error is None
    assert service.cancel_pending() == 0


def test_a_single_future_can_be_cancelled(
    images: list[Path],
    cache: ThumbnailCache,
    blocked_executor: tuple[ThreadPoolExecutor, threading.Event],
) -> None:
    executor, release = blocked_executor
    service = ThumbnailService(cache, executor)
    first, second = service.submit(images[0]), service.submit(images[1])
    assert second.cancel()
    release.set()
    assert first.result(timeout=10).error is None
    assert second.cancelled()


def test_stopping_the_iteration_cancels_what_has_not_started(
    images: list[Path],
    cache: ThumbnailCache,
    blocked_executor: tuple[ThreadPoolExecutor, threading.Event],
    threads: ThreadPoolExecutor,
) -> None:
    with ThumbnailService(cache, threads) as warm_up:
        warm_up.submit(images[0]).result()  # the first answer will come from memory
    executor, _release = blocked_executor
    service = ThumbnailService(cache, executor)
    iterator = service.thumbnails(images)
    index, thumb = next(iterator)
    assert index == 0 and thumb.error is None
    assert len(service._pending) == len(images) - 1  # the rest wait for the blocked pool
    pending = list(service._pending)
    iterator.close()
    assert all(future.cancelled() for future in pending)
    assert service.cancel_pending() == 0


def test_a_passed_executor_is_not_shut_down(images: list[Path], cache: ThumbnailCache) -> None:
    with ThreadPoolExecutor(2) as executor:
        with ThumbnailService(cache, executor) as service:
            service.submit(images[0]).result()
        assert executor.submit(lambda: 42).result() == 42


def test_a_closed_service_refuses_requests_and_leaves_executors_running(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    service = ThumbnailService(cache, threads)
    service.close()
    with pytest.raises(RuntimeError, match="closed"):
        service.submit(images[0])
    assert threads.submit(abs, -3).result() == 3


def test_default_executor_is_shared_and_moves_to_processes(
    images: list[Path], cache: ThumbnailCache
) -> None:
    with ThumbnailService(cache) as service, ThumbnailService(cache) as other:
        assert other.executor is service.executor is shared_executor()
        executor = service.executor
        assert isinstance(executor, ProcessesWhenReady)
        assert executor.wait_until_ready(timeout=60)
        assert executor.submit(os.getpid).result(timeout=60) != os.getpid()
        assert service.submit(images[0]).result(timeout=60).error is None


class StubPool(Executor):
    """Records what it runs; its first task (the readiness ping) waits to be answered."""

    def __init__(self) -> None:
        self.ran: list[object] = []
        self.ping: Future[int] | None = None
        self.broken = False

    def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
        if self.broken:
            raise BrokenProcessPool("a worker died")
        future: Future[T] = Future()
        if self.ping is None:
            self.ping = future  # type: ignore[assignment]
            return future
        self.ran.append(fn)
        future.set_result(fn(*args, **kwargs))
        return future


def test_tasks_run_on_threads_until_the_processes_answer(threads: ThreadPoolExecutor) -> None:
    processes = StubPool()
    executor = ProcessesWhenReady(threads, processes)
    assert not executor.on_processes
    assert executor.submit(threading.get_ident).result() != threading.get_ident()
    assert processes.ran == []
    assert processes.ping is not None
    processes.ping.set_result(1234)
    assert executor.on_processes and executor.wait_until_ready(0)
    assert executor.submit(abs, -5).result() == 5
    assert processes.ran == [abs]


def test_a_broken_process_pool_leaves_the_threads(threads: ThreadPoolExecutor) -> None:
    processes = StubPool()
    executor = ProcessesWhenReady(threads, processes)
    assert processes.ping is not None
    processes.ping.set_result(1234)
    processes.broken = True
    assert executor.submit(abs, -7).result() == 7  # ran on a thread instead
    assert not executor.on_processes and not executor.wait_until_ready(0)
    processes.broken = False
    executor.submit(abs, -1).result()
    assert processes.ran == []  # for good


def test_processes_that_never_start_leave_the_threads(threads: ThreadPoolExecutor) -> None:
    processes = StubPool()
    executor = ProcessesWhenReady(threads, processes)
    assert processes.ping is not None
    processes.ping.set_exception(OSError("cannot fork"))
    assert not executor.wait_until_ready(0)
    assert executor.submit(abs, -2).result() == 2 and processes.ran == []


@pytest.fixture
def processes() -> Iterator[ProcessPoolExecutor]:
    with process_executor(2) as executor:
        yield executor


def test_a_process_pool_renders_the_same(
    images: list[Path],
    cache: ThumbnailCache,
    threads: ThreadPoolExecutor,
    processes: ProcessPoolExecutor,
) -> None:
    with ThumbnailService(cache, processes) as service:
        in_processes = [thumb for _, thumb in service.thumbnails(images)]
        assert service.submit(images[0]).done()  # results reached the memory LRU
    assert cache.disk is not None and len(cache.disk) == len(images)
    with ThumbnailService(ThumbnailCache.disabled(), threads) as in_process:
        in_threads = [thumb for _, thumb in in_process.thumbnails(images)]
    assert in_processes == in_threads


def test_a_broken_process_pool_gives_placeholders(images: list[Path]) -> None:
    with process_executor(1) as pool, ThumbnailService(ThumbnailCache.disabled(), pool) as service:
        crash = pool.submit(os._exit, 1)  # the worker dies; the pool breaks
        with pytest.raises(BrokenProcessPool):
            crash.result(timeout=60)
        thumb = service.submit(images[1]).result(timeout=60)
    assert thumb.error == "rendering failed (BrokenProcessPool)"


def ignores_interrupts(pid: int) -> bool:
    """Whether process ``pid`` ignores SIGINT (Linux: the SigIgn mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_worker_processes_survive_an_interrupt(
    images: list[Path], processes: ProcessPoolExecutor
) -> None:
    with ThumbnailService(ThumbnailCache.disabled(), processes) as service:
        assert service.submit(images[0]).result(timeout=60).error is None
        workers = getattr(processes, "_processes", None)
        if not workers:
            pytest.skip("this Python's ProcessPoolExecutor does not expose its workers")
        pids = set(workers)
        deadline = time.monotonic() + 60
        while not all(ignores_interrupts(pid) for pid in pids):
            assert time.monotonic() < deadline, "workers never started"
            time.sleep(0.05)
        for pid in pids:
            os.kill(pid, signal.SIGINT)  # what "interrupt kernel" does to the process group
        assert service.submit(images[1]).result(timeout=60).error is None
        assert set(getattr(processes, "_processes", {})) == pids  # the same workers


def test_executor_failures_become_placeholders(images: list[Path], cache: ThumbnailCache) -> None:
    class LostWorker(Executor):
        def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
            future: Future[T] = Future()
            future.set_exception(ConnectionError("worker lost"))
            return future

    with ThumbnailService(cache, LostWorker()) as service:
        thumb = service.submit(images[0]).result(timeout=10)
    assert thumb.error == "rendering failed (ConnectionError: worker lost)"


def test_a_shut_down_executor_gives_placeholders(images: list[Path], cache: ThumbnailCache) -> None:
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    with ThumbnailService(cache, pool) as service:
        single = service.submit(images[0]).result(timeout=10)
        with service.batch():
            batched = [service.submit(path) for path in images[1:5]]
        results = [future.result(timeout=10) for future in batched]
    assert single.error == "rendering failed (RuntimeError)"
    assert all(thumb.error and thumb.error.startswith("rendering failed") for thumb in results)


def test_disabled_cache_renders_every_time(
    images: list[Path], monkeypatch: pytest.MonkeyPatch, threads: ThreadPoolExecutor
) -> None:
    calls = []
    real_render = render_file

    def counting_render(*args: object) -> object:
        calls.append(1)
        return real_render(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service_module, "render_file", counting_render)
    with ThumbnailService(ThumbnailCache.disabled(), threads) as service:
        service.submit(images[0]).result()
        service.submit(images[0]).result()
    assert len(calls) == 2


def test_previews_do_not_wait_behind_thumbnails(
    images: list[Path],
    cache: ThumbnailCache,
    blocked_executor: tuple[ThreadPoolExecutor, threading.Event],
) -> None:
    executor, _release = blocked_executor
    service = ThumbnailService(cache, executor)
    queued = [service.submit(p) for p in images]
    preview = service.submit_preview(images[0]).result(timeout=10)
    assert preview.error is None
    assert not any(future.done() for future in queued)
    service.close(wait=False)


class RecordingExecutor(Executor):
    """Forwards to another executor and keeps each task's function and future."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.tasks: list[tuple[Callable[..., object], Future[object]]] = []

    def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
        future = self.inner.submit(fn, *args, **kwargs)
        self.tasks.append((fn, future))  # type: ignore[arg-type]
        return future


@pytest.fixture
def many_images(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "many"
    folder.mkdir()
    return [save(noise_rgb(40 + i, 30, seed=i), folder / f"{i}.jpg") for i in range(24)]


def test_a_batch_sends_several_files_per_task(
    many_images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    recording = RecordingExecutor(threads)
    with ThumbnailService(cache, recording) as service:
        with service.batch():
            futures = [service.submit(path) for path in many_images]
            assert recording.tasks == []  # sent when the block ends
        results = [future.result(timeout=10) for future in futures]
        assert all(service.submit(path).done() for path in many_images)  # cached
    assert len(recording.tasks) == len(many_images) // 4
    for thumb, path in zip(results, many_images, strict=True):
        assert thumb.data == render_thumbnail(path).data


def test_a_small_batch_keeps_every_worker_busy(
    images: list[Path], cache: ThumbnailCache, threads: ThreadPoolExecutor
) -> None:
    recording = RecordingExecutor(threads)
    with ThumbnailService(cache, recording) as service:
        with service.batch():
            futures = [service.submit(path) for path in images[:3]]
        assert [f.result(timeout=10).error for f in futures] == [None] * 3
    assert len(recording.tasks) == 3  # too few files to share tasks among the workers


def test_a_batch_task_is_cancelled_once_all_its_files_are(
    many_images: list[Path],
    cache: ThumbnailCache,
    blocked_executor: tuple[ThreadPoolExecutor, threading.Event],
) -> None:
    executor, release = blocked_executor
    recording = RecordingExecutor(executor)
    service = ThumbnailService(cache, recording)
    with service.batch():
        futures = [service.submit(path) for path in many_images[:8]]  # two per task
    assert len(recording.tasks) == 4
    assert all(future.cancel() for future in futures[:1] + futures[2:])
    release.set()
    assert futures[1].result(timeout=10).error is None
    assert futures[0].cancelled()
    assert [task.cancelled() for _, task in recording.tasks] == [False, True, True, True]


def test_batched_files_are_not_left_waiting_when_the_executor_shuts_down(
    many_images: list[Path],
    cache: ThumbnailCache,
    blocked_executor: tuple[ThreadPoolExecutor, threading.Event],
) -> None:
    executor, release = blocked_executor
    service = ThumbnailService(cache, executor)
    with service.batch():
        futures = [service.submit(path) for path in many_images]
    executor.shutdown(wait=False, cancel_futures=True)
    release.set()
    assert all(future.cancelled() for future in futures)


def test_a_batch_on_a_failing_executor_gives_placeholders(
    images: list[Path], cache: ThumbnailCache
) -> None:
    class Broken(Executor):
        def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
            raise BrokenProcessPool("a worker died")

    class LostWorker(Executor):
        def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
            future: Future[T] = Future()
            future.set_exception(ConnectionError("worker lost"))
            return future

    for executor, reason in [(Broken(), "BrokenProcessPool"), (LostWorker(), "ConnectionError")]:
        with ThumbnailService(cache, executor) as service:
            with service.batch():
                futures = [service.submit(path) for path in images]
            errors = {future.result(timeout=10).error for future in futures}
        assert len(errors) == 1 and errors.pop().startswith(f"rendering failed ({reason}")  # type: ignore[union-attr]
