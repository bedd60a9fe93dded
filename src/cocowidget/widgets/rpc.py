"""Request/response over anywidget custom messages, with binary buffers.

The browser sends ``{"type": "request", "id": n, "method": name, "params": {...}}``;
Python answers ``{"type": "response", "id": n, "ok": true, "result": {...}}`` with the
bulk bytes as message buffers (never base64), or ``{"ok": false, "error": text}``.
``{"type": "cancel", "id": n}`` drops a request whose answer is no longer wanted
(the user scrolled on). Handlers may answer at once or return a ``Future``, which is
answered from whatever thread completes it: ipykernel's IOPub is thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

import anywidget

log = logging.getLogger(__name__)

Reply = tuple[dict[str, Any], list[bytes | memoryview]]
Handler = Callable[[dict[str, Any]], "Reply | Future[Reply]"]


class RpcWidget(anywidget.AnyWidget):
    """An anywidget that serves named request handlers to its front end."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: dict[str, Handler] = {}
        self._pending: dict[int, Future[Reply]] = {}
        self._pending_lock = threading.Lock()
        self.on_msg(self._on_custom_message)

    def serve(self, method: str, handler: Handler) -> None:
        """Answer requests named ``method`` with ``handler(params)``."""
        self._handlers[method] = handler

    # -- message handling ----------------------------------------------------------------
    def _on_custom_message(self, _widget: Any, content: Any, buffers: Sequence[bytes]) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        request_id = content.get("id")
        if not isinstance(request_id, int):
            return
        if kind == "cancel":
            self._cancel(request_id)
        elif kind == "request":
            self._dispatch(request_id, str(content.get("method")), content.get("params") or {})

    def _dispatch(self, request_id: int, method: str, params: dict[str, Any]) -> None:
        handler = self._handlers.get(method)
        if handler is None:
            self._send_error(request_id, f"unknown method {method!r}")
            return
        try:
            reply = handler(params)
        except Exception as error:  # a bad request must never break the widget
            log.exception("cocowidget: request %r failed", method)
            self._send_error(request_id, f"{type(error).__name__}: {error}")
            return
        if isinstance(reply, Future):
            with self._pending_lock:
                self._pending[request_id] = reply
            reply.add_done_callback(lambda done: self._finish(request_id, done))
        else:
            self._send_result(request_id, reply)

    def _finish(self, request_id: int, done: Future[Reply]) -> None:
        with self._pending_lock:
            self._pending.pop(request_id, None)
        if done.cancelled():
            self.send({"type": "response", "id": request_id, "ok": False, "cancelled": True})
            return
        error = done.exception()
        if error is not None:
            log.error("cocowidget: request %d failed: %s", request_id, error)
            self._send_error(request_id, f"{type(error).__name__}: {error}")
        else:
            self._send_result(request_id, done.result())

    def _cancel(self, request_id: int) -> None:
        with self._pending_lock:
            future = self._pending.get(request_id)
        if future is not None:
            future.cancel()

    def _send_result(self, request_id: int, reply: Reply) -> None:
        result, buffers = reply
        self.send({"type": "response", "id": request_id, "ok": True, "result": result}, buffers)

    def _send_error(self, request_id: int, message: str) -> None:
        self.send({"type": "response", "id": request_id, "ok": False, "error": message})
