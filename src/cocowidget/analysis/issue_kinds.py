"""The five kinds of label issue, each found from the overlaps in one vectorised pass.

A detection is *confident* when its score is at least ``min_score``. Every candidate has
a score in [0, 1] (higher: more likely a real label mistake) that combines the model's
confidence with the overlap the kind rests on. What was learnt from cleanlab's ObjectLab
(Tkachenko et al., 2023; ``cleanlab/object_detection/rank.py``): a label is judged by
the model's confident boxes around it, per subtype (overlooked, swapped, badly located),
with a similarity of IoU and centre distance, and predictions below a probability
threshold (0.95 for overlooked and swap, 0.5 for badly located) ignored. What is done
otherwise here, and why (``benchmarks/bench_label_issues.py`` measures both):

- each kind checks the condition it means, not only one similarity: a swap needs *no*
  confident detection of the labelled class on the object (ObjectLab's swap score also
  ranks labels whose class the model confidently sees there too: a quarter of its top
  wrong-class candidates on the benchmark, most of the rest being duplicate labels),
  and a detection judged against a label must fit no other label better (93 % of
  ObjectLab's top badly-located false positives on the benchmark are labels whose only
  confident same-class detections fit a neighbouring label better); so each candidate
  comes with its fix;
- overlaps only: a pair that does not overlap says nothing about either object, so the
  centre-distance term (which only matters for non-overlapping pairs) is left out;
- the model's second box of an unlabelled object is one missing label, not two;
- duplicates, of one class or two, are a kind of their own (ObjectLab only lowers the
  swap score of differently labelled twins), and so are spurious labels, weighed by how
  often the model finds labels of that size at all (ObjectLab has no such subtype);
- thresholds are measured on planted mistakes; ObjectLab's 0.95 misses every
  detector that rarely scores that high.

Per kind (score in brackets):

- ``missing_label``: a confident detection overlapping no annotation (IoU below
  ``missing_iou``, crowd regions counting as covering what lies in them); of
  overlapping candidates only the most confident is kept (the model's duplicates).
  [score * (1 - IoU / missing_iou)] Fix: add the detection as a label.
- ``wrong_class``: a confident detection of class B on an annotation of class A
  (IoU at least ``class_iou``, and no annotation fits it better), where no detection of
  A reaches ``class_iou`` with ``min_score``, and no annotation of B fits the detection
  at ``class_iou``. [score of B * (1 - best score of A on the object)] Fix: relabel to
  B.
- ``badly_located``: an annotation whose best confident same-class detection overlaps it
  at ``location_iou[0]`` <= IoU < ``location_iou[1]``, that detection fitting no other
  annotation better. [score * (1 - IoU)] Fix: the detection's box.
- ``duplicate_label``: two annotations at IoU >= ``duplicate_iou``, of one class or two.
  The one the model supports less (by its best same-class detection: score * IoU) is
  the candidate, the other its ``other`` annotation. [IoU * (1 - support / 2)] Fix:
  remove it.
- ``spurious_label``: an annotation no confident detection of any class overlaps at
  ``spurious_iou``, in an image where the model is confident about something, of a size
  the model finds at least half the time (:func:`detection_rate_by_size`, measured on
  the run itself). [the image's best score * (1 - best score * IoU of any detection on
  it) * that rate] Fix: remove it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cocowidget.analysis._groups import group_argmax, group_max
from cocowidget.analysis.overlaps import Objects, Overlaps
from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.iou import box_pair_iou, pair_indices

KINDS = ("missing_label", "wrong_class", "badly_located", "duplicate_label", "spurious_label")
FIXES = {
    "missing_label": "add_label",
    "wrong_class": "change_class",
    "badly_located": "replace_box",
    "duplicate_label": "remove_label",
    "spurious_label": "remove_label",
}
#: Detections of one object the model reports twice overlap at least this much.
DUPLICATE_DETECTION_IOU = 0.5


@dataclass(frozen=True)
class Thresholds:
    """The finders' thresholds (see the module docstring). The defaults, per IoU type
    (:data:`DEFAULTS`), are measured on the planted-mistakes benchmark
    (``benchmarks/bench_label_issues.py --sweep``)."""

    min_score: float = 0.5
    missing_iou: float = 0.2
    class_iou: float = 0.5
    location_iou: tuple[float, float] = (0.1, 0.5)
    duplicate_iou: float = 0.8
    spurious_iou: float = 0.1

    def __post_init__(self) -> None:
        for name in ("min_score", "missing_iou", "class_iou", "duplicate_iou", "spurious_iou"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], not {value!r}")
        low, high = self.location_iou
        if not 0.0 <= low < high <= 1.0:
            raise ValueError(
                "location_iou must be (low, high) with 0 <= low < high <= 1, "
                f"not {self.location_iou!r}"
            )


#: Masks overlap less than their boxes for the same fit (a model's mask of a partly
#: hidden object covers all of it, its label only what shows; a redrawn outline differs
#: along its whole length), so their duplicate and location thresholds are lower.
DEFAULTS = {
    "bbox": Thresholds(),
    "segm": Thresholds(location_iou=(0.05, 0.4), duplicate_iou=0.7),
}
#: A label no confident detection overlaps is a candidate only if the model finds at
#: least this share of the labels of about its size: where it misses most, its silence
#: says nothing.
SPURIOUS_MIN_DETECTION_RATE = 0.5


@dataclass
class Candidates:
    """One kind's candidates; indices into :class:`Objects` (-1: none)."""

    kind: str
    score: FloatArray
    gt: IntArray
    det: IntArray
    other: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    iou: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        n = len(self.score)
        if len(self.other) != n:
            self.other = np.full(n, -1, dtype=np.int64)
        if len(self.iou) != n:
            self.iou = np.full(n, np.nan)

    def __len__(self) -> int:
        return len(self.score)


