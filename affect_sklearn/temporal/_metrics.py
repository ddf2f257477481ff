"""Change-point and segment metrics for per-frame label sequences."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ._sequences import split_sequences
from ._smoothing import runs

__all__ = ["change_point_scores", "change_points_from_labels", "segment_accuracy"]


def _as_sequences(x, name):
    """(list of 1-D arrays, nested) for one sequence or several."""
    seqs, single = split_sequences(
        x,
        frame_ndim=1,
        prefix=f"{name} must be",
        expected="an array of one sequence or a list of arrays, one per sequence",
    )
    return seqs, not single


def change_points_from_labels(labels):
    """Frame indices where the label differs from the previous frame.

    Parameters
    ----------
    labels : array-like of shape (n_frames,) or list of such arrays
        Per-frame labels of one sequence, or of several.

    Returns
    -------
    change_points : ndarray of int, or list of ndarrays
        One array per sequence (a list for list input).

    Examples
    --------
    >>> from affect_sklearn.temporal import change_points_from_labels
    >>> change_points_from_labels(["calm", "calm", "happy", "happy", "sad"])
    array([2, 4])
    """
    seqs, nested = _as_sequences(labels, "labels")
    out = [runs(s)[0][1:].astype(np.int64) for s in seqs]
    return out if nested else out[0]


def _check_cps(cps, name):
    seqs, nested = _as_sequences(cps, name)
    out = []
    for s in seqs:
        if s.size and (
            not np.issubdtype(s.dtype, np.number)
            or np.any(s < 0)
            or np.any(s != np.round(s))
        ):
            raise ValueError(
                f"{name} must hold non-negative integer frame indices; got "
                f"{s[:5].tolist()}... Use change_points_from_labels(labels) to get "
                "them from per-frame labels."
            )
        out.append(np.sort(s.astype(np.int64)))
    return out, nested


def _match(true, pred, tolerance):
    """Size of the largest one-to-one matching with |t - p| <= tolerance."""
    i = j = tp = 0
    while i < len(true) and j < len(pred):
        if pred[j] < true[i] - tolerance:
            j += 1
        elif pred[j] > true[i] + tolerance:
            i += 1
        else:
            tp += 1
            i += 1
            j += 1
    return tp


@validate_params(
    {
        "true_cps": ["array-like"],
        "pred_cps": ["array-like"],
        "tolerance": [Interval(Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def change_point_scores(true_cps, pred_cps, *, tolerance=5):
    """Precision, recall and F1 of detected change points within a tolerance.

    A detected change point is a hit when it lies within ``tolerance`` frames
    of a true one; each true change point is matched at most once (a largest
    one-to-one matching). Counts add up over sequences. With no detected
    change points precision is 1 (no false alarm); with no true ones recall
    is 1 (nothing missed); so two empty lists score 1 and F1 is 0 whenever
    only one side is empty.

    Parameters
    ----------
    true_cps : array-like of int, or list of such arrays
        True change points (frame indices) of one sequence, or of several.
    pred_cps : array-like of int, or list of such arrays
        Detected change points, in the same form.
    tolerance : int, default=5
        Largest distance, in frames, between a hit and its true change point.

    Returns
    -------
    precision : float
        Hits over detected change points.
    recall : float
        Hits over true change points.
    f1 : float
        Harmonic mean of precision and recall.

    Examples
    --------
    >>> from affect_sklearn.temporal import change_point_scores
    >>> change_point_scores([10, 50], [12, 30, 49], tolerance=3)
    (0.6666666666666666, 1.0, 0.8)
    """
    true, t_nested = _check_cps(true_cps, "true_cps")
    pred, p_nested = _check_cps(pred_cps, "pred_cps")
    if len(true) != len(pred) or t_nested != p_nested:
        raise ValueError(
            f"true_cps and pred_cps must describe the same sequences; got "
            f"{len(true)} and {len(pred)} sequences. Pass one array each for one "
            "sequence, or two lists of equal length."
        )
    tp = sum(_match(t, p, tolerance) for t, p in zip(true, pred, strict=True))
    n_true = sum(len(t) for t in true)
    n_pred = sum(len(p) for p in pred)
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_true if n_true else 1.0
    denom = precision + recall
    f1 = 2 * precision * recall / denom if denom else 0.0
    return float(precision), float(recall), float(f1)


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "min_overlap": [Interval(Real, 0, 1, closed="right")],
    },
    prefer_skip_nested_validation=True,
)
def segment_accuracy(y_true, y_pred, *, min_overlap=0.5):
    """Fraction of true segments whose label the prediction recovers.

    A true segment (a run of equal labels) counts as recovered when the
    predicted label equals its label on at least ``min_overlap`` of its
    frames. Unlike frame accuracy, a long segment weighs as much as a short
    one, so missing a brief expression costs as much as missing a long one.

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of such arrays
        True per-frame labels of one sequence, or of several.
    y_pred : array-like of shape (n_frames,) or list of such arrays
        Predicted per-frame labels, in the same form and lengths.
    min_overlap : float, default=0.5
        Fraction of a segment's frames that must carry its label, in (0, 1].

    Returns
    -------
    accuracy : float
        Recovered segments over all true segments, pooled over sequences.

    Examples
    --------
    >>> from affect_sklearn.temporal import segment_accuracy
    >>> segment_accuracy([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 0, 0, 2, 2])
    0.6666666666666666
    """
    true, t_nested = _as_sequences(y_true, "y_true")
    pred, p_nested = _as_sequences(y_pred, "y_pred")
    lengths_t = [len(s) for s in true]
    lengths_p = [len(s) for s in pred]
    if lengths_t != lengths_p or t_nested != p_nested:
        raise ValueError(
            "y_true and y_pred must have the same sequences and lengths; got "
            f"lengths {lengths_t[:5]} and {lengths_p[:5]}."
        )
    hits = total = 0
    for t, p in zip(true, pred, strict=True):
        starts, ends, labels = runs(t)
        for s, e, lab in zip(starts, ends, labels, strict=True):
            total += 1
            hits += np.mean(p[s:e] == lab) >= min_overlap
    if total == 0:
        raise ValueError("y_true holds no frames; segment_accuracy needs at least 1.")
    return float(hits / total)
