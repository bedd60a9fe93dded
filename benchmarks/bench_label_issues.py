"""``ds.label_issues`` against planted label mistakes, beside cleanlab's ObjectLab.

    .venv/bin/python benchmarks/bench_label_issues.py [--images 2000] [--timing-images 5000]
        [--rounds 3] [--sweep] [--no-cleanlab]

Data: ``cocowidget.datasets.write_annotations_only`` with ``label_mistakes`` (the
default rates of :class:`cocowidget.datasets.LabelMistakes`), written once to a cache
folder outside the repository: the simulated detector's results are of the true objects,
the annotations carry the planted mistakes, and the record says which.

Recovery, per kind of planted mistake (:mod:`cocowidget.analysis.planted` says what a
hit is): precision at k (k = the number planted of that kind) and recall.

* ours: the candidates ``label_issues`` returns of that kind, best score first.
* cleanlab (``cleanlab.object_detection``, same detections, same labels, converted to its
  per-image label dicts and per-class ``[x1, y1, x2, y2, score]`` arrays): each kind is
  ranked by the per-box subtype score that addresses it: ``overlooked`` for missing
  labels, ``swap`` for wrong classes and duplicates (its overlapping-label check gives
  boxes with a differently labelled twin the lowest swap score), ``badloc`` for badly
  located boxes; it has no subtype for spurious labels, which are ranked by the lower of
  swap and badloc. Precision at k ranks every box the subtype scores (not only those it
  flags, which favours cleanlab); recall counts the boxes its own per-box rule flags
  (score <= a quarter of the class's AP times 0.8, as ``find_label_issues`` decides).
  Cleanlab runs twice: with its defaults (confident = score > 0.95) and with its
  probability thresholds set to our ``min_score``, since this detector rarely scores
  above 0.95. COCO crowd regions have no counterpart in cleanlab: they are left out of
  its labels, and detections lying in them (crowd IoU >= 0.5, pycocotools' measure)
  out of its predictions.
* image level: the images with any planted mistake, ranked by cleanlab's
  ``get_label_quality_scores`` (+ ``issues_from_scores``) and flagged by its
  ``find_label_issues``, beside ours (an image's best candidate score; flagged: any
  candidate).

Timing on ``--timing-images`` (5,000: ~37,000 labels, ~44,000 detections): our
``label_issues`` (bbox; segm separately) against cleanlab's ``find_label_issues`` and
``get_label_quality_scores`` on the same input, best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cleanlab_baseline import CleanlabInput, cleanlab_per_kind, quietly
from cocowidget.analysis import KINDS
from cocowidget.analysis.planted import Ranked, Recovery, recovery
from cocowidget.dataset import CocoDataset
from cocowidget.datasets import LabelMistakes, write_annotations_only
from cocowidget.evaluation.iou import box_pair_iou

RUN = "detector"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def planted_set(n_images: int) -> tuple[CocoDataset, dict[str, Any]]:
    folder = Path(tempfile.gettempdir()) / "cocowidget-bench-label-issues"
    folder.mkdir(exist_ok=True)
    gt = folder / f"instances_{n_images}_seed0.json"
    dt = folder / f"predictions_{n_images}_seed0.json"
    record = folder / f"mistakes_{n_images}_seed0.json"
    if not (gt.exists() and dt.exists() and record.exists()):
        print(f"writing {n_images} images with planted label mistakes to {folder} (once) ...")
        write_annotations_only(
            gt,
            n_images=n_images,
            seed=0,
            predictions_path=dt,
            label_mistakes=LabelMistakes(),
            mistakes_path=record,
        )
    ds = CocoDataset.from_coco(gt)
    ds.add_predictions(dt, RUN)
    return ds, json.loads(record.read_text())


# -- scoring -----------------------------------------------------------------------------


def planted_by_row(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The planted mistakes per table row: each kind, duplicates also by variant."""
    mistakes = record["mistakes"]
    rows = {kind: [m for m in mistakes if m["kind"] == kind] for kind in KINDS}
    duplicates = rows["duplicate_label"]
    rows["duplicate (same class)"] = [m for m in duplicates if m["same_class"]]
    rows["duplicate (other class)"] = [m for m in duplicates if not m["same_class"]]
    return rows


ROW_KIND = {
    **{kind: kind for kind in KINDS},
    "duplicate (same class)": "duplicate_label",
    "duplicate (other class)": "duplicate_label",
}
ROWS = (
    "missing_label",
    "wrong_class",
    "badly_located",
    "duplicate_label",
    "duplicate (same class)",
    "duplicate (other class)",
    "spurious_label",
)


def ours_per_row(issues: Any, planted: dict[str, list[dict[str, Any]]]) -> dict[str, Recovery]:
    result = {}
    for row in ROWS:
        kind = ROW_KIND[row]
        ranked = Ranked.of_kind(issues, kind)
        if row.startswith("duplicate ("):
            same = row == "duplicate (same class)"
            rows = np.flatnonzero(issues["kind"] == kind)
            variant = (issues["category_id"][rows] == issues["other_category_id"][rows]) == same
            ranked = _subset(ranked, variant)
        result[row] = recovery(ranked, planted[row], kind)
    return result


