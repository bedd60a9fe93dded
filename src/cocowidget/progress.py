"""One progress bar for every call that can take over a second.

In a notebook the bar is tqdm's widget; in a script it is a line on stderr. It appears
only once the work has run for :data:`SHOW_AFTER` seconds, so quick calls stay silent.
``COCOWIDGET_PROGRESS=0`` (or :func:`set_enabled`) turns bars off.

:func:`progress` counts items, :func:`stages` names the steps of work that cannot count
within itself (parsing a file, a vectorised pass).

:func:`run_in_parallel` maps a function over batches on an executor with a bar; an
interrupt (Ctrl-C, the notebook's stop button) cancels the batches not yet started and
re-raises at once, so the kernel is free again and nothing half-done is kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Seconds of work before a bar is shown.
SHOW_AFTER = 1.0

_enabled = os.environ.get("COCOWIDGET_PROGRESS", "1") not in ("0", "false", "no")


class Advance(Protocol):
    def __call__(self, n: int = 1) -> None: ...


def set_enabled(enabled: bool) -> None:
    """Show progress bars (the default) or not."""
    global _enabled
    _enabled = bool(enabled)


@contextmanager
def progress(total: int, description: str, unit: str = "images") -> Iterator[Advance]:
    """A bar of ``total`` steps; the context gives the function that advances it."""
    if not _enabled or total <= 0:
        yield _no_advance
        return
    bar = _bar(total, description, f" {unit}")

    def advance(n: int = 1) -> None:
        bar.update(n)

    try:
        yield advance
    finally:
        bar.close()


def _bar(total: int, description: str, unit: str) -> Any:
    """tqdm's bar: the notebook widget in a notebook, a line on stderr elsewhere."""
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm_notebook

    bar = tqdm(total=total, desc=description, unit=unit, delay=SHOW_AFTER, leave=False)
    if isinstance(bar, tqdm_notebook):
        # Full width, wrapping: in a narrow notebook the text would squeeze the bar to
        # nothing (tqdm's default row does not wrap; its ncols="100%" fails with a unit).
        layout = bar.container.layout
        layout.width, layout.display, layout.flex_flow = "100%", "inline-flex", "row wrap"
        bar.container.children[1].layout.flex = "2"
    return bar


def _no_advance(n: int = 1) -> None:
    return None


class Stage(Protocol):
    def __call__(self, name: str) -> None: ...


@contextmanager
def stages(description: str, names: Sequence[str]) -> Iterator[Stage]:
    """A bar for work done in steps that cannot report within themselves (a parse, a
    vectorised pass): ``stage(name)`` says that ``name`` starts, which ends the one
    before. Each name is shown beside the bar while it runs."""
    if not _enabled or not names:
        yield _no_stage
        return
    bar = _bar(len(names), description, " steps")
    started = 0

    def stage(name: str) -> None:
        nonlocal started
        if started:
            bar.update(1)
        started += 1
        bar.set_postfix_str(name, refresh=False)

    try:
        yield stage
    finally:
        bar.close()


def _no_stage(name: str) -> None:
    return None


def run_in_parallel(
    function: Callable[[list[Item]], list[Result]],
    items: Sequence[Item],
    executor: Executor,
    description: str,
    *,
    batch: int = 64,
    unit: str = "images",
) -> list[Result]:
    """``function`` over ``items`` in batches on ``executor``, results in item order."""
    batches = [list(items[i : i + batch]) for i in range(0, len(items), batch)]
    futures: list[Future[list[Result]]] = [executor.submit(function, part) for part in batches]
    try:
        with progress(len(items), description, unit) as advance:
            pending: set[Future[Any]] = set(futures)
            sizes = {future: len(part) for future, part in zip(futures, batches, strict=True)}
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    advance(sizes[future])
        return [result for future in futures for result in future.result()]
    except BaseException:
        for future in futures:
            future.cancel()
        raise
