"""Callbacks held the way a data object should hold its widgets': a bound method weakly,
so that a widget nobody shows any more is freed and stops listening."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import MethodType
from typing import Any


class Listeners:
    def __init__(self) -> None:
        self._references: list[Callable[[], Callable[..., None] | None]] = []

    def add(self, listener: Callable[..., None]) -> None:
        if isinstance(listener, MethodType):
            self._references.append(weakref.WeakMethod(listener))
        else:
            self._references.append(lambda: listener)

    def __call__(self, *args: Any) -> None:
        alive = []
        for reference in self._references:
            listener = reference()
            if listener is not None:
                alive.append(reference)
                listener(*args)
        self._references = alive
