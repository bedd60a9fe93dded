"""The request/response protocol, without a browser: messages in, messages out."""

import logging
from concurrent.futures import Future
from typing import Any

import msgspec
import pytest

from cocowidget.protocol.messages import NoParams, RowParams
from cocowidget.widgets.rpc import RpcWidget


class Echo(msgspec.Struct):
    n: int


class Recorder(RpcWidget):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []

    def send(self, content: dict[str, Any], buffers: Any = None) -> None:  # type: ignore[override]
        self.sent.append((content, list(buffers or [])))

    def request(self, request_id: int, method: str, **params: Any) -> None:
        message = {"type": "request", "id": request_id, "method": method, "params": params}
        self._on_custom_message(self, message, [])


def test_immediate_reply_carries_buffers() -> None:
    widget = Recorder()
    widget.serve("echo", RowParams, lambda params: (Echo(params.row), [b"\x01\x02"]))
    widget.request(1, "echo", row=3)
    assert widget.sent == [
        ({"type": "response", "id": 1, "ok": True, "result": {"n": 3}}, [b"\x01\x02"])
    ]


def test_future_reply_is_sent_when_done() -> None:
    widget = Recorder()
    pending: Future[Any] = Future()
    widget.serve("slow", NoParams, lambda params: pending)
    widget.request(7, "slow")
    assert widget.sent == []
    pending.set_running_or_notify_cancel()
    pending.set_result((Echo(1), []))
    assert widget.sent[0][0]["result"] == {"n": 1}


def test_cancel_message_cancels_pending_future() -> None:
    widget = Recorder()
    pending: Future[Any] = Future()
    widget.serve("slow", NoParams, lambda params: pending)
    widget.request(9, "slow")
    widget._on_custom_message(widget, {"type": "cancel", "id": 9}, [])
    assert pending.cancelled()
    assert widget.sent[-1][0] == {"type": "response", "id": 9, "ok": False, "cancelled": True}


def test_errors_become_error_responses() -> None:
    widget = Recorder()

    def fail(params: NoParams) -> Any:
        raise ValueError("bad rows")

    widget.serve("fail", NoParams, fail)
    widget.request(2, "fail")
    widget.request(3, "missing")
    assert widget.sent[0][0] == {
        "type": "response",
        "id": 2,
        "ok": False,
        "error": "ValueError: bad rows",
    }
    assert "unknown method" in widget.sent[1][0]["error"]


@pytest.mark.parametrize(
    "params",
    [{}, {"row": "7"}, {"row": 1, "extra": True}, {"row": [1]}],
    ids=["missing", "wrong type", "unknown field", "list"],
)
def test_bad_parameters_get_an_error_reply_and_a_log_line(
    params: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    widget = Recorder()
    called: list[Any] = []
    widget.serve("preview", RowParams, lambda p: called.append(p) or (Echo(0), []))
    with caplog.at_level(logging.WARNING, logger="cocowidget.widgets.rpc"):
        widget._on_custom_message(
            widget, {"type": "request", "id": 4, "method": "preview", "params": params}, []
        )
    assert called == []
    (reply, _), *_ = widget.sent
    assert reply["id"] == 4 and reply["ok"] is False
    assert "bad parameters for 'preview'" in reply["error"]
    assert "bad parameters" in caplog.text


def test_malformed_messages_get_no_traceback() -> None:
    widget = Recorder()
    widget._on_custom_message(widget, "not a dict", [])
    widget._on_custom_message(widget, {"type": "request", "id": "x"}, [])
    widget._on_custom_message(widget, {"type": "what", "id": 3}, [])
    assert len(widget.sent) == 1  # only the message with an id to answer
    assert widget.sent[0][0]["id"] == 3 and "malformed message" in widget.sent[0][0]["error"]
