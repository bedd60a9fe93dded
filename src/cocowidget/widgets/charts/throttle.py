"""Rate-limit work driven by a pointer: the first change at once, then at most one call
per interval while changes keep coming, and always the last value.

In a kernel the trailing call is scheduled on the kernel's asyncio loop, which runs it
between two comm messages: the brush messages that arrive meanwhile only replace the
pending value, so the kernel never falls behind the pointer. Without a running loop (a
plain script) there is no pointer to keep up with, and every change is applied at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class Cancellable(Protocol):
    def cancel(self) -> Any: ...


Scheduler = Callable[[float, Callable[[], None]], Cancellable | None]


def loop_scheduler(delay: float, callback: Callable[[], None]) -> Cancellable | None:
    """``call_later`` on the running asyncio loop; ``None`` when there is none."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.call_later(delay, callback)


class Throttle(Generic[T]):
    """Calls ``apply(value)`` at most once per ``interval`` seconds; see the module doc."""

    def __init__(
        self,
        apply: Callable[[T], None],
        interval: float = 0.1,
        *,
        clock: Callable[[], float] = time.monotonic,
        schedule: Scheduler = loop_scheduler,
    ) -> None:
        self._apply = apply
        self.interval = interval
        self._clock = clock
        self._schedule = schedule
        self._last = -float("inf")
        self._pending: tuple[T] | None = None
        self._timer: Cancellable | None = None

    def submit(self, value: T) -> None:
        """A new value: applied now if the interval has passed, else when it has."""
        self._pending = (value,)
        wait = self._last + self.interval - self._clock()
        if wait <= 0:
            self.flush()
        elif self._timer is None:
            self._timer = self._schedule(wait, self._on_timer)
            if self._timer is None:
                self.flush()

    def flush(self) -> None:
        """Apply the pending value now (the pointer was released)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending is None:
            return
        (value,) = self._pending
        self._pending = None
        self._last = self._clock()
        self._apply(value)

    def cancel(self) -> None:
        """Forget the pending value (a newer state came from elsewhere)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending = None

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()
