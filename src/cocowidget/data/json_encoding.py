"""Python values as JSON bytes: numpy values accepted, and NaN and Infinity kept as the
literals Python's json writes (for records written back as read)."""

from __future__ import annotations

import json
from typing import Any

import msgspec


def encode_json(value: Any) -> bytes:
    """JSON bytes of a Python value; numpy scalars and arrays are accepted."""
    return msgspec.json.encode(value, enc_hook=_numpy_hook)


def _numpy_hook(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__ == "numpy":
        return tolist()
    raise NotImplementedError(f"objects of type {type(value).__name__} are not JSON")


def encode_json_as_read(value: Any) -> bytes:
    """JSON bytes that keep NaN and Infinity as the literals Python's json writes and
    reads (msgspec would write null); for the rare records kept as read."""
    text = json.dumps(
        value, allow_nan=True, default=_numpy_default, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8", errors="surrogatepass")


def _numpy_default(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__ == "numpy":
        return tolist()
    raise TypeError(f"objects of type {type(value).__name__} are not JSON")


__all__ = ["encode_json", "encode_json_as_read"]
