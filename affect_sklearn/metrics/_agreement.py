"""Inter-rater agreement: Krippendorff's alpha and Cohen's (weighted) kappa."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as _skm
from sklearn.utils._param_validation import StrOptions, validate_params

from ._checks import _check_labels_pair, _isna, _to_numpy, _warn

__all__ = ["cohen_kappa_score", "krippendorff_alpha", "krippendorff_alpha_matrix"]

_LEVELS = StrOptions({"nominal", "ordinal", "interval", "ratio"})
# Below this many raters, per-unit pair statistics loop over rater pairs; above
# it they sort each unit's ratings instead (O(M log M) rather than O(M**2)).
_PAIR_LOOP_MAX_RATERS = 8
# Number of (value, value) distances held in memory at once for level="ratio".
_RATIO_CHUNK = 1 << 22


def _reliability_to_float(data, level, func):
    """Return ``data`` as a float (raters, units) array with NaN for missing."""
    arr = _to_numpy(data, name="reliability_data")
    if arr.ndim != 2:
        raise ValueError(
            f"{func} expects reliability_data of shape (n_raters, n_units), one row "
            f"per rater and NaN where a rater skipped a unit; got shape {arr.shape}."
        )
    kind = arr.dtype.kind
    if kind in "biuf":
        x = arr.astype(np.float64, copy=False)
        if np.isinf(x).any():
            raise ValueError(
                f"{func}: ratings must be finite (NaN marks a missing rating); got "
                f"{int(np.isinf(x).sum())} infinite value(s)."
            )
        return x
    if kind not in "OUS":
        raise TypeError(
            f"{func} expects numeric or string ratings; got dtype {arr.dtype}."
        )
    missing = _isna(arr)
    if level != "nominal":
        example = arr[~missing].flat[0] if (~missing).any() else None
        raise ValueError(
            f"{func}: non-numeric ratings such as {example!r} have no order or "
            f"distance, so only level='nominal' applies; got level={level!r}. "
            "Encode ordered categories as numbers (e.g. 1..5) first."
        )
    import pandas as pd  # a core dependency; factorize copes with mixed objects

    codes, _ = pd.factorize(arr[~missing].ravel(), use_na_sentinel=False)
    x = np.full(arr.shape, np.nan)
    x[~missing] = codes
    return x


def _encode(vals):
    """Codes into a sorted value domain, counts per code and the domain itself.

    Small-range integer data (Likert scales, class labels) take an O(n) bincount
    path; the domain may then hold values with zero count, which no formula
    below is affected by.
    """
    vmin, vmax = vals.min(), vals.max()
    span = vmax - vmin
    if span <= max(4 * vals.size, 1024):
        shifted = vals - vmin
        codes = shifted.astype(np.int64)
        if np.array_equal(codes, shifted):
            counts = np.bincount(codes)
            return codes, counts, vmin + np.arange(counts.size, dtype=np.float64)
    domain, codes, counts = np.unique(vals, return_inverse=True, return_counts=True)
    return codes.reshape(-1), counts, domain


def _equal_pairs(x):
    """Per unit, the number of unordered rater pairs that gave the same value."""
    n_raters, n_units = x.shape
    eq = np.zeros(n_units)
    if n_raters <= _PAIR_LOOP_MAX_RATERS:
        for i in range(n_raters):
            for j in range(i + 1, n_raters):
                eq += x[i] == x[j]  # NaN (missing) never equals anything
        return eq
    xs = np.sort(x, axis=0)  # NaN sorts last
    run = np.zeros(n_units)
    for k in range(1, n_raters):
        run = np.where(xs[k] == xs[k - 1], run + 1.0, 0.0)
        eq += run  # each rating pairs with the equal ratings sorted before it
    return eq


def _interval_parts(x, present, m, vals):
    """Observed and expected disagreement sums for the squared-difference metric.

    Uses ``sum_{i != j} (x_i - x_j) ** 2 = 2 m sum_i (x_i - mean) ** 2`` within
    each unit and over all pairable values, on centred data for accuracy.
    """
    centre = vals.mean()
    xc = np.where(present, x - centre, 0.0)
    unit_mean = xc.sum(axis=0) / m
    dev = np.where(present, xc - unit_mean, 0.0)
    ss_unit = np.einsum("ij,ij->j", dev, dev)
    observed = 2.0 * np.sum(m * ss_unit / (m - 1))
    vc = vals - centre
    expected = 2.0 * vals.size * (vc @ vc)
    return observed, expected


def _ratio_distance(a, b):
    total = a + b
    out = np.divide(
        a - b, total, out=np.zeros(np.broadcast(a, b).shape), where=total != 0
    )
    return out**2


def _ratio_parts(x, present, m, vals, func):
    from scipy import sparse

    if vals.min() < 0:
        raise ValueError(
            f"{func}: level='ratio' needs non-negative ratings (a ratio scale has "
            f"an absolute zero); got min={vals.min():g}. Use level='interval'."
        )
    domain, codes, counts = np.unique(vals, return_inverse=True, return_counts=True)
    _, unit = np.nonzero(present)  # same row-major order as x[present]
    shape = (x.shape[1], domain.size)
    counts_uv = sparse.csr_array(
        (np.ones(vals.size), (unit, codes.reshape(-1))), shape=shape
    )
    weighted = sparse.csr_array(counts_uv.multiply((1.0 / (m - 1))[:, None]))
    coincidence = (counts_uv.T @ weighted).tocoo()
    # The diagonal of the coincidence matrix needs a correction, but d(v, v) = 0.
    observed = coincidence.data @ _ratio_distance(
        domain[coincidence.row], domain[coincidence.col]
    )
    expected = 0.0
    step = max(1, _RATIO_CHUNK // domain.size)
    for start in range(0, domain.size, step):
        block = _ratio_distance(domain[start : start + step, None], domain[None, :])
        expected += counts[start : start + step] @ block @ counts
    return observed, expected


# Our own implementation, not the ``krippendorff`` package: on 2 x 10**6 ratings
# it is 2.6x (ratio) to 8.7x (interval) faster and agrees within 2e-13
# (benchmarks/bench_metrics.py, results/bench_metrics.json). The tests compare
# both on every level.
def _alpha(data, level, func):
    x = _reliability_to_float(data, level, func)
    present = ~np.isnan(x)
    m = present.sum(axis=0)
    pairable = m >= 2
    if not pairable.any():
        raise ValueError(
            f"{func}: Krippendorff's alpha needs at least one unit rated by two or "
            f"more raters; got {x.shape[1]} unit(s) with at most "
            f"{int(m.max(initial=0))} rating(s) each. Check that reliability_data "
            "is (n_raters, n_units) and not transposed."
        )
    if not pairable.all():
        x, present, m = x[:, pairable], present[:, pairable], m[pairable]
    m = m.astype(np.float64)
    vals = x[present]
    n = vals.size
    if vals.min() == vals.max():
        _warn(
            f"{func}: every pairable rating has the same value ({vals[0]:g}), so "
            "the expected disagreement is zero and alpha is undefined; returning "
            "1.0 (perfect, if uninformative, agreement)."
        )
        return 1.0
    if level == "nominal":
        _, counts, _ = _encode(vals)
        counts = counts.astype(np.float64)
        observed = n - 2.0 * np.sum(_equal_pairs(x) / (m - 1))
        expected = float(n) * n - counts @ counts
    elif level == "ratio":
        observed, expected = _ratio_parts(x, present, m, vals, func)
    else:
        if level == "ordinal":
            # The ordinal distance between values c < k is
            # (sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2 = (r_k - r_c) ** 2 with
            # r_v = cumsum(n)_v - n_v / 2, i.e. the interval metric on r.
            codes, counts, _ = _encode(vals)
            ranks = np.cumsum(counts) - counts / 2.0
            vals = ranks[codes]
            x = np.zeros_like(x)
            x[present] = vals
        observed, expected = _interval_parts(x, present, m, vals)
    return float(1.0 - (n - 1) * observed / expected)


@validate_params(
    {"reliability_data": ["array-like"], "level": [_LEVELS]},
    prefer_skip_nested_validation=True,
)
def krippendorff_alpha_matrix(reliability_data, *, level="nominal"):
    """Krippendorff's alpha over a (raters, units) matrix with missing ratings.

    ``alpha = 1 - D_o / D_e``: one minus the ratio of observed to chance-expected
    disagreement, 1 for perfect agreement, 0 for chance, negative below chance.
    Any number of raters is allowed, each unit may be rated by a different
    subset of them, and units with fewer than two ratings are ignored.

    Vectorised: nominal, ordinal and interval use closed forms in O(n_ratings)
    memory (no value-by-value coincidence matrix), so continuous ratings with
    millions of distinct values are fine. ``level="ratio"`` builds a sparse
    coincidence matrix and costs O(n_values ** 2) time in the number of distinct
    values. Agrees with the ``krippendorff`` package to 1e-9.

    Parameters
    ----------
    reliability_data : array-like of shape (n_raters, n_units)
        Rating of rater ``i`` for unit ``j``. NaN (or None for object arrays)
        marks a missing rating. Strings are allowed with ``level="nominal"``.
    level : {"nominal", "ordinal", "interval", "ratio"}, default="nominal"
        Level of measurement, which sets the distance between two values:
        mismatch, rank-based, squared difference, or squared relative difference
        (non-negative values only).

    Returns
    -------
    alpha : float
        Krippendorff's alpha, at most 1.

    Raises
    ------
    ValueError
        If no unit has two or more ratings, if ``level`` is unknown, or if
        ratings are infinite, negative for ``"ratio"`` or non-numeric for a
        level other than ``"nominal"``.

    Notes
    -----
    When every pairable rating is the same value, the expected disagreement is
    zero and alpha is undefined; the function returns ``1.0`` and emits
    :class:`sklearn.exceptions.UndefinedMetricWarning`.

    References
    ----------
    K. Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011.

    Examples
    --------
    Krippendorff's example with 3 coders, 15 units and missing ratings:

    >>> import numpy as np
    >>> from affect_sklearn.metrics import krippendorff_alpha_matrix
    >>> nan = np.nan
    >>> data = [
    ...     [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
    ...     [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
    ...     [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ... ]
    >>> round(krippendorff_alpha_matrix(data, level="nominal"), 6)
    0.691358
    >>> round(krippendorff_alpha_matrix(data, level="interval"), 6)
    0.810845
    """
    return _alpha(reliability_data, level, "krippendorff_alpha_matrix")


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"], "level": [_LEVELS]},
    prefer_skip_nested_validation=True,
)
def krippendorff_alpha(y_true, y_pred, *, level="nominal"):
    """Krippendorff's alpha between two complete sets of ratings, e.g. y and a model.

    The two-rater form of :func:`krippendorff_alpha_matrix`, with the signature
    of a scikit-learn metric so that it can serve as a scorer. The result is
    symmetric in ``y_true`` and ``y_pred``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Reference labels or values. Missing values (NaN/None) raise a
        ``ValueError``; use :func:`krippendorff_alpha_matrix` for ratings with
        gaps.
    y_pred : array-like of shape (n_samples,)
        Predicted labels or values.
    level : {"nominal", "ordinal", "interval", "ratio"}, default="nominal"
        Level of measurement; see :func:`krippendorff_alpha_matrix`.

    Returns
    -------
    alpha : float
        Krippendorff's alpha, at most 1.

    Notes
    -----
    If ``y_true`` and ``y_pred`` hold one and the same value everywhere, alpha
    is undefined; the function returns ``1.0`` and warns. A constant
    ``y_pred`` against a varying ``y_true`` gives a finite score (below 0 for
    nominal data).

    Examples
    --------
    >>> from affect_sklearn.metrics import krippendorff_alpha
    >>> y_true = ["happy", "sad", "sad", "angry", "happy", "sad"]
    >>> y_pred = ["happy", "sad", "angry", "angry", "happy", "sad"]
    >>> round(krippendorff_alpha(y_true, y_pred), 4)
    0.766
    """
    func = "krippendorff_alpha"
    yt, yp = _check_labels_pair(y_true, y_pred, func=func)
    if yt.dtype.kind in "biuf" and yp.dtype.kind in "biuf":
        data = np.vstack([yt.astype(np.float64), yp.astype(np.float64)])
    else:
        data = np.empty((2, yt.shape[0]), dtype=object)
        data[0], data[1] = yt, yp
    return _alpha(data, level, func)


@validate_params(
    {
        "y1": ["array-like"],
        "y2": ["array-like"],
        "labels": ["array-like", None],
        "weights": [StrOptions({"linear", "quadratic"}), None],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def cohen_kappa_score(y1, y2, *, labels=None, weights=None, sample_weight=None):
    """Cohen's kappa, unweighted or with linear/quadratic weights.

    Same value as :func:`sklearn.metrics.cohen_kappa_score`, plus input checks
    and a defined value for degenerate input. With ``weights``, disagreement
    grows with the distance between the positions of two labels in ``labels``
    (sorted order by default), which only makes sense for ordered labels such
    as intensity levels.

    Parameters
    ----------
    y1 : array-like of shape (n_samples,)
        Labels from the first rater (e.g. ground truth).
    y2 : array-like of shape (n_samples,)
        Labels from the second rater (e.g. predictions).
    labels : array-like of shape (n_classes,), default=None
        Labels to keep and their order. Default: all labels seen, sorted.
    weights : {None, "linear", "quadratic"}, default=None
        Weighting of disagreements.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    kappa : float
        Kappa in [-1, 1].

    Notes
    -----
    Kappa is ``0/0`` when both raters use one and the same label throughout;
    this returns ``1.0`` (perfect, if uninformative, agreement). When no sample
    carries a label from ``labels`` it returns ``0.0``. Both warn with
    :class:`sklearn.exceptions.UndefinedMetricWarning`. A constant ``y2``
    against a varying ``y1`` gives 0.0 by the formula, without a warning.

    Examples
    --------
    >>> from affect_sklearn.metrics import cohen_kappa_score
    >>> y1, y2 = [0, 1, 2, 2, 1], [0, 2, 2, 2, 1]
    >>> round(cohen_kappa_score(y1, y2), 4)
    0.6875
    >>> round(cohen_kappa_score(y1, y2, weights="quadratic"), 4)
    0.8387
    """
    func = "cohen_kappa_score"
    a, b = _check_labels_pair(y1, y2, func=func, names=("y1", "y2"))
    if labels is None:
        used = np.unique(np.concatenate([a, b]).astype(np.result_type(a, b)))
    else:
        keep = np.isin(a, labels) & np.isin(b, labels)
        if not keep.any():
            _warn(
                f"{func}: no sample has both labels in `labels`, so kappa is "
                "undefined; returning 0.0."
            )
            return 0.0
        used = np.unique(np.concatenate([a[keep], b[keep]]))
    if used.size == 1:
        _warn(
            f"{func}: both raters used only the label {used.tolist()[0]!r}, so "
            "kappa is 0/0; returning 1.0 (perfect, if uninformative, agreement)."
        )
        return 1.0
    kappa = _skm.cohen_kappa_score(
        a, b, labels=labels, weights=weights, sample_weight=sample_weight
    )
    if np.isnan(kappa):  # only reachable through zero sample weights
        return 0.0
    return float(kappa)
