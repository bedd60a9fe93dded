"""Every message between Python and the browser, declared once.

The TypeScript types in ``js/src/generated/protocol.ts`` are generated from these
structs (``python -m cocowidget.protocol``; a test fails when the file is stale).
Requests from the browser are validated against them (:func:`decode_request`); replies
are built from them, so neither side can drift from the other.

Bulk bytes never travel inside a message: a field such as ``buffer`` or ``coords`` is the
index of a binary buffer sent with it (-1: none).
"""

from __future__ import annotations

from typing import Any

import msgspec

# -- the envelope ------------------------------------------------------------------------


class Request(msgspec.Struct, tag_field="type", tag="request", forbid_unknown_fields=True):
    """Browser → Python: call ``method`` with ``params``; answered by a :class:`Response`."""

    id: int
    method: str
    params: dict[str, Any] = {}


class Cancel(msgspec.Struct, tag_field="type", tag="cancel", forbid_unknown_fields=True):
    """Browser → Python: the answer to request ``id`` is no longer wanted."""

    id: int


class Response(msgspec.Struct, tag_field="type", tag="response", omit_defaults=True):
    """Python → browser: the answer to request ``id``: ``result`` (``ok``) or ``error``."""

    id: int
    ok: bool
    result: Any = None
    error: str | None = None
    cancelled: bool = False


# -- request parameters, one struct per method -------------------------------------------


class ThumbnailsParams(msgspec.Struct, forbid_unknown_fields=True):
    """``thumbnails``: rows of the grid's items, at ``side`` pixels (the service's size or
    twice it)."""

    rows: list[int]
    side: int


class RowParams(msgspec.Struct, forbid_unknown_fields=True):
    """``preview`` and ``full_image``: one item by its row."""

    row: int


class NoParams(msgspec.Struct, forbid_unknown_fields=True):
    """A method without parameters (``refresh_columns``)."""


class TagParams(msgspec.Struct, forbid_unknown_fields=True):
    """``tag``: tag the items at ``rows`` with ``name`` (``remove``: untag them)."""

    name: str
    rows: list[int]
    remove: bool = False


class ActionParams(msgspec.Struct, forbid_unknown_fields=True):
    """``act``: carry out the widget's action ``action`` (one of its ``_actions``) on
    the items at ``rows``."""

    action: str
    rows: list[int]


class GridAction(msgspec.Struct):
    """An action a widget adds to its grid (the ``_actions`` trait): a toolbar button
    reading ``label`` and a key (one character, none: ``""``) acting on the selection,
    or on the focused item when nothing is selected."""

    name: str
    label: str
    key: str


#: The browser tests bit ``k`` of a 32-bit integer for IoU threshold ``k``.
MAX_IOU_THRESHOLDS = 31


# -- what is drawn -----------------------------------------------------------------------


class DetectionMatch(msgspec.Struct, tag_field="k", tag="d"):
    """A detection's matches, the inputs of the operating-point rule: bit ``k`` of ``tp``
    and ``ign`` is IoU threshold ``k``."""

    tp: int  # matched at threshold k
    ign: int  # ignored by COCOeval at threshold k (matched a crowd, outside the area range)
    ev: bool  # evaluated at all (within maxDets, image and class evaluated)
    oc: list[int]  # DetectionOutcome code per threshold (an FP's reason)


class TruthMatch(msgspec.Struct, tag_field="k", tag="g"):
    """A ground-truth object's matches: ``ms[k]`` is the score of the detection that
    matched it at IoU threshold ``k`` (-1: none); ``gi``: COCOeval ignores it."""

    ms: list[float]
    gi: bool


class RleRecord(msgspec.Struct):
    size: tuple[int, int]  # height, width
    runs: tuple[int, int] | None  # [start, length] into the counts buffer (uncompressed RLE)
    string: str | None  # compressed RLE, decoded when drawn


