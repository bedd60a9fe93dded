"""Which image and object metrics go with the model's mistakes, and how strongly.

Two outcomes at the evaluation's operating point, from the one verdict rule
(``ground_truth_matches`` / ``detection_matches``): a counted ground-truth object is
**found** or missed, a counted detection is a **true positive** or a false positive.
Each metric (an image column of the object's image, or an object column: the ground
truth's for the first outcome, the detection's own box for the second) gets

- ``correlation``: Spearman's rank correlation with the outcome (1 = found / true
  positive), over the rows where the metric is finite, with a bootstrap interval;
- ``importance``: how much a gradient-boosted classifier (scikit-learn's
  ``HistGradientBoostingClassifier``, which takes missing values as they are) on all
  metrics at once loses in ROC AUC on held-out rows when this metric's values are
  shuffled (permutation importance); the interval is over bootstrap resamples of the
  held-out rows, each with its own shuffle.

This measures association, not cause: a metric that travels with another (object area
with its relative area) shares its importance, and a metric can matter through the
classes whose objects have it. An all-NaN or constant metric gets a note and no numbers.

scikit-learn and scipy are the ``insight`` extra (``pip install cocowidget[insight]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from cocowidget.data.metric_columns import chosen_metrics
from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import FloatArray
from cocowidget.evaluation.importance_options import ImportanceOptions
from cocowidget.evaluation.operating_point import Verdict

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.evaluation.evaluated import Judged

Outcome = Literal["found", "true_positive"]
OUTCOMES: tuple[Outcome, ...] = ("found", "true_positive")


def metric_importance(
    evaluation: Judged,
    columns: Sequence[str] | None = None,
    *,
    options: ImportanceOptions | None = None,
) -> Table:
    """One row per metric and outcome, most important first within each outcome:
    ``metric``, ``kind`` (``"image"`` / ``"object"``), ``outcome``, ``rows``,
    ``positive_share``, ``correlation`` (+ ``_low``/``_high``), ``importance`` (+
    ``_low``/``_high``), ``note``. ``columns``: which metrics (image or annotation
    columns); by default every numeric one-dimensional column that describes the data
    (no ids, no run or tag results: those have a ``.`` in their name)."""
    options = options or ImportanceOptions()
    _check_options(options)
    _require_extra()
    ds = evaluation.dataset
    if ds is None:
        raise ValueError(
            "metric_importance needs the dataset the evaluation came from (ds.evaluate)"
        )
    image_metrics, object_metrics = chosen_metrics(ds.images, ds.annotations, columns)
    if not image_metrics and not object_metrics:
        raise ValueError("no numeric image or object columns to relate to the outcome")
    rng = np.random.default_rng(options.seed)
    rows: list[dict[str, Any]] = []
    for outcome in OUTCOMES:
        features, names, kinds, labels = _design(
            evaluation, ds, outcome, image_metrics, object_metrics
        )
        rows += _rank(features, names, kinds, labels, outcome, options, rng)
    return _table(rows)


# -- what is measured ----------------------------------------------------------------------------
def _design(
    evaluation: Judged,
    ds: CocoData,
    outcome: Outcome,
    image_metrics: list[str],
    object_metrics: list[str],
) -> tuple[FloatArray, list[str], list[str], np.ndarray]:
    """The rows the outcome counts, their metrics (a column each) and 0/1 labels."""
    t = evaluation.params.iou_index(evaluation.iou_threshold)
    score = evaluation.score_threshold
    if outcome == "found":
        verdict = evaluation.ground_truth_matches.verdicts(t, score)
        counted = np.flatnonzero((verdict == Verdict.FOUND) | (verdict == Verdict.FN))
        positive = verdict[counted] == Verdict.FOUND
        objects: Table | None = ds.annotations
        image_ids = evaluation.ground_truth["image_id"][counted]
    else:
        verdict = evaluation.detection_matches.verdicts(t, score)
        counted = np.flatnonzero((verdict == Verdict.TP) | (verdict == Verdict.FP))
        positive = verdict[counted] == Verdict.TP
        run = evaluation.run
        objects = ds.predictions[run] if run is not None and run in ds.runs else None
        image_ids = evaluation.detections["image_id"][counted]
    image_rows = ds.image_rows(image_ids)
    columns: list[FloatArray] = []
    names: list[str] = []
    kinds: list[str] = []
    for name in image_metrics:
        values = np.asarray(ds.images[name], dtype=np.float64)
        columns.append(np.where(image_rows >= 0, values[np.maximum(image_rows, 0)], np.nan))
        names.append(name)
        kinds.append("image")
    for name in object_metrics:
        if objects is None or name not in objects:
            column = np.full(len(counted), np.nan)  # the run's boxes lack it: a note says so
        else:
            column = np.asarray(objects[name], dtype=np.float64)[counted]
        columns.append(column)
        names.append(name)
        kinds.append("object")
    features = np.column_stack(columns) if columns else np.zeros((len(counted), 0))
    return features, names, kinds, positive.astype(np.int8)


# -- how strongly --------------------------------------------------------------------------------
def _rank(
    features: FloatArray,
    names: list[str],
    kinds: list[str],
    labels: np.ndarray,
    outcome: Outcome,
    options: ImportanceOptions,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    n = len(labels)
    share = float(labels.mean()) if n else float("nan")
    notes = [_note(features[:, j], n) for j in range(features.shape[1])]
    if not n:
        single_class = "no counted rows"
    elif labels.min() == labels.max():
        single_class = f"every counted row is {'positive' if labels[0] else 'negative'}"
    else:
        single_class = ""
    usable = [j for j, note in enumerate(notes) if not note]
    importance = {j: (np.nan, np.nan, np.nan) for j in range(len(names))}
    correlation = dict(importance)
    if not single_class and usable:
        correlation.update(_spearman(features, labels, usable, options, rng))
        importance.update(_permutation(features[:, usable], labels, usable, options, rng))
    rows = []
    for j, name in enumerate(names):
        rho, rho_low, rho_high = correlation[j]
        value, low, high = importance[j]
        rows.append(
            {
                "metric": name,
                "kind": kinds[j],
                "outcome": outcome,
                "rows": int(np.isfinite(features[:, j]).sum()),
                "positive_share": share,
                "correlation": rho,
                "correlation_low": rho_low,
                "correlation_high": rho_high,
                "importance": value,
                "importance_low": low,
                "importance_high": high,
                "note": single_class or notes[j],
            }
        )
    rows.sort(key=_most_important_first)
    return rows


def _most_important_first(row: dict[str, Any]) -> float:
    value = float(row["importance"])
    return -value if np.isfinite(value) else np.inf


def _note(values: FloatArray, n: int) -> str:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return "no finite values" if n else "no counted rows"
    if finite.min() == finite.max():
        return f"constant ({finite[0]:g})"
    return ""


def _spearman(
    features: FloatArray,
    labels: np.ndarray,
    columns: list[int],
    options: ImportanceOptions,
    rng: np.random.Generator,
) -> dict[int, tuple[float, float, float]]:
    """Spearman's correlation of each metric with the outcome, over its finite rows, and
    a bootstrap interval from resamples of the rows shared by all metrics."""
    from scipy.stats import rankdata

    n = len(labels)
    y = labels.astype(np.float64)
    ranks = np.zeros((n, len(columns)))
    finite = np.zeros((n, len(columns)))
    rho = {}
    for k, j in enumerate(columns):
        keep = np.isfinite(features[:, j])
        x = rankdata(features[keep, j])
        ranks[keep, k], finite[keep, k] = x, 1.0
        # A binary outcome's ranks are an affine map of it: its Pearson is Spearman's.
        rho[j] = float(_pearson(x[None, :], y[keep][None, :])[0])
    # Each resample as counts of each row (a bootstrap's weights), so that every metric's
    # sums over it are one matrix product; in chunks of about four million weights.
    chunk = max(1, 4_000_000 // max(n, 1))
    resampled = []
    for start in range(0, options.bootstrap, chunk):
        size = min(chunk, options.bootstrap - start)
        weights = np.stack(
            [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(size)]
        ).astype(np.float64)
        resampled.append(_weighted_pearson(weights, ranks, finite, y))
    boot = np.concatenate(resampled)
    result = {}
    for k, j in enumerate(columns):
        low, high = _interval(boot[:, k], options.level)
        result[j] = (rho[j], low, high)
    return result


def _pearson(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson's correlation of each row of ``x`` with the same row of ``y``."""
    dx = x - x.mean(axis=1, keepdims=True)
    dy = y - y.mean(axis=1, keepdims=True)
    denominator = np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.where(denominator > 0, (dx * dy).sum(axis=1) / denominator, np.nan)
    return result


