"""CocoDataset: a COCO dataset and the analyses built on it.

The data itself (tables, runs, derived columns, quality, export) is
:class:`~cocowidget.data.dataset.CocoData`, in the data layer; this class adds the
analyses, which live above it (evaluation, label issues), so that data never imports
them.
"""

from __future__ import annotations

from collections.abc import Sequence

from cocowidget._arguments import checked_methods
from cocowidget.analysis import label_issues as find_label_issues
from cocowidget.data.dataset import CocoData
from cocowidget.data.table import Table
from cocowidget.evaluation import evaluate_dataset
from cocowidget.evaluation.columns import attach_columns
from cocowidget.evaluation.params import EvalParams
from cocowidget.evaluation.result import Evaluation


@checked_methods
class CocoDataset(CocoData):
    """A COCO dataset (and any number of prediction runs) as columnar tables, with its
    evaluation and label issues. See :class:`~cocowidget.data.dataset.CocoData` for the
    tables, runs, derived columns, quality checks and export; build one with
    :meth:`from_coco`."""

    def evaluate(
        self,
        run: str,
        iou_type: str = "bbox",
        *,
        iouThrs: Sequence[float] | None = None,  # noqa: N803 (pycocotools' Params names)
        recThrs: Sequence[float] | None = None,  # noqa: N803
        maxDets: Sequence[int] = (1, 10, 100),  # noqa: N803
        areaRng: Sequence[Sequence[float]] = (  # noqa: N803
            (0.0, 1e10),
            (0.0, 1024.0),
            (1024.0, 9216.0),
            (9216.0, 1e10),
        ),
        areaRngLbl: Sequence[str] = ("all", "small", "medium", "large"),  # noqa: N803
        useCats: bool | int = 1,  # noqa: N803
        imgIds: Sequence[int] | None = None,  # noqa: N803
        catIds: Sequence[int] | None = None,  # noqa: N803
        params: EvalParams | None = None,
        iou_threshold: float | None = None,
        score_threshold: float = 0.5,
        background_iou: float = 0.1,
    ) -> Evaluation:
        """Evaluate prediction run ``run`` exactly as pycocotools' COCOeval does.

        Returns an :class:`~cocowidget.evaluation.Evaluation` (stats, per-class, per-image,
        per-detection and per-object tables) and adds its per-image results as image
        columns named ``"<run>.ap"``, ``"<run>.fp"``, ... (``"<run>.segm.ap"`` for masks),
        so grids sort by them and explorers chart them.

        ``iou_type``: ``"bbox"`` or ``"segm"``. The options are those of
        :func:`cocowidget.evaluation.evaluate`: the ``pycocotools.cocoeval.Params``
        fields with COCOeval's defaults (``iouThrs=None``: .50:.05:.95, ``recThrs=None``:
        0:.01:1, ``maxDets``, ``areaRng`` / ``areaRngLbl``, ``useCats``, ``imgIds`` /
        ``catIds``, ``None``: all), or ``params`` for all of them; ``iou_threshold``
        (``None``: the evaluated one closest to 0.5) and ``score_threshold``, the operating
        point of the TP/FP/FN columns; ``background_iou``, the overlap below which a false
        positive is "background".
        """
        if iou_type not in ("bbox", "segm"):
            raise ValueError(f"iou_type must be 'bbox' or 'segm', not {iou_type!r}")
        self._objects(run)  # a clear KeyError for an unknown run
        evaluation = evaluate_dataset(
            self,
            run,
            iou_type,  # type: ignore[arg-type]
            iouThrs=iouThrs,
            recThrs=recThrs,
            maxDets=maxDets,
            areaRng=areaRng,
            areaRngLbl=areaRngLbl,
            useCats=useCats,
            imgIds=imgIds,
            catIds=catIds,
            params=params,
            iou_threshold=iou_threshold,
            score_threshold=score_threshold,
            background_iou=background_iou,
        )
        attach_columns(self, run, evaluation)
        return evaluation

    def label_issues(
        self,
        run: str,
        iou_type: str = "bbox",
        *,
        min_score: float | None = None,
        missing_iou: float | None = None,
        class_iou: float | None = None,
        location_iou: tuple[float, float] | None = None,
        duplicate_iou: float | None = None,
        spurious_iou: float | None = None,
        kinds: Sequence[str] | None = None,
    ) -> Table:
        """Candidate label mistakes that run ``run``'s detections point at, most likely
        first: missing labels, wrong classes, badly located boxes, duplicate labels and
        spurious labels, each with its score and suggested fix (one row per candidate;
        the columns: :func:`cocowidget.analysis.label_issues`).

        Also attaches each annotation's best candidate (and each detection's, for
        missing labels) as derived columns ``"<run>.issues.score"`` and
        ``"<run>.issues.kind"`` (``"<run>.segm.issues.*"`` for masks), so grids sort by
        them and explorers chart them.

        ``iou_type``: ``"bbox"`` or ``"segm"``. ``min_score``: the score from which a
        detection counts as confident; the IoU thresholds decide each kind
        (:mod:`cocowidget.analysis.issue_kinds`); ``None`` takes the default measured for
        the IoU type. ``kinds`` limits the kinds looked for.
        """
        if iou_type not in ("bbox", "segm"):
            raise ValueError(f"iou_type must be 'bbox' or 'segm', not {iou_type!r}")
        return find_label_issues(
            self,
            run,
            iou_type,  # type: ignore[arg-type]
            min_score=min_score,
            missing_iou=missing_iou,
            class_iou=class_iou,
            location_iou=location_iou,
            duplicate_iou=duplicate_iou,
            spurious_iou=spurious_iou,
            kinds=kinds,
        )