def _subset(ranked: Ranked, keep: np.ndarray) -> Ranked:
    return Ranked(
        ranked.score[keep],
        ranked.image_id[keep],
        ranked.annotation_id[keep],
        ranked.other_annotation_id[keep],
        ranked.box[keep],
    )


def cleanlab_per_row(
    per_kind: dict[str, tuple[Ranked, Ranked]], planted: dict[str, list[dict[str, Any]]]
) -> dict[str, Recovery]:
    result = {}
    for row in ROWS:
        kind = ROW_KIND[row]
        scored, flagged = per_kind[kind]
        ranked_result = recovery(scored, planted[row], kind)
        flagged_result = recovery(flagged, planted[row], kind)
        result[row] = Recovery(
            planted=ranked_result.planted,
            candidates=flagged_result.candidates,
            precision_at_k=ranked_result.precision_at_k,
            recall=flagged_result.recall,
        )
    return result


def image_level(
    image_ids: np.ndarray, score: np.ndarray, flagged: np.ndarray, record: dict[str, Any]
) -> tuple[float, float, int, int]:
    """Precision at k (k = images with a planted mistake), recall of flagged images and
    how many are flagged."""
    truth = {int(m["image_id"]) for m in record["mistakes"]}
    k = len(truth)
    order = np.argsort(-score, kind="stable")[:k]
    top = sum(1 for i in image_ids[order].tolist() if int(i) in truth)
    found = sum(1 for i in image_ids[flagged].tolist() if int(i) in truth)
    return top / k, found / k, k, int(flagged.sum())


def ours_image_level(ds: CocoDataset, issues: Any) -> tuple[np.ndarray, np.ndarray]:
    ids = ds.images["id"]
    score = np.zeros(len(ids))
    row = np.searchsorted(ids, issues["image_id"]) if np.all(np.diff(ids) > 0) else None
    assert row is not None, "the benchmark's image ids are increasing"
    np.maximum.at(score, row, issues["score"])
    flagged = np.zeros(len(ids), dtype=bool)
    flagged[row] = True
    return score, flagged


# -- output ------------------------------------------------------------------------------