def _weighted_pearson(
    weights: FloatArray, x: FloatArray, finite: FloatArray, y: FloatArray
) -> FloatArray:
    """Pearson's correlation of each column of ``x`` (where ``finite``) with the 0/1
    outcome ``y``, under each row of ``weights``: ``(resamples, metrics)``."""
    count = weights @ finite
    mean_x = (weights @ x) / count
    mean_y = (weights @ (finite * y[:, None])) / count
    covariance = (weights @ (x * y[:, None])) / count - mean_x * mean_y
    variance_x = (weights @ (x * x)) / count - mean_x**2
    variance_y = mean_y - mean_y**2  # y * y = y
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = covariance / np.sqrt(variance_x * variance_y)
    return result


def _permutation(
    features: FloatArray,
    labels: np.ndarray,
    columns: list[int],
    options: ImportanceOptions,
    rng: np.random.Generator,
) -> dict[int, tuple[float, float, float]]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    n = len(labels)
    order = rng.permutation(n)
    half = n // 2
    train = order[: min(half, options.max_rows)]
    test = order[half : half + min(n - half, options.max_rows // 4)]
    if np.ptp(labels[train]) == 0 or np.ptp(labels[test]) == 0:
        return {}
    model = HistGradientBoostingClassifier(
        max_iter=30, max_leaf_nodes=15, early_stopping=False, random_state=options.seed
    )
    x_test, y_test = features[test], labels[test]
    resamples = [rng.integers(0, len(test), len(test)) for _ in range(options.repeats)]
    resamples = [p for p in resamples if np.ptp(y_test[p]) > 0]
    result: dict[int, tuple[float, float, float]] = {}
    # One thread: for a model this small OpenMP's start-up costs more than it saves
    # (measured: fit 3x and predict 2.5x faster on this project's 2-core machine).
    with threadpool_limits(1):
        model.fit(features[train], labels[train])
        baselines = [_auc(y_test[p], model.predict_proba(x_test[p])[:, 1]) for p in resamples]
        for k, j in enumerate(columns):
            drops = []
            for p, baseline in zip(resamples, baselines, strict=True):
                shuffled = x_test[p].copy()
                shuffled[:, k] = shuffled[rng.permutation(len(p)), k]
                drops.append(baseline - _auc(y_test[p], model.predict_proba(shuffled)[:, 1]))
            low, high = _interval(np.array(drops), options.level)
            result[j] = (float(np.mean(drops)), low, high)
    return result


def _auc(labels: np.ndarray, scores: FloatArray) -> float:
    """ROC AUC as the Mann–Whitney statistic (ties count half, as ``roc_auc_score``)."""
    from scipy.stats import rankdata

    positive = labels.astype(bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _interval(values: FloatArray, level: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _require_extra() -> None:
    try:
        import scipy.stats  # noqa: F401
        import sklearn.ensemble  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "metric_importance needs scikit-learn and scipy: pip install 'cocowidget[insight]'"
        ) from error


def _check_options(options: ImportanceOptions) -> None:
    if options.bootstrap < 1 or options.repeats < 1 or options.max_rows < 10:
        raise ValueError("bootstrap and repeats must be at least 1, max_rows at least 10")
    if not 0 < options.level < 1:
        raise ValueError(f"level is a coverage between 0 and 1, not {options.level}")


def _table(rows: list[dict[str, Any]]) -> Table:
    text = ("metric", "kind", "outcome", "note")
    columns: dict[str, np.ndarray] = {}
    for key in rows[0] if rows else ():
        values = [row[key] for row in rows]
        if key in text:
            columns[key] = np.array(values, dtype=object)
        elif key == "rows":
            columns[key] = np.array(values, dtype=np.int64)
        else:
            columns[key] = np.array(values, dtype=np.float64)
    return Table(columns)