def _none(n: int) -> IntArray:
    return np.full(n, -1, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Evidence:
    """Per-pair and per-object facts the finders share."""

    objects: Objects
    overlaps: Overlaps
    thresholds: Thresholds

    @property
    def pair_score(self) -> FloatArray:
        return self.objects.dt_score[self.overlaps.det]

    @property
    def same_class(self) -> BoolArray:
        o, p = self.objects, self.overlaps
        same: BoolArray = o.dt_category[p.det] == o.gt_category[p.gt]
        return same

    @property
    def crowd(self) -> BoolArray:
        return self.objects.gt_crowd[self.overlaps.gt]

    @property
    def confident(self) -> BoolArray:
        confident: BoolArray = self.pair_score >= self.thresholds.min_score
        return confident

    def per_gt(self, values: FloatArray) -> FloatArray:
        return group_max(values, self.overlaps.gt, self.objects.n_gt)

    def per_det(self, values: FloatArray) -> FloatArray:
        return group_max(values, self.overlaps.det, self.objects.n_dt)

    def best_fit_of_detection(self) -> FloatArray:
        """Each detection's largest IoU with an annotation that is not a crowd region."""
        return self.per_det(np.where(self.crowd, 0.0, self.overlaps.iou))


def missing_labels(e: Evidence) -> Candidates:
    o, t = e.objects, e.thresholds
    covered = e.per_det(e.overlaps.iou)  # crowd regions included: they cover their members
    alone = np.flatnonzero((o.dt_score >= t.min_score) & (covered < t.missing_iou))
    alone = alone[_most_confident_of_overlapping(o, alone)]
    score = o.dt_score[alone] * (1.0 - covered[alone] / max(t.missing_iou, 1e-12))
    return Candidates("missing_label", score, _none(len(alone)), alone, iou=covered[alone])


def _most_confident_of_overlapping(o: Objects, rows: IntArray) -> np.ndarray:
    """Which of the detections ``rows`` no more confident one of them overlaps at
    :data:`DUPLICATE_DETECTION_IOU` (any class: a look-alike's box on the same object
    is the same object)."""
    first, second = pair_indices(o.dt_image[rows], o.dt_image[rows], o.n_images)
    distinct = first != second
    first, second = first[distinct], second[distinct]
    no_crowd = np.zeros(len(rows), dtype=bool)
    boxes = o.dt_box[rows]
    iou = box_pair_iou(first, second, boxes, boxes, no_crowd)
    score = o.dt_score[rows]
    beaten = (iou >= DUPLICATE_DETECTION_IOU) & (
        (score[second] > score[first]) | ((score[second] == score[first]) & (second < first))
    )
    keep = np.ones(len(rows), dtype=bool)
    keep[first[beaten]] = False
    return keep


def wrong_classes(e: Evidence) -> Candidates:
    p, t = e.overlaps, e.thresholds
    same, score = e.same_class, e.pair_score
    fits = p.iou >= t.class_iou
    own_class = e.per_gt(np.where(same & fits, score, 0.0))  # the labelled class's support
    detection_fits_own = e.per_det(np.where(same, p.iou, 0.0))  # an annotation of its class
    best_fit = e.best_fit_of_detection()
    eligible = (
        ~same
        & ~e.crowd
        & e.confident
        & fits
        & (own_class[p.gt] < t.min_score)
        & (detection_fits_own[p.det] < t.class_iou)
        & (p.iou >= best_fit[p.det])
    )
    pair_value = np.where(eligible, score * (1.0 - own_class[p.gt]), np.nan)
    return _best_per_annotation("wrong_class", e, pair_value)


def badly_located(e: Evidence) -> Candidates:
    p, t = e.overlaps, e.thresholds
    low, high = t.location_iou
    same_confident = e.same_class & e.confident & ~e.crowd
    best_same = e.per_gt(np.where(same_confident, p.iou, 0.0))
    best_fit = e.best_fit_of_detection()
    eligible = (
        same_confident
        & (p.iou >= low)
        & (p.iou < high)
        & (best_same[p.gt] < high)
        & (p.iou >= best_fit[p.det])
    )
    pair_value = np.where(eligible, e.pair_score * (1.0 - p.iou), np.nan)
    return _best_per_annotation("badly_located", e, pair_value)


def _best_per_annotation(kind: str, e: Evidence, pair_value: FloatArray) -> Candidates:
    """One candidate per annotation: its pair of the highest value."""
    p = e.overlaps
    best = group_argmax(pair_value, p.gt, e.objects.n_gt)
    pairs = best[best >= 0]
    return Candidates(kind, pair_value[pairs], p.gt[pairs], p.det[pairs], iou=p.iou[pairs])


def duplicate_labels(e: Evidence) -> Candidates:
    p, t = e.overlaps, e.thresholds
    close = p.ab_iou >= t.duplicate_iou
    a, b, iou = p.a[close], p.b[close], p.ab_iou[close]
    support = e.per_gt(np.where(e.same_class, e.pair_score * p.iou, 0.0))
    # The one the model supports less goes; of equal support, the later one.
    drop_a = support[a] < support[b]
    candidate = np.where(drop_a, a, b)
    other = np.where(drop_a, b, a)
    score = iou * (1.0 - 0.5 * support[candidate])
    return Candidates("duplicate_label", score, candidate, _none(len(a)), other=other, iou=iou)


def spurious_labels(e: Evidence) -> Candidates:
    o, p, t = e.objects, e.overlaps, e.thresholds
    seen = e.per_gt(np.where(e.confident, p.iou, 0.0))
    evidence = e.per_gt(e.pair_score * p.iou)
    image_confidence = group_max(o.dt_score, o.dt_image, o.n_images)[o.gt_image]
    found = detection_rate_by_size(o, seen >= t.class_iou)
    rows = np.flatnonzero(
        ~o.gt_crowd
        & (seen < t.spurious_iou)
        & (image_confidence >= t.min_score)
        & (found >= SPURIOUS_MIN_DETECTION_RATE)
    )
    score = image_confidence[rows] * (1.0 - evidence[rows]) * found[rows]
    return Candidates("spurious_label", score, rows, _none(len(rows)), iou=seen[rows])


def detection_rate_by_size(o: Objects, found: np.ndarray) -> FloatArray:
    """Per annotation, the share of annotations of about its size (half-octave bins of
    the box's square root area) that a confident detection finds: a small object the
    model misses says little, a large one much. Smoothed towards 1/2 (Laplace)."""
    side = np.sqrt(np.maximum(o.gt_box[:, 2] * o.gt_box[:, 3], 1.0))
    size_bin = np.clip(np.floor(2.0 * np.log2(side)), 0, 40).astype(np.int64)
    counted = ~o.gt_crowd
    total = np.bincount(size_bin[counted], minlength=41)
    hits = np.bincount(size_bin[counted & found], minlength=41)
    rate: FloatArray = ((hits + 1.0) / (total + 2.0))[size_bin]
    return rate


FINDERS = {
    "missing_label": missing_labels,
    "wrong_class": wrong_classes,
    "badly_located": badly_located,
    "duplicate_label": duplicate_labels,
    "spurious_label": spurious_labels,
}
