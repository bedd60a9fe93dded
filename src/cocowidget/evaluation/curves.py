"""Interpolated precision–recall curves, as COCOeval's ``accumulate`` computes them.

Detections come in segments (a category's detections over all images, or one image's
detections of one category), each already in COCOeval's order. Per segment and IoU
threshold: cumulative TP/FP counts, ``precision = tp / (tp + fp + eps)``, the precision
envelope (running maximum from the right), and for each recall threshold ``r`` the
envelope at the first detection whose recall ``tp / npig`` reaches ``r`` (0 if none does).

COCOeval finds that detection with ``searchsorted(recall, r, side='left')``. Recall only
grows at true positives, so the same detection is "the n-th true positive" where n is the
smallest integer with ``n / npig >= r`` in double precision; computing n per segment and
threshold turns every lookup into one gather, for all segments at once, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray, segment_starts

_LOOP_SEGMENTS = 512


@dataclass(frozen=True, eq=False)
class Curves:
    """``precision`` and ``scores`` are ``(T, R, S)``, ``recall`` is ``(T, S)``; -1 marks
    segments without ground truth to find (``npig == 0``), as in COCOeval."""

    precision: FloatArray
    recall: FloatArray
    scores: FloatArray


def needed_true_positives(npig: IntArray, recall_thresholds: FloatArray) -> IntArray:
    """Smallest ``n`` with ``n / npig >= r`` (in float64), ``(S, R)``; ``npig`` > 0."""
    total = npig.astype(np.float64)[:, None]
    target = recall_thresholds[None, :]
    n = np.clip(np.ceil(target * total), 0, total)
    # The product can be off by one ulp; settle on the exact boundary.
    while True:
        lower = (n >= 1) & ((n - 1) / total >= target)
        raise_ = (n / total < target) & (n < total)
        if not lower.any() and not raise_.any():
            break
        n = n - lower + raise_
    return n.astype(np.int64)


def segmented_suffix_max(values: FloatArray, starts: IntArray, lengths: IntArray) -> FloatArray:
    """Running maximum from the right within each segment, along the last axis."""
    if len(starts) <= _LOOP_SEGMENTS:
        out = values.copy()
        for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
            if length > 1:
                piece = out[..., start : start + length]
                out[..., start : start + length] = np.maximum.accumulate(piece[..., ::-1], axis=-1)[
                    ..., ::-1
                ]
        return out
    # Many short segments: doubling steps (Hillis–Steele), log2(longest) passes.
    out = values.copy()
    n = values.shape[-1]
    segment_end = np.repeat(starts + lengths, lengths)
    index = np.arange(n)
    step = 1
    longest = int(lengths.max()) if len(lengths) else 0
    while step < longest:
        source = index[index + step < segment_end]
        out[..., source] = np.maximum(out[..., source], out[..., source + step])
        step *= 2
    return out


def _cumulative_counts(flags: BoolArray) -> np.ndarray:
    """Running count of true flags along each row, with a leading 0 column.

    int32 (counts stay below 2**31): numpy's cumsum of bools into int32 runs several
    times faster than into its default int64."""
    out = np.zeros((flags.shape[0], flags.shape[1] + 1), dtype=np.int32)
    np.cumsum(flags, axis=1, dtype=np.int32, out=out[:, 1:])
    return out


def _positions_by_row(flags: BoolArray) -> IntArray:
    """Column of every true flag, row by row (``np.nonzero(flags)[1]``, but 2-D nonzero is
    several times slower than flatnonzero)."""
    columns: IntArray = np.flatnonzero(flags) % max(flags.shape[1], 1)
    return columns


def precision_recall(
    *,
    tp: BoolArray,
    fp: BoolArray,
    scores: FloatArray,
    lengths: IntArray,
    npig: IntArray,
    recall_thresholds: FloatArray,
) -> Curves:
    """Curves for contiguous segments of ``lengths`` detections each.

    ``tp`` and ``fp`` are ``(T, N)`` with the detections in COCOeval's order within each
    segment; ignored detections are neither. ``npig`` counts each segment's ground truth
    that is not ignored.
    """
    n_thresholds, n = tp.shape
    n_segments = len(lengths)
    n_recall = len(recall_thresholds)
    starts = segment_starts(lengths)
    ends = starts + lengths
    segment = np.repeat(np.arange(n_segments), lengths)

    tp_cum = _cumulative_counts(tp)
    fp_cum = _cumulative_counts(fp)
    tp_seg = (tp_cum[:, 1:] - tp_cum[:, starts[segment]]).astype(np.float64)
    fp_seg = (fp_cum[:, 1:] - fp_cum[:, starts[segment]]).astype(np.float64)
    precision_at = tp_seg / (fp_seg + tp_seg + np.spacing(1))
    envelope = segmented_suffix_max(precision_at, starts, lengths)

    tp_total = tp_cum[:, ends] - tp_cum[:, starts]  # (T, S)
    has_truth = npig > 0
    safe_npig = np.where(has_truth, npig, 1)
    recall = np.where(lengths > 0, tp_total / safe_npig, 0.0)
    recall = np.where(has_truth, recall, -1.0)

    need = np.zeros((n_segments, n_recall), dtype=np.int64)  # masked to -1 below when no truth
    need[has_truth] = needed_true_positives(npig[has_truth], recall_thresholds)

    # Position of the n-th true positive of (threshold, segment): true positives of row t
    # are listed in order by nonzero; tp_cum tells how many precede the segment.
    tp_positions = _positions_by_row(tp)
    row_offset = np.concatenate([[0], np.cumsum(tp_total.sum(axis=1))[:-1]])
    before = row_offset[:, None] + tp_cum[:, starts]  # (T, S)
    need_b = need.T[None, :, :]  # (1, R, S)
    from_tp = (need_b >= 1) & (need_b <= tp_total[:, None, :])
    from_first = (need_b == 0) & (lengths > 0)[None, None, :]
    found = from_tp | from_first
    tp_index = np.where(from_tp, before[:, None, :] + need_b - 1, 0)
    position = np.where(
        from_tp,
        tp_positions[tp_index] if len(tp_positions) else 0,
        np.broadcast_to(starts, found.shape),
    )
    position = np.where(found, position, 0)
    rows = np.arange(n_thresholds)[:, None, None]
    precision = np.where(found, envelope[rows, position] if n else 0.0, 0.0)
    score = np.where(found, scores[position] if n else 0.0, 0.0)
    precision = np.where(has_truth[None, None, :], precision, -1.0)
    score = np.where(has_truth[None, None, :], score, -1.0)
    return Curves(precision=precision, recall=recall, scores=score)


def mean_interpolated_precision(
    *,
    tp: BoolArray,
    fp: BoolArray,
    lengths: IntArray,
    npig: IntArray,
    recall_thresholds: FloatArray,
) -> FloatArray:
    """``precision_recall(...).precision.mean(axis=1)``, ``(T, S)``, without the recall axis.

    For many small segments (one image's detections of one category) the ``(T, R, S)``
    array is large while few of its entries differ: recall threshold ``r`` reads the
    envelope at the ``need(npig, r)``-th true positive, so the mean over ``r`` is a sum
    over true positives weighted by how many thresholds land on each. Equal to the
    direct mean up to summation order (~1e-16). -1 for segments without ground truth.
    """
    n_thresholds = tp.shape[0]
    n_segments, n_recall = len(lengths), len(recall_thresholds)
    starts = segment_starts(lengths)
    segment = np.repeat(np.arange(n_segments), lengths)

    tp_cum = _cumulative_counts(tp)
    fp_cum = _cumulative_counts(fp)
    tp_ordinal = tp_cum[:, 1:] - tp_cum[:, starts[segment]]
    tp_seg = tp_ordinal.astype(np.float64)
    fp_seg = (fp_cum[:, 1:] - fp_cum[:, starts[segment]]).astype(np.float64)
    envelope = segmented_suffix_max(tp_seg / (fp_seg + tp_seg + np.spacing(1)), starts, lengths)

    # weight[offset[P] + n]: how many recall thresholds need exactly n of P true positives.
    has_truth = npig > 0
    totals, which = np.unique(npig[has_truth], return_inverse=True)
    offsets = segment_starts(totals + 1)
    need = needed_true_positives(totals, recall_thresholds)
    size = int(offsets[-1] + totals[-1] + 1) if len(totals) else 0
    weight = np.bincount((offsets[:, None] + need).reshape(-1), minlength=size).astype(np.float64)
    table_of_segment = np.zeros(n_segments, dtype=np.int64)
    table_of_segment[has_truth] = offsets[which.reshape(-1)]

    total = np.zeros((n_thresholds, n_segments))
    first = has_truth & (lengths > 0)  # threshold 0 reads the first detection
    total[:, first] = weight[table_of_segment[first]] * envelope[:, starts[first]]
    flat = np.flatnonzero(tp)
    t_index, position = np.divmod(flat, tp.shape[1])
    seg = segment[position]
    n = tp_ordinal[t_index, position]
    usable = has_truth[seg] & (n <= npig[seg])
    t_index, position, seg, n = t_index[usable], position[usable], seg[usable], n[usable]
    contribution = weight[table_of_segment[seg] + n] * envelope[t_index, position]
    total += np.bincount(
        t_index * n_segments + seg, weights=contribution, minlength=n_thresholds * n_segments
    ).reshape(n_thresholds, n_segments)
    return np.where(has_truth[None, :], total / n_recall, -1.0)
