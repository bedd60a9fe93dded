"""The default executor for rendering thumbnails: a process pool, one worker per core.

Why processes and not threads: Pillow releases the GIL while decoding and resampling (and,
through a file descriptor, while encoding), but opening a file, parsing its markers,
choosing a scale, measuring statistics and the executor's own bookkeeping are Python and
hold it. Measured on this project's 2-core machine, that share keeps two threads well
short of two cores (``benchmarks/bench_thumbnails.py`` prints both), while two worker
processes come close to twice one core. Processes also isolate the notebook kernel from a
decoder that crashes or runs out of memory on a hostile file.

All services share one such pool (:func:`shared_executor`), started on first use.
Workers start with ``forkserver`` where available (forking a Jupyter kernel's threads is
unsafe) and ``spawn`` elsewhere, import only what rendering needs, and ignore SIGINT so
that interrupting a notebook cell does not kill the pool. Where processes cannot be used
(no POSIX semaphores in some sandboxes), a thread pool is used instead, with a warning.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

__all__ = ["default_executor", "default_worker_count", "shared_executor", "thread_executor"]


def default_worker_count() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_executor(workers: int | None = None) -> Executor:
    """A process pool of ``workers`` (default: one per core), or threads if unavailable."""
    count = workers or default_worker_count()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool: ProcessPoolExecutor | None = None
    try:
        pool = ProcessPoolExecutor(count, mp_context=context, initializer=_ignore_interrupts)
        # Start the workers now, in the background: a pool starts one per waiting task, and
        # their imports (about half a second) then overlap with showing the widget.
        for _ in range(count):
            pool.submit(os.getpid)
    except (NotImplementedError, OSError, ImportError) as error:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        warnings.warn(
            f"cannot start worker processes ({error}); rendering thumbnails on threads",
            RuntimeWarning,
            stacklevel=2,
        )
        return thread_executor(count)
    return pool


_shared: Executor | None = None
_shared_lock = threading.Lock()


def shared_executor(*, replacing: Executor | None = None) -> Executor:
    """The process-wide :func:`default_executor`, created on first use.

    Every service without an executor of its own shares it, so a notebook with several
    grids starts its worker processes once. Pass the pool that broke as ``replacing`` to
    get a fresh one (once, however many callers noticed).
    """
    global _shared
    with _shared_lock:
        if _shared is None or (replacing is not None and _shared is replacing):
            if _shared is not None:
                _shared.shutdown(wait=False, cancel_futures=True)
            _shared = default_executor()
        return _shared


def thread_executor(workers: int | None = None) -> ThreadPoolExecutor:
    """A thread pool of ``workers`` (default: one per core) named for debugging."""
    return ThreadPoolExecutor(
        workers or default_worker_count(), thread_name_prefix="cocowidget-media"
    )


def _ignore_interrupts() -> None:
    # Jupyter's "interrupt kernel" signals the whole process group; a worker that dies of
    # it would break the pool for every later request.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