class OverlayObject(msgspec.Struct):
    """One annotation or detection. ``row`` is its row in its table (ids are never sent:
    JavaScript numbers cannot hold every int64)."""

    row: int
    source: int  # 0 = ground truth, k = prediction run k (1-based, in GridModel._runs order)
    category: int  # category id (only coloured by, never looked up in the browser)
    bbox: tuple[float, float, float, float]  # x, y, w, h in original image pixels
    crowd: bool
    score: float | None
    area: float
    poly: list[int] | None  # [start, ring length, ...] into the coords buffer (x, y pairs)
    rle: RleRecord | None
    m: DetectionMatch | TruthMatch | None  # when the grid has an evaluation
    stand_in: bool = False  # the box is a stand-in for a file's unusable one (NaN, Infinity)
    # [start, joints] into the coords buffer: x, y, v per joint. For ground truth v is
    # COCO's flag (0 not labelled, 1 labelled but hidden, 2 visible); for a detection, its
    # confidence in the joint (any v > 0 is drawn as placed).
    kp: tuple[int, int] | None = None


class SkeletonRecord(msgspec.Struct):
    """A keypoint category's joints: their names (the preview lists them) and its bones,
    pairs of 0-based joint indices, flat."""

    category: int
    names: list[str]
    bones: list[int]


class Overlay(msgspec.Struct):
    width: int  # the original image size the geometry refers to
    height: int
    objects: list[OverlayObject]
    view: tuple[float, float, float, float] | None = None  # the part shown (object crops)
    emphasis: list[str] | None = None  # "source:row" of objects to emphasise
    skeletons: list[SkeletonRecord] | None = None  # of the categories with keypoints shown


# -- replies -----------------------------------------------------------------------------


class ThumbnailItem(msgspec.Struct):
    row: int
    width: int
    height: int
    error: str | None
    caption: str
    buffer: int  # index of the encoded image's buffer, -1 when there is none
    mime: str
    overlay: Overlay | None


class ThumbnailBatch(msgspec.Struct):
    """The ``thumbnails`` reply; ``coords`` (float32) and ``counts`` (uint32) index the
    buffers shared by all overlays of the batch."""

    items: list[ThumbnailItem]
    coords: int
    counts: int


class ImageTitle(msgspec.Struct):
    """What the preview's title names: the image's file, its id as the file has it (text,
    only shown: an id may be a string or beyond what a JavaScript number holds) and its
    size as the dataset records it."""

    file_name: str
    image_id: str
    width: int
    height: int


class ImageReply(msgspec.Struct):
    """The ``preview`` and ``full_image`` reply: one item, its image's title and its
    overlay's buffers."""

    item: ThumbnailItem
    title: ImageTitle
    coords: int
    counts: int


class Empty(msgspec.Struct):
    """A reply without content."""


class ActionResult(msgspec.Struct):
    """The ``tag`` and ``act`` reply: what was done, as the grid's status line says it."""

    message: str


#: Methods the grid serves: their parameters and their result.
GRID_METHODS: dict[str, tuple[type[msgspec.Struct], type[msgspec.Struct]]] = {
    "thumbnails": (ThumbnailsParams, ThumbnailBatch),
    "preview": (RowParams, ImageReply),
    "full_image": (RowParams, ImageReply),
    "refresh_columns": (NoParams, Empty),
    "tag": (TagParams, ActionResult),
    "act": (ActionParams, ActionResult),
}

Incoming = Request | Cancel


def decode_incoming(content: Any) -> Request | Cancel:
    """A message from the browser as a struct; ``msgspec.ValidationError`` if malformed."""
    message: Request | Cancel = msgspec.convert(content, type=Incoming)
    return message


def decode_params(method_params: type[msgspec.Struct], params: Any) -> Any:
    """A request's parameters as the method's struct; ``msgspec.ValidationError`` if not."""
    return msgspec.convert(params, type=method_params)


def encode(value: Any) -> Any:
    """A struct (or anything msgspec knows) as the plain values a comm message carries."""
    return msgspec.to_builtins(value)
