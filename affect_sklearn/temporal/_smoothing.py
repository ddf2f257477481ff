"""Smoothing of per-frame class probabilities: moving average and sticky HMM."""

from __future__ import annotations

import heapq
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["ema_smooth", "sticky_transition_matrix", "viterbi_decode"]

# Floor of the probabilities before taking logs: a frame can never rule out
# a class completely, so one confident wrong frame costs at most -log(1e-6).
_EPS = 1e-6


def _check_proba(proba, name="proba"):
    """A float64 copy of a (n_frames, n_classes) array; whole NaN rows allowed."""
    arr = np.asarray(proba, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(
            f"{name} must have shape (n_frames, n_classes); got shape {arr.shape}. "
            "Pass one sequence, e.g. the output of predict_proba on its frames."
        )
    nan = np.isnan(arr)
    partial = nan.any(axis=1) & ~nan.all(axis=1)
    if partial.any() or np.isinf(arr).any():
        raise ValueError(
            f"{name} must be finite, or NaN across a whole row for a frame without "
            f"a prediction; got {int(partial.sum())} partly-NaN rows and "
            f"{int(np.isinf(arr).sum())} infinite values."
        )
    return arr


@validate_params(
    {"proba": ["array-like"], "alpha": [Interval(Real, 0, 1, closed="right")]},
    prefer_skip_nested_validation=True,
)
def ema_smooth(proba, alpha=0.3):
    """Exponential moving average of per-frame probabilities (causal).

    ``s[t] = alpha * p[t] + (1 - alpha) * s[t - 1]``, starting at
    ``s[0] = p[0]``. Frames whose row is all NaN (no face, no prediction)
    repeat the previous smoothed row; leading NaN rows take the first
    observed row, and an all-NaN input gives uniform rows. Each output row
    depends only on the frames up to it, so this works on a live stream.

    Parameters
    ----------
    proba : array-like of shape (n_frames, n_classes)
        Per-frame probabilities of one sequence.
    alpha : float, default=0.3
        Weight of the newest frame, in (0, 1]; 1 leaves the input unchanged.

    Returns
    -------
    smoothed : ndarray of shape (n_frames, n_classes)
        Smoothed probabilities; rows still sum to 1 when the input rows do.

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.temporal import ema_smooth
    >>> p = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> ema_smooth(p, alpha=0.5)
    array([[1.  , 0.  ],
           [0.5 , 0.5 ],
           [0.75, 0.25]])
    """
    arr = _check_proba(proba)
    n, k = arr.shape
    out = np.empty_like(arr)
    observed = np.flatnonzero(~np.isnan(arr[:, 0]))
    if len(observed) == 0:
        out.fill(1.0 / k)
        return out
    state = arr[observed[0]].copy()
    for t in range(n):
        row = arr[t]
        if not np.isnan(row[0]):
            state = alpha * row + (1 - alpha) * state
        out[t] = state
    return out


@validate_params(
    {
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "stay_prob": [Interval(Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def sticky_transition_matrix(n_classes, stay_prob):
    """Transition matrix that stays with ``stay_prob`` and switches uniformly.

    Parameters
    ----------
    n_classes : int
        Number of states (classes), at least 2.
    stay_prob : float
        Probability of keeping the label from one frame to the next, in (0, 1).

    Returns
    -------
    transmat : ndarray of shape (n_classes, n_classes)
        Rows sum to 1; the diagonal is ``stay_prob``.

    Examples
    --------
    >>> from affect_sklearn.temporal import sticky_transition_matrix
    >>> sticky_transition_matrix(3, 0.9)
    array([[0.9 , 0.05, 0.05],
           [0.05, 0.9 , 0.05],
           [0.05, 0.05, 0.9 ]])
    """
    off = (1.0 - stay_prob) / (n_classes - 1)
    mat = np.full((n_classes, n_classes), off)
    np.fill_diagonal(mat, stay_prob)
    return mat


def _log_emissions(arr):
    """log of the floored, row-normalised probabilities; NaN rows give zeros."""
    missing = np.isnan(arr[:, 0])
    p = np.clip(np.where(missing[:, None], 1.0, arr), _EPS, None)
    p /= p.sum(axis=1, keepdims=True)
    return np.where(missing[:, None], 0.0, np.log(p))


def _check_chain(transmat, startprob, k):
    a = np.asarray(transmat, dtype=np.float64)
    if a.shape != (k, k) or (a < 0).any() or not np.allclose(a.sum(axis=1), 1):
        raise ValueError(
            f"transmat must be a ({k}, {k}) matrix of non-negative rows summing to "
            f"1 (one row and column per class of proba); got shape {a.shape}. "
            "Build one with sticky_transition_matrix(n_classes, stay_prob)."
        )
    if startprob is None:
        s = np.full(k, 1.0 / k)
    else:
        s = np.asarray(startprob, dtype=np.float64)
        if s.shape != (k,) or (s < 0).any() or not np.isclose(s.sum(), 1):
            raise ValueError(
                f"startprob must hold {k} non-negative values summing to 1; got "
                f"shape {s.shape}. Pass None for uniform start probabilities."
            )
    with np.errstate(divide="ignore"):
        return np.log(a), np.log(s)


def viterbi_decode(proba, transmat, startprob=None):
    """Most likely label path of an HMM whose emissions are per-frame probabilities.

    The per-frame probabilities (floored at 1e-6) are used as emission
    likelihoods, so one confident but wrong frame cannot outweigh the cost of
    switching away and back (``2 * log(stay / switch)`` with a sticky
    ``transmat``). Frames whose row is all NaN are unobserved: they keep the
    label of the last observed frame (of the first one, before it). Unlike
    :func:`ema_smooth` the decode needs the whole sequence.

    Parameters
    ----------
    proba : array-like of shape (n_frames, n_classes)
        Per-frame probabilities of one sequence.
    transmat : array-like of shape (n_classes, n_classes)
        ``transmat[i, j]`` is the probability of class ``j`` following ``i``.
    startprob : array-like of shape (n_classes,), default=None
        Probabilities of the first label; None is uniform.

    Returns
    -------
    path : ndarray of shape (n_frames,) of int
        Column index of the decoded class of each frame.

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.temporal import sticky_transition_matrix, viterbi_decode
    >>> p = np.array([[0.9, 0.1]] * 3 + [[0.2, 0.8]] + [[0.9, 0.1]] * 3)
    >>> viterbi_decode(p, sticky_transition_matrix(2, 0.95))
    array([0, 0, 0, 0, 0, 0, 0])
    """
    arr = _check_proba(proba)
    n, k = arr.shape
    log_a, log_s = _check_chain(transmat, startprob, k)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    log_e = _log_emissions(arr)
    back = np.empty((n, k), dtype=np.intp)
    delta = log_s + log_e[0]
    for t in range(1, n):
        scores = delta[:, None] + log_a
        back[t] = np.argmax(scores, axis=0)
        delta = scores[back[t], np.arange(k)] + log_e[t]
    path = np.empty(n, dtype=np.intp)
    path[-1] = int(np.argmax(delta))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    # Where a change falls inside a run of unobserved frames is a tie: keep the
    # last observed label through the run (the first one before any frame).
    missing = np.isnan(arr[:, 0])
    if missing.any() and not missing.all():
        observed = np.flatnonzero(~missing)
        last = np.maximum.accumulate(np.where(missing, -1, np.arange(n)))
        last[last < 0] = observed[0]
        path = path[last]
    return path


def hmm_posteriors(proba, transmat, startprob=None):
    """Per-frame posterior class probabilities of the same HMM (forward-backward)."""
    arr = _check_proba(proba)
    n, k = arr.shape
    log_a, log_s = _check_chain(transmat, startprob, k)
    if n == 0:
        return np.empty((0, k))
    a = np.exp(log_a)
    e = np.exp(_log_emissions(arr))
    fwd = np.empty((n, k))
    f = np.exp(log_s) * e[0]
    fwd[0] = f / f.sum()
    for t in range(1, n):
        f = (fwd[t - 1] @ a) * e[t]
        fwd[t] = f / f.sum()
    post = np.empty((n, k))
    b = np.ones(k)
    post[-1] = fwd[-1]
    for t in range(n - 2, -1, -1):
        b = a @ (e[t + 1] * b)
        b /= b.sum()
        g = fwd[t] * b
        post[t] = g / g.sum()
    return post


def hysteresis_argmax(smoothed, margin):
    """Column of the largest value, switching only when it leads by ``margin``."""
    n = len(smoothed)
    out = np.empty(n, dtype=np.intp)
    if n == 0:
        return out
    best = np.argmax(smoothed, axis=1)
    if margin <= 0:
        return best.astype(np.intp)
    cur = best[0]
    for t in range(n):
        cand = best[t]
        if cand != cur and smoothed[t, cand] > smoothed[t, cur] + margin:
            cur = cand
        out[t] = cur
    return out


def runs(path):
    """Starts, (exclusive) ends and values of the runs of equal values of ``path``."""
    path = np.asarray(path)
    n = len(path)
    if n == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, path[:0]
    change = np.flatnonzero(path[1:] != path[:-1]) + 1
    starts = np.r_[0, change].astype(np.intp)
    ends = np.r_[change, n].astype(np.intp)
    return starts, ends, path[starts]


def enforce_min_duration(path, proba, min_duration):
    """Merge runs shorter than ``min_duration`` frames into a neighbouring run.

    The shortest run goes first; it joins the neighbour whose class has the
    higher mean probability over the run's frames (ties: the longer
    neighbour), and the two neighbours fuse when they share a label. A
    sequence shorter than ``min_duration`` stays one run.
    """
    path = np.asarray(path, dtype=np.intp)
    n = len(path)
    if min_duration <= 1 or n == 0:
        return path
    s_arr, e_arr, lab_arr = runs(path)
    n_runs = len(s_arr)
    if n_runs == 1:
        return path
    starts, ends, labels = s_arr.tolist(), e_arr.tolist(), lab_arr.tolist()
    prev = list(range(-1, n_runs - 1))
    nxt = list(range(1, n_runs + 1))
    nxt[-1] = -1
    alive = [True] * n_runs

    observed = ~np.isnan(proba[:, 0])
    filled = np.where(observed[:, None], proba, 0.0)
    csum = np.vstack([np.zeros((1, proba.shape[1])), np.cumsum(filled, axis=0)])
    ccount = np.r_[0, np.cumsum(observed)]

    def support(s, e, k):
        count = ccount[e] - ccount[s]
        return (csum[e, k] - csum[s, k]) / count if count else 0.0

    heap = [
        (ends[r] - starts[r], starts[r], r)
        for r in range(n_runs)
        if ends[r] - starts[r] < min_duration
    ]
    heapq.heapify(heap)
    while heap:
        length, _, r = heapq.heappop(heap)
        if not alive[r] or ends[r] - starts[r] != length:
            continue
        p, q = prev[r], nxt[r]
        if p == -1 and q == -1:
            break
        options = [j for j in (p, q) if j != -1]
        j = max(
            options,
            key=lambda j: (support(starts[r], ends[r], labels[j]), ends[j] - starts[j]),
        )
        if j == p:
            ends[p] = ends[r]
        else:
            starts[q] = starts[r]
        alive[r] = False
        if p != -1:
            nxt[p] = q
        if q != -1:
            prev[q] = p
        if p != -1 and q != -1 and labels[p] == labels[q]:
            ends[p] = ends[q]
            alive[q] = False
            nxt[p] = nxt[q]
            if nxt[q] != -1:
                prev[nxt[q]] = p
        for m in (p, q):
            if m != -1 and alive[m] and ends[m] - starts[m] < min_duration:
                heapq.heappush(heap, (ends[m] - starts[m], starts[m], m))
    out = np.empty(n, dtype=np.intp)
    for r in range(n_runs):
        if alive[r]:
            out[starts[r] : ends[r]] = labels[r]
    return out
