"""Label-issue candidates scored against a record of planted mistakes.

The demo generator can plant mistakes into its ground truth and record each one
(:mod:`cocowidget.datasets.mistakes`); this module says how many of them a finder's
ranked candidates recover, for the benchmark and the integration test, whatever the
finder (ours, or cleanlab's scores converted to candidates). A candidate *hits* a
planted mistake of its kind when

- ``missing_label``: its box overlaps the removed label's box in the same image at
  IoU >= 0.5 (the record keeps the removed box);
- ``duplicate_label``: an annotation it names (its own or the other of its pair) is the
  planted copy or the annotation copied;
- any other kind: its annotation is the planted one.

Each planted mistake is hit at most once: a second candidate for it counts as a miss.
Precision at k takes the k best candidates of the kind, k the number planted; recall is
the share of planted mistakes any candidate of the kind hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cocowidget.evaluation._arrays import FloatArray, IntArray

MISSING_HIT_IOU = 0.5


@dataclass(frozen=True)
class Ranked:
    """One finder's candidates of one kind, in any order (``score``: higher first)."""

    score: FloatArray
    image_id: IntArray
    annotation_id: IntArray  # -1 where none
    other_annotation_id: IntArray  # -1 where none
    box: FloatArray  # (n, 4) x, y, w, h: a missing label's detection; NaN where none

    @classmethod
    def of_kind(cls, issues: Any, kind: str) -> Ranked:
        """The candidates of ``kind`` in a :func:`~cocowidget.analysis.label_issues`
        table (with ``image_id`` and annotation ids as the dataset's own ids)."""
        rows = np.flatnonzero(issues["kind"] == kind)
        return cls(
            score=issues["score"][rows],
            image_id=issues["image_id"][rows],
            annotation_id=issues["annotation_id"][rows],
            other_annotation_id=issues["other_annotation_id"][rows],
            box=issues["fix_bbox"][rows],
        )


@dataclass(frozen=True)
class Recovery:
    planted: int
    candidates: int
    precision_at_k: float
    recall: float


def recovery(ranked: Ranked, planted: list[dict[str, Any]], kind: str) -> Recovery:
    """How well ``ranked`` recovers the ``planted`` mistakes (all of kind ``kind``)."""
    n = len(planted)
    order = np.argsort(-ranked.score, kind="stable")
    hits = _hits(ranked, planted, kind, order)
    k = n
    top_hits = int(np.count_nonzero(hits[:k] >= 0))
    found = len({int(h) for h in hits if h >= 0})
    return Recovery(
        planted=n,
        candidates=len(order),
        precision_at_k=top_hits / k if k else float("nan"),
        recall=found / n if n else float("nan"),
    )


def _hits(ranked: Ranked, planted: list[dict[str, Any]], kind: str, order: IntArray) -> IntArray:
    """For each candidate in ``order``, the planted mistake it hits first (-1: none)."""
    hits = np.full(len(order), -1, dtype=np.int64)
    taken: set[int] = set()
    if kind == "missing_label":
        by_image: dict[int, list[int]] = {}
        for i, m in enumerate(planted):
            by_image.setdefault(int(m["image_id"]), []).append(i)
        for position, c in enumerate(order.tolist()):
            for i in by_image.get(int(ranked.image_id[c]), []):
                if i not in taken and _iou(ranked.box[c], planted[i]["bbox"]) >= MISSING_HIT_IOU:
                    hits[position] = i
                    taken.add(i)
                    break
        return hits
    index = {int(m["annotation_id"]): i for i, m in enumerate(planted)}
    if kind == "duplicate_label":
        index |= {int(m["duplicate_of"]): i for i, m in enumerate(planted)}
    for position, c in enumerate(order.tolist()):
        named = [int(ranked.annotation_id[c])]
        if kind == "duplicate_label":
            named.append(int(ranked.other_annotation_id[c]))
        for annotation in named:
            i = index.get(annotation, -1)
            if i >= 0 and i not in taken:
                hits[position] = i
                taken.add(i)
                break
    return hits


def _iou(box: FloatArray, other: list[float]) -> float:
    x, y, w, h = (float(v) for v in box)
    ox, oy, ow, oh = other
    iw = min(x + w, ox + ow) - max(x, ox)
    ih = min(y + h, oy + oh) - max(y, oy)
    if not (iw > 0 and ih > 0):  # NaN boxes too
        return 0.0
    inter = iw * ih
    return inter / (w * h + ow * oh - inter)
