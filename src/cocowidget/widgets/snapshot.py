"""What a widget shows, as text: its plain-text repr, and a static HTML snapshot kept in
the saved notebook for viewers without a kernel (GitHub, nbviewer).

JupyterLab (and any front end with the widget manager) renders the live widget, which
it prefers to ``text/html``; the snapshot is what is left where no widget can run.
Every value from the dataset or the user is escaped: it is data, never HTML.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: At most this many thumbnails in a snapshot, and only those already cached: a snapshot
#: never decodes an image.
SNAPSHOT_THUMBNAILS = 8
#: Their long side, in pixels (about 3 KB each in the notebook file).
SNAPSHOT_SIDE = 96


@dataclass
class Snapshot:
    """A widget's title, the facts that say what it shows, and a few of its images."""

    title: str
    facts: list[tuple[str, str]]
    images: list[tuple[str, str]] = field(default_factory=list)  # (data URI, caption)

    def text(self) -> str:
        facts = ", ".join(f"{label} {value}" if label else value for label, value in self.facts)
        return f"{self.title}({facts})"

    def html(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(label)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self.facts
        )
        strip = "".join(
            f"<figure style='margin:0 4px 0 0;display:inline-block;text-align:center'>"
            f"<img src='{uri}' alt='{html.escape(caption)}' style='max-height:{SNAPSHOT_SIDE}px'>"
            f"<figcaption style='font-size:10px'>{html.escape(caption)}</figcaption></figure>"
            for uri, caption in self.images
        )
        note = "a snapshot: run the notebook to explore"
        return (
            "<div class='cocowidget-snapshot' style='font-family:sans-serif;font-size:12px'>"
            f"<b>{html.escape(self.title)}</b> <i style='color:#888'>({note})</i>"
            f"<table>{rows}</table><div>{strip}</div></div>"
        )


class Described:
    """Gives a widget a repr and a static snapshot from its :meth:`snapshot`."""

    def snapshot(self) -> Snapshot:
        raise NotImplementedError

    def __repr__(self) -> str:
        try:
            return self.snapshot().text()
        except Exception:  # a repr must never fail, e.g. on a half-built widget
            return f"<{type(self).__name__}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # ipywidgets returns the data dict, anywidget a (data, metadata) pair.
        bundle: Any = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            try:
                snapshot = self.snapshot()
            except Exception:
                return bundle
            data["text/plain"] = snapshot.text()
            data["text/html"] = snapshot.html()
        return bundle


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def listed(values: Sequence[str], empty: str = "none") -> str:
    return ", ".join(values) if values else empty


def thumbnails(
    rows: Sequence[int],
    lookup: Callable[[int], Any],
    caption: Callable[[int], str],
) -> list[tuple[str, str]]:
    """Small data URIs of the cached thumbnails of the first ``rows`` (skipping the rest)."""
    from PIL import Image

    images = []
    for row in list(rows)[:SNAPSHOT_THUMBNAILS]:
        thumb = lookup(row)
        if thumb is None or not thumb.ok or thumb.data is None:
            continue
        with Image.open(io.BytesIO(thumb.data)) as image:
            small = image.convert("RGB")
            small.thumbnail((SNAPSHOT_SIDE, SNAPSHOT_SIDE))
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=70)
        uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
        images.append((uri, caption(row)))
    return images


# -- what each widget shows ------------------------------------------------------------------
def grid_snapshot(
    title: str,
    *,
    source: str,
    shown: int,
    total: int,
    noun: str,
    run: str | None = None,
    sort_by: str | None,
    runs: Sequence[str],
    evaluated: str | None,
    operating_point: tuple[float, float] | None,
    selected: int,
    images: list[tuple[str, str]],
) -> Snapshot:
    facts = [
        ("shows", f"{count(shown, noun)} of {total:,}" + (f" of run {run}" if run else "")),
        ("from", source),
        ("sorted by", sort_by or "table order"),
        ("runs drawn", listed(runs)),
    ]
    if evaluated is not None and operating_point is not None:
        iou, score = operating_point
        facts.append(
            ("coloured by", f"TP/FP/FN of {evaluated} at IoU {iou:.2f}, score ≥ {score:.2f}")
        )
    if selected:
        facts.append(("selected", count(selected, noun)))
    return Snapshot(title, facts, images)


def explorer_snapshot(
    *, source: str, charts: Sequence[str], filters: Sequence[str], matching: int, total: int
) -> Snapshot:
    return Snapshot(
        "CocoExplorer",
        [
            ("charts", listed(charts)),
            ("filters", listed(filters)),
            ("matching", f"{count(matching, 'image')} of {total:,}"),
            ("from", source),
        ],
    )


def evaluation_snapshot(
    *,
    run: str | None,
    iou_type: str,
    stats: Sequence[float],
    picked: str | None,
    image_filter: str,
    matching: int,
    total: int,
) -> Snapshot:
    facts = [
        ("run", run or "(not in the dataset)"),
        ("iou type", iou_type),
        ("AP", f"{stats[0]:.3f}"),
        ("AP50", f"{stats[1]:.3f}"),
        ("AP75", f"{stats[2]:.3f}"),
    ]
    if picked is not None:
        facts.append(("class", picked))
    facts.append(("images", f"{count(matching, 'image')} of {total:,} ({image_filter})"))
    return Snapshot("EvaluationView", facts)