def ceilings(ds: CocoDataset, planted: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Per kind, the share of planted mistakes the detections can reveal at all: the
    true object has a confident (>= 0.5) detection of its true class at IoU >= 0.5 (for
    missing, wrong-class and badly located labels; the others need no detection)."""
    detections = ds.predictions[RUN]
    row_of_image = {int(i): r for r, i in enumerate(ds.images["id"].tolist())}
    label_row = {int(i): r for r, i in enumerate(ds.annotations["id"].tolist())}
    boxes = ds.annotations["bbox"]

    def seen(image_id: int, category_id: int, box: Any) -> bool:
        rows = ds._objects(RUN).rows_of(row_of_image[image_id])
        confident = (detections["score"][rows] >= 0.5) & (
            detections["category_id"][rows] == category_id
        )
        candidates = detections["bbox"][rows][confident]
        if len(candidates) == 0:
            return False
        iou = box_pair_iou(
            np.arange(len(candidates)),
            np.zeros(len(candidates), dtype=np.int64),
            candidates,
            np.asarray([box], dtype=np.float64),
            np.zeros(1, dtype=bool),
        )
        return bool((iou >= 0.5).any())

    def share(
        rows: list[dict[str, Any]], truth: Callable[[dict[str, Any]], tuple[int, Any]]
    ) -> float:
        if not rows:
            return float("nan")
        return float(np.mean([seen(int(m["image_id"]), *truth(m)) for m in rows]))

    return {
        "missing_label": share(planted["missing_label"], lambda m: (m["category_id"], m["bbox"])),
        "wrong_class": share(
            planted["wrong_class"],
            lambda m: (m["true_category_id"], boxes[label_row[int(m["annotation_id"])]]),
        ),
        "badly_located": share(
            planted["badly_located"], lambda m: (m["category_id"], m["true_bbox"])
        ),
    }


def print_table(
    planted: dict[str, list[dict[str, Any]]],
    columns: list[tuple[str, dict[str, Recovery]]],
    image_rows: list[tuple[str, tuple[float, float, int, int]]],
    ceiling: dict[str, float],
) -> None:
    header = f"{'kind':<24}{'planted':>8}{'ceiling':>8}"
    for name, _ in columns:
        header += f" | {name + ' P@k':>20} {'recall':>6} {'flagged':>7}"
    print(header)
    print("-" * len(header))
    for row in ROWS:
        limit = f"{ceiling[row]:.3f}" if row in ceiling else "-"
        line = f"{row:<24}{len(planted[row]):>8}{limit:>8}"
        for _, results in columns:
            r = results[row]
            line += f" | {r.precision_at_k:>20.3f} {r.recall:>6.3f} {r.candidates:>7}"
        print(line)
    print()
    for name, (precision, recall_, k, n_flagged) in image_rows:
        print(
            f"image level, {name:<10} P@k {precision:.3f} (k = {k} images with a planted "
            f"mistake)  recall {recall_:.3f} ({n_flagged} images flagged)"
        )


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def sweep(ds: CocoDataset, planted: dict[str, list[dict[str, Any]]], iou_type: str) -> None:
    """Precision at k and recall per kind over each threshold (the others at default)."""
    print(f"sweep ({iou_type}): precision at k / recall (candidates) per kind")
    grid: dict[str, list[Any]] = {
        "min_score": [0.3, 0.4, 0.5, 0.6, 0.7],
        "missing_iou": [0.0, 0.05, 0.1, 0.2, 0.3],
        "class_iou": [0.3, 0.4, 0.5, 0.6],
        "location_iou": [(0.05, 0.5), (0.1, 0.5), (0.2, 0.5), (0.1, 0.6), (0.1, 0.65), (0.1, 0.7)],
        "duplicate_iou": [0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
        "spurious_iou": [0.1, 0.2, 0.3, 0.4, 0.5],
    }
    for name, values in grid.items():
        print(f"\n{name}:")
        for value in values:
            issues = ds.label_issues(RUN, iou_type, **{name: value})
            results = ours_per_row(issues, planted)
            cells = "  ".join(
                f"{row[:14]} {results[row].precision_at_k:.2f}/{results[row].recall:.2f}"
                f" ({results[row].candidates})"
                for row in ROWS
                if not row.startswith("duplicate (")
            )
            print(f"  {value!s:<12} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--timing-images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sweep", action="store_true", help="print the threshold sweep")
    parser.add_argument("--iou-type", default="bbox", choices=("bbox", "segm"), help="of the sweep")
    parser.add_argument("--no-cleanlab", action="store_true")
    args = parser.parse_args()
    print(load_average())

    ds, record = planted_set(args.images)
    planted = planted_by_row(record)
    n_dt = len(ds.predictions[RUN])
    print(
        f"recovery: {len(ds.images):,} images, {len(ds.annotations):,} labels, "
        f"{n_dt:,} detections, {len(record['mistakes']):,} planted mistakes"
    )
    if args.sweep:
        sweep(ds, planted, args.iou_type)
        return
    issues = ds.label_issues(RUN)
    columns = [("ours", ours_per_row(issues, planted))]
    score, flagged = ours_image_level(ds, issues)
    image_rows = [("ours", image_level(ds.images["id"], score, flagged, record))]
    issues_segm = ds.label_issues(RUN, "segm")
    columns.append(("ours segm", ours_per_row(issues_segm, planted)))
    if not args.no_cleanlab:
        from cleanlab.object_detection.filter import find_label_issues
        from cleanlab.object_detection.rank import get_label_quality_scores

        data = CleanlabInput(ds, RUN)
        columns.append(("cleanlab", cleanlab_per_row(cleanlab_per_kind(data, None), planted)))
        columns.append(
            ("cleanlab thr=0.5", cleanlab_per_row(cleanlab_per_kind(data, 0.5), planted))
        )
        quality = quietly(get_label_quality_scores, data.labels, data.predictions)
        is_issue = quietly(find_label_issues, data.labels, data.predictions)
        image_rows.append(
            (
                "cleanlab",
                image_level(ds.images["id"], 1.0 - quality, np.asarray(is_issue, bool), record),
            )
        )
    print()
    print_table(planted, columns, image_rows, ceilings(ds, planted))

    ds, _ = planted_set(args.timing_images)
    n_dt = len(ds.predictions[RUN])
    print(
        f"\ntiming: {len(ds.images):,} images, {len(ds.annotations):,} labels, "
        f"{n_dt:,} detections; best of {args.rounds}"
    )
    ours_bbox, _ = timed(lambda: ds.label_issues(RUN), args.rounds)
    print(f"  ours label_issues (bbox)                 {ours_bbox * 1000:9.0f} ms")
    ours_segm, _ = timed(lambda: ds.label_issues(RUN, "segm"), args.rounds)
    print(f"  ours label_issues (segm)                 {ours_segm * 1000:9.0f} ms")
    if not args.no_cleanlab:
        from cleanlab.object_detection.filter import find_label_issues
        from cleanlab.object_detection.rank import get_label_quality_scores

        convert, data = timed(lambda: CleanlabInput(ds, RUN), 1)
        print(f"  converting to cleanlab's input           {convert * 1000:9.0f} ms")
        quality_time, _ = timed(
            lambda: quietly(get_label_quality_scores, data.labels, data.predictions), 1
        )
        print(
            f"  cleanlab get_label_quality_scores        {quality_time * 1000:9.0f} ms"
            f"  ({quality_time / ours_bbox:.0f}x ours)"
        )
        find_time, _ = timed(lambda: quietly(find_label_issues, data.labels, data.predictions), 1)
        print(
            f"  cleanlab find_label_issues               {find_time * 1000:9.0f} ms"
            f"  ({find_time / ours_bbox:.0f}x ours)"
        )


if __name__ == "__main__":
    main()
