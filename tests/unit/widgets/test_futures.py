import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from cocowidget.widgets.futures import gather


def test_gather_combines_in_order() -> None:
    with ThreadPoolExecutor(2) as pool:
        parts = [pool.submit(lambda i=i: i * i) for i in range(10)]
        assert gather(parts, sum).result(timeout=5) == sum(i * i for i in range(10))


def test_gather_of_nothing() -> None:
    assert gather([], len).result(timeout=1) == 0


def test_failure_of_a_part_fails_the_whole() -> None:
    part: Future[int] = Future()
    whole = gather([part], lambda results: results)
    part.set_exception(ValueError("broken"))
    with pytest.raises(ValueError, match="broken"):
        whole.result(timeout=1)


def test_cancel_stops_parts_not_started() -> None:
    gate = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        blocker = pool.submit(gate.wait)
        queued = [pool.submit(lambda: 1) for _ in range(3)]
        whole = gather([blocker, *queued], list)
        assert whole.cancel()
        assert all(part.cancelled() for part in queued)
        gate.set()
    assert whole.cancelled()
