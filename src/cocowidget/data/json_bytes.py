"""From what the user passed to JSON bytes a decoder can take: byte order marks and
other encodings, empty files, and the NaN / Infinity literals Python's json writes
(reported at their JSON paths and kept as read)."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cocowidget.data.json_encoding import encode_json
from cocowidget.data.problems import INFO, ProblemLog
from cocowidget.data.values import describe

RESULTS_LIST = ""  # the section name of a top-level results array
#: Where NaN and Infinity literals are: top-level key -> rows of its array.
NonFinite = dict[str, set[int]]


@dataclass
class Source:
    """What the user passed, as JSON bytes and/or Python objects, with a name for messages."""

    name: str
    data: bytes | None = None
    python: Any = None


def read_source(source: Any) -> Source:
    """A path, JSON bytes, a dict/list, or a ``pycocotools.coco.COCO`` (or a
    :class:`Source` already, as readers of other formats hand one on)."""
    if isinstance(source, Source):
        return source
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return Source(path.name, _gunzipped(path.read_bytes(), path.name))
        except FileNotFoundError:
            raise FileNotFoundError(f"no COCO JSON file at {path}") from None
        except IsADirectoryError:
            raise IsADirectoryError(f"{path} is a folder, not a COCO JSON file") from None
    if isinstance(source, bytes | bytearray | memoryview):
        return Source("<bytes>", _gunzipped(bytes(source), "<bytes>"))
    if isinstance(source, dict):
        return Source("<dict>", python=source)
    if isinstance(source, list):
        return Source("<list>", python=source)
    dataset = getattr(source, "dataset", None)
    if isinstance(dataset, dict) and hasattr(source, "anns"):
        return Source("<COCO>", python=dataset)
    raise TypeError(
        "expected a path to a COCO JSON file, JSON bytes, a dict, a list of results or a "
        f"pycocotools.coco.COCO; got {type(source).__name__}"
    )


_GZIP_MAGIC = b"\x1f\x8b"


def _gunzipped(data: bytes, name: str) -> bytes:
    """The bytes, decompressed if they are gzip (``.json.gz`` files are common)."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{name}: a gzip file that cannot be decompressed ({error})") from None


def _prepared(source: Source, log: ProblemLog) -> tuple[bytes | None, Any]:
    """JSON bytes to decode (and the Python objects they came from, if any)."""
    if source.python is not None:
        try:
            return encode_json(source.python), source.python
        except (TypeError, NotImplementedError, OverflowError, ValueError):
            # Some value is not JSON; sections and records are then encoded one by one.
            return None, source.python
    data = source.data or b""
    data = _utf8(data, log)
    if _first_byte(data) == b"":
        log.format_error("malformed_json", "", "the file is empty", "nothing was loaded")
        return None, None
    return data, None


def _utf8(data: bytes, log: ProblemLog) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        log.format_error(
            "encoding",
            "",
            "the file starts with a UTF-8 byte order mark",
            "it was ignored",
            severity=INFO,
        )
        return data[3:]
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                break
            log.format_error(
                "encoding",
                "",
                f"the file is {codec.upper()} encoded; COCO JSON must be UTF-8",
                "it was read as " + codec.upper(),
            )
            return text.encode("utf-8")
    return data


def _python_fallback(data: bytes, log: ProblemLog) -> tuple[bytes | None, Any, NonFinite]:
    """JSON that msgspec refuses: Python's json accepts NaN/Infinity literals (as written
    by ``json.dump``); anything else is malformed, reported with line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        log.format_error(
            "encoding",
            "",
            f"the file is not valid UTF-8 (byte {error.start}: "
            f"{data[error.start : error.start + 1]!r})",
            "invalid bytes were replaced by U+FFFD",
        )
        text = data.decode("utf-8", errors="replace")
    try:
        python = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            python, _ = json.JSONDecoder().raw_decode(text.lstrip())
            log.format_error(
                "malformed_json",
                "",
                f"unexpected data after the JSON document at line {error.lineno} "
                f"column {error.colno}",
                "the trailing data was ignored",
            )
        else:
            log.format_error(
                "malformed_json",
                "",
                f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}",
                "nothing was loaded",
            )
            return None, None, {}
    except RecursionError:
        log.format_error(
            "malformed_json", "", "the JSON is nested too deeply", "nothing was loaded"
        )
        return None, None, {}
    non_finite = _report_non_finite(python, log)
    try:
        return encode_json(python), python, non_finite
    except (TypeError, NotImplementedError, OverflowError, ValueError):
        return None, python, non_finite


_MAX_REPORTED_NUMBERS = 1000


def _report_non_finite(document: Any, log: ProblemLog) -> NonFinite:
    """NaN and Infinity are not JSON numbers, but Python's json writes them and
    pycocotools reads them: each is reported at its JSON path (in file order) and kept
    as read. Returns where they are: top-level key -> rows of its array."""
    found = 0
    where: NonFinite = {}
    top = document.items() if isinstance(document, dict) else [(RESULTS_LIST, document)]
    for key, section in top:
        name = str(key)
        items = enumerate(section) if isinstance(section, list) else [(None, section)]
        for index, item in items:
            path = name if index is None else f"{name}[{index}]" if name else f"[{index}]"
            for child in _non_finite_paths(item, path):
                where.setdefault(name, set()).add(-1 if index is None else index)
                found += 1
                if found <= _MAX_REPORTED_NUMBERS:
                    reason = f"{describe(child[1])} is not a valid JSON number"
                    log.format_error("invalid_number", child[0], reason, "kept as read")
    if found > _MAX_REPORTED_NUMBERS:
        more = f"{found - _MAX_REPORTED_NUMBERS} more NaN or Infinity values"
        log.format_error("invalid_number", "", more, "kept as read")
    return where


def _non_finite_paths(value: Any, path: str) -> Any:
    """(JSON path, value) of each NaN or Infinity in a value, in file order."""
    if isinstance(value, float):
        if not math.isfinite(value):
            yield path, value
        return
    if not isinstance(value, list | dict):
        return
    # Depth-first with explicit iterators: file order, and no recursion limit.
    stack: list[tuple[Any, Any, str]] = [(value, _children(value), path)]
    while stack:
        node, children, node_path = stack[-1]
        step = next(children, None)
        if step is None:
            stack.pop()
            continue
        key, child = step
        child_path = (
            f"{node_path}[{key}]"
            if isinstance(node, list)
            else f"{node_path}.{key}"
            if node_path
            else str(key)
        )
        if isinstance(child, float) and not math.isfinite(child):
            yield child_path, child
        elif isinstance(child, list | dict):
            stack.append((child, _children(child), child_path))


def _children(node: Any) -> Any:
    if isinstance(node, list):
        return iter(list(enumerate(node)))
    if isinstance(node, dict):
        return iter(list(node.items()))
    return iter(())


_LEADING_SPACE = re.compile(rb"[ \t\r\n]*")


def _first_byte(data: bytes) -> bytes:
    """The first non-whitespace byte (b"" if none), without copying the data."""
    start = _LEADING_SPACE.match(data)
    position = start.end() if start else 0
    return data[position : position + 1]
