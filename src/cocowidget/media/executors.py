"""Executors for rendering: threads while worker processes start, processes after.

Measured on this project's 2-core machine (``benchmarks/bench_thumbnails.py`` runs them
interleaved, as the grid asks: batches of rows, up to four files per task), two worker
processes render cold thumbnails faster than two threads: 523-546 images/s against
433-442 on a quiet machine.
Pillow releases the GIL while it decodes, resamples and converts, and, writing to a file
descriptor, while it encodes (thumbnails are encoded into an in-memory file for that
reason); but opening a file, parsing its markers, the statistics' bookkeeping and the
executor's own work are Python, and two threads contend for the GIL there. Processes
also isolate the notebook kernel from a decoder that crashes on a hostile file.

But worker processes take 0.7-2 s to start (each imports numpy, Pillow and this
package), while the first screen of thumbnails should appear sooner than that. So the
default, :func:`shared_executor`, is a :class:`ProcessesWhenReady`: it runs tasks on a
thread pool until the first worker process answers, and on the process pool from then
on. If processes cannot be started (no POSIX semaphores in some sandboxes) or the pool
breaks (a worker killed), it keeps to threads.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from typing import ParamSpec, TypeVar

from cocowidget.media.workers import NO_MAIN

__all__ = [
    "ProcessesWhenReady",
    "default_worker_count",
    "process_executor",
    "shared_executor",
    "thread_executor",
]

P = ParamSpec("P")
T = TypeVar("T")

_log = logging.getLogger(__name__)


def default_worker_count() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def thread_executor(workers: int | None = None) -> ThreadPoolExecutor:
    """A thread pool of ``workers`` (default: one per core), named for debugging."""
    return ThreadPoolExecutor(
        workers or default_worker_count(), thread_name_prefix="cocowidget-media"
    )


def process_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` (default: one per core) fit for a notebook kernel
    and for a plain script.

    Workers are spawned without the parent's main module (:mod:`.workers`: a script
    without a ``__main__`` guard is never run again in them; forking a kernel's threads
    is unsafe); they ignore SIGINT, so that interrupting a cell does not kill the pool;
    and they are started at once, in the background.
    """
    count = workers or default_worker_count()
    pool = ProcessPoolExecutor(count, mp_context=NO_MAIN, initializer=_ignore_interrupts)
    for _ in range(count):  # a pool starts one worker per waiting task
        pool.submit(os.getpid)
    return pool


class ProcessesWhenReady(Executor):
    """Runs tasks on ``threads`` until ``processes`` answers, then on ``processes``.

    Falls back to ``threads`` for good if the process pool breaks. Tasks and their
    arguments must pickle, as for any process pool.
    """

    def __init__(self, threads: Executor, processes: Executor) -> None:
        self.threads = threads
        self.processes = processes
        self._ready = threading.Event()
        self._broken = False
        processes.submit(os.getpid).add_done_callback(self._answered)

    @property
    def on_processes(self) -> bool:
        """Whether new tasks go to the process pool."""
        return self._ready.is_set() and not self._broken

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        """Wait until tasks go to the processes; False if they never will (or timeout)."""
        return self._ready.wait(timeout) and not self._broken

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if self.on_processes:
            try:
                return self.processes.submit(fn, *args, **kwargs)
            except BrokenExecutor as error:
                self._give_up_processes(error)
        return self.threads.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.processes.shutdown(wait=wait, cancel_futures=cancel_futures)
        self.threads.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _answered(self, ping: Future[int]) -> None:
        error = None if ping.cancelled() else ping.exception()
        if ping.cancelled() or error is not None:
            self._give_up_processes(error)
        self._ready.set()

    def _give_up_processes(self, error: BaseException | None) -> None:
        if not self._broken:
            self._broken = True
            _log.warning("thumbnail worker processes failed (%r); rendering on threads", error)


_shared: Executor | None = None
_shared_lock = threading.Lock()


def shared_executor() -> Executor:
    """The executor of every service without one of its own, created on first use.

    A :class:`ProcessesWhenReady` over a thread pool and a process pool, one worker per
    core each; a thread pool alone (with a warning) where processes cannot be started.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            threads = thread_executor()
            try:
                _shared = ProcessesWhenReady(threads, process_executor())
            except (NotImplementedError, OSError, ImportError) as error:
                warnings.warn(
                    f"cannot start worker processes ({error}); rendering on threads",
                    RuntimeWarning,
                    stacklevel=2,
                )
                _shared = threads
        return _shared


def _ignore_interrupts() -> None:
    # Jupyter's "interrupt kernel" signals the whole process group; a worker that dies of
    # it would break the pool for every later request.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
