"""Worker processes that never run the user's script.

``spawn`` and ``forkserver`` children import the parent's ``__main__`` module before
they run anything: in a plain script without an ``if __name__ == "__main__":`` guard,
that runs the whole script again in every worker (its prints, its file writes, and the
grid it builds, whose own workers then fail with "an attempt has been made to start a
new process before the current process has finished its bootstrapping phase").
cocowidget's workers only run cocowidget's functions, so they have no use for
``__main__``: :data:`NO_MAIN` is a ``spawn`` context whose children are told no main
module at all. (``fork`` would copy the kernel's threads' locks mid-use.)
"""

from __future__ import annotations

import threading
from multiprocessing import context, spawn
from typing import Any

_patch_lock = threading.Lock()

# What tells a spawned child to import the parent's main module.
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")


def _preparation_without_main(name: str) -> dict[str, Any]:
    data = _preparation_data(name)
    for key in _MAIN_KEYS:
        data.pop(key, None)
    return data


_preparation_data = spawn.get_preparation_data


class _NoMainProcess(context.SpawnProcess):
    _start_method = "spawn"

    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # noqa: N802 (multiprocessing's name)
        # The spawn Popen reads spawn.get_preparation_data when it launches; only our own
        # launches see the version without the main module, under a lock.
        with _patch_lock:
            spawn.get_preparation_data = _preparation_without_main
            try:
                return context.SpawnProcess._Popen(process_obj)
            finally:
                spawn.get_preparation_data = _preparation_data


class _NoMainContext(context.SpawnContext):
    _name = "spawn"
    Process = _NoMainProcess


#: The multiprocessing context of every cocowidget worker pool.
NO_MAIN = _NoMainContext()
