"""The numeric kernels against plain definitions: box IoU, recall lookups, envelopes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from cocowidget.evaluation.curves import (
    mean_interpolated_precision,
    needed_true_positives,
    precision_recall,
    segmented_suffix_max,
)
from cocowidget.evaluation.iou import box_iou, pair_indices
from cocowidget.evaluation.params import EvalParams

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
extent = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)
box = st.tuples(finite, finite, extent, extent)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(box, min_size=1, max_size=6),
    st.lists(st.tuples(box, st.booleans()), min_size=1, max_size=6),
)
def test_box_iou_is_bit_identical_to_pycocotools(dets: list, gts: list) -> None:
    dt = np.array(dets, dtype=np.float64)
    gt = np.array([g for g, _ in gts], dtype=np.float64)
    crowd = np.array([c for _, c in gts], dtype=bool)
    expected = mask_utils.iou(dt.tolist(), gt.tolist(), crowd.astype(np.uint8))
    d, g = np.meshgrid(np.arange(len(dt)), np.arange(len(gt)), indexing="ij")
    ours = box_iou(dt[d.ravel()], gt[g.ravel()], crowd[g.ravel()]).reshape(len(dt), len(gt))
    assert ours.tobytes() == np.asarray(expected, dtype=np.float64).tobytes()


def test_box_iou_of_thirds_is_exact_to_the_bit() -> None:
    # 1/3-wide overlaps round differently depending on the order of operations.
    dt = np.array([[0.1, 0.2, 1 / 3, 2 / 3]])
    gt = np.array([[0.3, 0.1, 0.7, 1 / 7]])
    expected = mask_utils.iou(dt.tolist(), gt.tolist(), [0])
    assert box_iou(dt, gt, np.array([False]))[0] == expected[0][0]


def test_pair_indices_enumerate_each_image_detection_major() -> None:
    det, gt = pair_indices(np.array([0, 0, 2]), np.array([0, 1, 2, 2]), 3)
    assert list(zip(det.tolist(), gt.tolist(), strict=True)) == [
        (0, 0),
        (1, 0),
        (2, 2),
        (2, 3),
    ]


@given(st.lists(st.integers(1, 400), min_size=1, max_size=30))
def test_needed_true_positives_is_searchsorted(npig: list[int]) -> None:
    thresholds = EvalParams().recall_array()
    need = needed_true_positives(np.array(npig, dtype=np.int64), thresholds)
    for row, p in enumerate(npig):
        recall = np.arange(p + 1, dtype=np.float64) / p  # every reachable recall
        np.testing.assert_array_equal(need[row], np.searchsorted(recall, thresholds, "left"))


def _suffix_max_by_hand(segments: list[np.ndarray]) -> np.ndarray:
    pieces = [np.maximum.accumulate(s[::-1])[::-1] for s in segments if len(s)]
    return np.concatenate(pieces) if pieces else np.zeros(0)


def _check_suffix_max(segments: list[np.ndarray]) -> None:
    values = np.concatenate(segments) if segments else np.zeros(0)
    lengths = np.array([len(s) for s in segments], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    out = segmented_suffix_max(np.stack([values, values / 2]), starts, lengths)
    np.testing.assert_array_equal(out[0], _suffix_max_by_hand(segments))
    np.testing.assert_array_equal(out[1], _suffix_max_by_hand([s / 2 for s in segments]))


@given(st.lists(st.lists(st.floats(0, 1), max_size=12), min_size=1, max_size=20))
def test_segmented_suffix_max_few_segments(segments: list[list[float]]) -> None:
    _check_suffix_max([np.array(s, dtype=np.float64) for s in segments])


@pytest.mark.parametrize("seed", range(5))
def test_segmented_suffix_max_many_segments(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 40, size=3000)
    lengths[rng.integers(0, 3000)] = 300  # one long segment: several doubling passes
    _check_suffix_max([rng.random(n) for n in lengths])


def _coco_accumulate_one(tp: np.ndarray, fp: np.ndarray, npig: int, scores: np.ndarray) -> tuple:
    """COCOeval.accumulate's inner loop, as written in pycocotools."""
    thresholds = EvalParams().recall_array()
    tp_sum = np.cumsum(tp).astype(float)
    fp_sum = np.cumsum(fp).astype(float)
    nd = len(tp_sum)
    rc = tp_sum / npig
    pr = (tp_sum / (fp_sum + tp_sum + np.spacing(1))).tolist()
    q = [0.0] * len(thresholds)
    ss = [0.0] * len(thresholds)
    for i in range(nd - 1, 0, -1):
        if pr[i] > pr[i - 1]:
            pr[i - 1] = pr[i]
    inds = np.searchsorted(rc, thresholds, side="left")
    try:
        for ri, pi in enumerate(inds):
            q[ri] = pr[pi]
            ss[ri] = scores[pi]
    except IndexError:
        pass
    return np.array(q), rc[-1] if nd else 0.0, np.array(ss)


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(["tp", "fp", "ignored"]), max_size=15),
            st.integers(0, 12),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_precision_recall_equals_coco_accumulate(segments: list) -> None:
    kinds = [k for s, _ in segments for k in s]
    tp = np.array([k == "tp" for k in kinds])[None, :]
    fp = np.array([k == "fp" for k in kinds])[None, :]
    scores = np.linspace(1, 0, len(kinds)) if kinds else np.zeros(0)
    lengths = np.array([len(s) for s, _ in segments], dtype=np.int64)
    npig = np.array([max(n, s.count("tp")) for s, n in segments], dtype=np.int64)
    curves = precision_recall(
        tp=tp,
        fp=fp,
        scores=scores,
        lengths=lengths,
        npig=npig,
        recall_thresholds=EvalParams().recall_array(),
    )
    start = 0
    for k, (s, _) in enumerate(segments):
        piece = slice(start, start + len(s))
        start += len(s)
        if npig[k] == 0:
            assert (curves.precision[0, :, k] == -1).all()
            assert curves.recall[0, k] == -1
            continue
        q, recall, ss = _coco_accumulate_one(
            tp[0, piece], fp[0, piece], int(npig[k]), scores[piece]
        )
        assert curves.precision[0, :, k].tobytes() == q.tobytes()
        assert curves.scores[0, :, k].tobytes() == ss.tobytes()
        assert curves.recall[0, k] == recall


@pytest.mark.parametrize("seed", range(5))
def test_mean_interpolated_precision_equals_mean_of_curves(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 12, size=300).astype(np.int64)
    n = int(lengths.sum())
    kind = rng.integers(0, 3, size=(4, n))  # 0 tp, 1 fp, 2 ignored
    tp, fp = kind == 0, kind == 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    most_tp = np.array(
        [
            tp[:, s : s + n_].sum(axis=1).max() if n_ else 0
            for s, n_ in zip(starts, lengths, strict=True)
        ]
    )
    npig = (most_tp + rng.integers(0, 3, size=len(lengths))).astype(np.int64)
    thresholds = EvalParams().recall_array()
    curves = precision_recall(
        tp=tp, fp=fp, scores=np.zeros(n), lengths=lengths, npig=npig, recall_thresholds=thresholds
    )
    expected = np.where(npig > 0, curves.precision.mean(axis=1), -1.0)
    ours = mean_interpolated_precision(
        tp=tp, fp=fp, lengths=lengths, npig=npig, recall_thresholds=thresholds
    )
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)
    assert (npig == 0).any() and (lengths == 0).any()  # the edge cases were exercised
