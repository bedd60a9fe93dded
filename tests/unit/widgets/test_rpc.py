"""The request/response protocol, without a browser: messages in, messages out."""

from concurrent.futures import Future
from typing import Any

from cocowidget.widgets.rpc import RpcWidget


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
    widget.serve("echo", lambda params: ({"n": params["n"]}, [b"\x01\x02"]))
    widget.request(1, "echo", n=3)
    assert widget.sent == [
        ({"type": "response", "id": 1, "ok": True, "result": {"n": 3}}, [b"\x01\x02"])
    ]


def test_future_reply_is_sent_when_done() -> None:
    widget = Recorder()
    pending: Future[Any] = Future()
    widget.serve("slow", lambda params: pending)
    widget.request(7, "slow")
    assert widget.sent == []
    pending.set_running_or_notify_cancel()
    pending.set_result(({"done": True}, []))
    assert widget.sent[0][0]["result"] == {"done": True}


def test_cancel_message_cancels_pending_future() -> None:
    widget = Recorder()
    pending: Future[Any] = Future()
    widget.serve("slow", lambda params: pending)
    widget.request(9, "slow")
    widget._on_custom_message(widget, {"type": "cancel", "id": 9}, [])
    assert pending.cancelled()
    assert widget.sent[-1][0] == {"type": "response", "id": 9, "ok": False, "cancelled": True}


def test_errors_become_error_responses() -> None:
    widget = Recorder()

    def fail(params: dict[str, Any]) -> Any:
        raise ValueError("bad rows")

    widget.serve("fail", fail)
    widget.request(2, "fail")
    widget.request(3, "missing")
    assert widget.sent[0][0] == {
        "type": "response",
        "id": 2,
        "ok": False,
        "error": "ValueError: bad rows",
    }
    assert "unknown method" in widget.sent[1][0]["error"]


def test_malformed_messages_are_ignored() -> None:
    widget = Recorder()
    widget._on_custom_message(widget, "not a dict", [])
    widget._on_custom_message(widget, {"type": "request", "id": "x"}, [])
    assert widget.sent == []
