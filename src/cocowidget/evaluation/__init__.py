"""COCO evaluation engine: COCOeval-exact numbers, and tables of what happened where.

``evaluate(gt, dt, iou_type)`` returns an :class:`Evaluation`: pycocotools' stats (12;
10 for keypoints) and precision/recall arrays, per-image, per-class, per-detection and
per-ground-truth tables, precision–recall curves and a class confusion matrix. Inputs are columnar
(:class:`GroundTruth`, :class:`Detections`); adapters build them from pycocotools
objects or COCO-format dicts. Data-layer code: no widget imports.
"""

from cocowidget.evaluation.coco_adapter import (
    detections_from_coco,
    detections_from_results,
    ground_truth_from_coco,
    ground_truth_from_dict,
)
from cocowidget.evaluation.compare import RunComparison, compare_runs
from cocowidget.evaluation.confusion import ConfusionMatches, ConfusionMatrix
from cocowidget.evaluation.dataset_adapter import (
    detections_from_dataset,
    evaluate_dataset,
    ground_truth_from_dataset,
)
from cocowidget.evaluation.engine import evaluate
from cocowidget.evaluation.importance_options import ImportanceOptions
from cocowidget.evaluation.inputs import Detections, GroundTruth
from cocowidget.evaluation.operating_point import Counts
from cocowidget.evaluation.outcomes import DetectionOutcome, GroundTruthStatus
from cocowidget.evaluation.params import EvalParams, IouType
from cocowidget.evaluation.result import KEYPOINT_STAT_NAMES, STAT_NAMES, Evaluation

__all__ = [
    "KEYPOINT_STAT_NAMES",
    "STAT_NAMES",
    "ConfusionMatches",
    "ConfusionMatrix",
    "Counts",
    "DetectionOutcome",
    "Detections",
    "EvalParams",
    "Evaluation",
    "GroundTruth",
    "GroundTruthStatus",
    "ImportanceOptions",
    "IouType",
    "RunComparison",
    "compare_runs",
    "detections_from_coco",
    "detections_from_dataset",
    "detections_from_results",
    "evaluate",
    "evaluate_dataset",
    "ground_truth_from_coco",
    "ground_truth_from_dataset",
    "ground_truth_from_dict",
]
