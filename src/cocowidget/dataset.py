"""CocoDataset: a COCO dataset and the analyses built on it.

The data itself (tables, runs, derived columns, quality, export) is
:class:`~cocowidget.data.dataset.CocoData`, in the data layer; this class adds the
analyses, which live above it (evaluation today), so that data never imports them.
"""

from __future__ import annotations

from collections.abc import Sequence

from cocowidget._arguments import checked_methods
from cocowidget.data.dataset import CocoData
from cocowidget.evaluation import evaluate_dataset
from cocowidget.evaluation.columns import attach_columns
from cocowidget.evaluation.params import IOU_TYPES, EvalParams
from cocowidget.evaluation.result import Evaluation


@checked_methods
class CocoDataset(CocoData):
    """A COCO dataset (and any number of prediction runs) as columnar tables, with its
    evaluation. See :class:`~cocowidget.data.dataset.CocoData` for the tables, runs,
    derived columns, quality checks and export; build one with :meth:`from_coco`."""

    def evaluate(
        self,
        run: str,
        iou_type: str = "bbox",
        *,
        iouThrs: Sequence[float] | None = None,  # noqa: N803 (pycocotools' Params names)
        recThrs: Sequence[float] | None = None,  # noqa: N803
        maxDets: Sequence[int] | None = None,  # noqa: N803
        areaRng: Sequence[Sequence[float]] | None = None,  # noqa: N803
        areaRngLbl: Sequence[str] | None = None,  # noqa: N803
        useCats: bool | int = 1,  # noqa: N803
        imgIds: Sequence[int] | None = None,  # noqa: N803
        catIds: Sequence[int] | None = None,  # noqa: N803
        kpt_oks_sigmas: Sequence[float] | None = None,
        params: EvalParams | None = None,
        iou_threshold: float | None = None,
        score_threshold: float = 0.5,
        background_iou: float = 0.1,
    ) -> Evaluation:
        """Evaluate prediction run ``run`` exactly as pycocotools' COCOeval does.

        Returns an :class:`~cocowidget.evaluation.Evaluation` (stats, per-class, per-image,
        per-detection and per-object tables) and adds its per-image results as image
        columns named ``"<run>.ap"``, ``"<run>.fp"``, ... (``"<run>.segm.ap"`` for masks,
        ``"<run>.keypoints.ap"`` for keypoints), so grids sort by them and explorers chart
        them.

        ``iou_type``: ``"bbox"``, ``"segm"`` or ``"keypoints"`` (OKS; ``stats`` are then
        COCOeval's 10 keypoint numbers, and only categories with keypoints are evaluated
        unless ``catIds`` says otherwise). The options are those of
        :func:`cocowidget.evaluation.evaluate`: the ``pycocotools.cocoeval.Params``
        fields with COCOeval's defaults for ``iou_type`` (``None``: ``iouThrs``
        .50:.05:.95, ``recThrs`` 0:.01:1, ``maxDets`` ``[1, 10, 100]`` or ``[20]``,
        ``areaRng`` / ``areaRngLbl``, ``useCats``, ``imgIds`` / ``catIds`` all,
        ``kpt_oks_sigmas`` COCO's 17), or ``params`` for all of them; ``iou_threshold``
        (``None``: the evaluated one closest to 0.5) and ``score_threshold``, the operating
        point of the TP/FP/FN columns; ``background_iou``, the overlap below which a false
        positive is "background".
        """
        if iou_type not in IOU_TYPES:
            raise ValueError(f"iou_type must be one of {IOU_TYPES}, not {iou_type!r}")
        self._objects(run)  # a clear KeyError for an unknown run
        evaluation = evaluate_dataset(
            self,
            run,
            iou_type,
            iouThrs=iouThrs,
            recThrs=recThrs,
            maxDets=maxDets,
            areaRng=areaRng,
            areaRngLbl=areaRngLbl,
            useCats=useCats,
            imgIds=imgIds,
            catIds=catIds,
            kpt_oks_sigmas=kpt_oks_sigmas,
            params=params,
            iou_threshold=iou_threshold,
            score_threshold=score_threshold,
            background_iou=background_iou,
        )
        attach_columns(self, run, evaluation)
        return evaluation
