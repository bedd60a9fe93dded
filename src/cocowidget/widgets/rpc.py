"""Request/response over anywidget custom messages, with binary buffers.

The messages are declared in :mod:`cocowidget.protocol.messages`: the browser sends a
``Request`` (``method`` and ``params``), Python answers with a ``Response`` carrying the
method's result struct and the bulk bytes as message buffers (never base64), or an
error. A ``Cancel`` drops a request whose answer is no longer wanted (the user scrolled
on). Every incoming message and its parameters are validated; a malformed one gets an
error reply and a log line, never a traceback in the notebook. Handlers may answer at
once or return a ``Future``, which is answered from whatever thread completes it:
ipykernel's IOPub is thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

import anywidget
import msgspec

from cocowidget.protocol.messages import (
    Cancel,
    Response,
    decode_incoming,
    decode_params,
    encode,
)

log = logging.getLogger(__name__)

Reply = tuple[msgspec.Struct, list[bytes | memoryview]]
Handler = Callable[[Any], "Reply | Future[Reply]"]


class RpcWidget(anywidget.AnyWidget):
    """An anywidget that serves named request handlers to its front end."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: dict[str, tuple[type[msgspec.Struct], Handler]] = {}
        self._pending: dict[int, Future[Reply]] = {}
        self._pending_lock = threading.Lock()
        self.on_msg(self._on_custom_message)

    def serve(self, method: str, params: type[msgspec.Struct], handler: Handler) -> None:
        """Answer requests named ``method`` with ``handler(params)``, the request's
        parameters decoded as ``params``."""
        self._handlers[method] = (params, handler)

    # -- message handling ----------------------------------------------------------------
    def _on_custom_message(self, _widget: Any, content: Any, buffers: Sequence[bytes]) -> None:
        try:
            message = decode_incoming(content)
        except msgspec.ValidationError as error:
            log.warning("cocowidget: malformed message from the browser (%s): %r", error, content)
            request_id = content.get("id") if isinstance(content, dict) else None
            if isinstance(request_id, int):
                self._send_error(request_id, f"malformed message: {error}")
            return
        if isinstance(message, Cancel):
            self._cancel(message.id)
        else:
            self._dispatch(message.id, message.method, message.params)

    def _dispatch(self, request_id: int, method: str, raw_params: dict[str, Any]) -> None:
        served = self._handlers.get(method)
        if served is None:
            log.warning("cocowidget: request for unknown method %r", method)
            self._send_error(request_id, f"unknown method {method!r}")
            return
        params_type, handler = served
        try:
            params = decode_params(params_type, raw_params)
        except msgspec.ValidationError as error:
            log.warning("cocowidget: bad parameters for %r (%s): %r", method, error, raw_params)
            self._send_error(request_id, f"bad parameters for {method!r}: {error}")
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
            self._respond(Response(request_id, ok=False, cancelled=True))
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
        self._respond(Response(request_id, ok=True, result=result), buffers)

    def _send_error(self, request_id: int, message: str) -> None:
        self._respond(Response(request_id, ok=False, error=message))

    def _respond(self, response: Response, buffers: Sequence[bytes | memoryview] = ()) -> None:
        self.send(encode(response), list(buffers or ()) or None)
