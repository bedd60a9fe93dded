"""Executors for rendering: one thread pool shared by all services, or a process pool.

Why threads by default: Pillow releases the GIL while it decodes, resamples and converts,
and, when it writes to a file descriptor, while it encodes (which is why thumbnails are
encoded into an in-memory file, see :mod:`cocowidget.media.thumbnail`). What still holds
the GIL is the Python around those calls: about a sixth of a thumbnail's 3 ms of CPU.
Measured on this project's 2-core machine (``benchmarks/bench_thumbnails.py`` runs both,
interleaved), while other work loaded it, neither pool was consistently faster: each won
some runs, by up to a third. The thread pool starts at once, where worker processes
take 1.5-2 seconds to import and hold some 50 MB each. A process pool still has uses: it
isolates the notebook kernel from a decoder that crashes on a hostile file, and it scales
past the GIL on machines with many cores. :func:`process_executor` builds one fit for
notebooks; pass it to :class:`~cocowidget.media.service.ThumbnailService`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

__all__ = ["default_worker_count", "process_executor", "shared_executor", "thread_executor"]


def default_worker_count() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


_shared: Executor | None = None
_shared_lock = threading.Lock()


def shared_executor() -> Executor:
    """The process-wide default: a :func:`thread_executor`, created on first use.

    Every service without an executor of its own uses it, so several grids in one
    notebook share one pool sized to the machine instead of each adding threads.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = thread_executor()
        return _shared


def thread_executor(workers: int | None = None) -> ThreadPoolExecutor:
    """A thread pool of ``workers`` (default: one per core), named for debugging."""
    return ThreadPoolExecutor(
        workers or default_worker_count(), thread_name_prefix="cocowidget-media"
    )


def process_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` (default: one per core) fit for a notebook kernel.

    Workers start with ``forkserver`` where available (forking a kernel's threads is
    unsafe) and ``spawn`` elsewhere; they ignore SIGINT, so that interrupting a cell does
    not kill the pool; and they are started at once, in the background, so that their
    imports overlap with showing a widget.
    """
    count = workers or default_worker_count()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_ignore_interrupts)
    for _ in range(count):  # a pool starts one worker per waiting task
        pool.submit(os.getpid)
    return pool


def _ignore_interrupts() -> None:
    # Jupyter's "interrupt kernel" signals the whole process group; a worker that dies of
    # it would break the pool for every later request.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
