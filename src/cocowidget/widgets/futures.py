"""Combine futures without blocking the kernel's main thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def gather(futures: Sequence[Future[T]], combine: Callable[[list[T]], R]) -> Future[R]:
    """A future of ``combine(results)``, done when all ``futures`` are.

    Cancelling it cancels the parts not yet started; a failed part fails the whole.
    """
    outer: Future[R] = Future()
    remaining = len(futures)
    lock = threading.Lock()

    def cancel_parts(done: Future[R]) -> None:
        if done.cancelled():
            for future in futures:
                future.cancel()

    def part_done(_part: Future[T]) -> None:
        nonlocal remaining
        with lock:
            remaining -= 1
            last = remaining == 0
        if not last or outer.done():
            return
        if any(f.cancelled() for f in futures):
            outer.cancel()
            return
        if not outer.set_running_or_notify_cancel():
            return
        try:
            outer.set_result(combine([f.result() for f in futures]))
        except Exception as error:
            outer.set_exception(error)

    outer.add_done_callback(cancel_parts)
    if not futures:
        outer.set_running_or_notify_cancel()
        outer.set_result(combine([]))
    for future in futures:
        future.add_done_callback(part_done)
    return outer
