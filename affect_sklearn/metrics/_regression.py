"""Regression metrics for continuous affect: CCC, SAGR, Pearson's r and RMSE."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import root_mean_squared_error
from sklearn.utils._param_validation import validate_params

from ._checks import REGRESSION_CONSTRAINTS, _aggregate, _check_reg_targets, _warn

__all__ = ["ccc_score", "pearson_score", "rmse", "sagr_score"]


def _is_constant(col, sample_weight):
    if sample_weight is not None:
        col = col[sample_weight > 0]
    return col.min() == col.max()


def _moments(t, p, sample_weight):
    """Means, variances and covariance of two 1-D columns, all normalised by 1/N.

    ``var_t`` and ``cov`` are computed by the same operations, so when ``t`` and
    ``p`` are the same values the three second moments are bitwise equal.
    """
    if sample_weight is None:
        n = t.shape[0]
        mean_t, mean_p = t.sum() / n, p.sum() / n
        dt, dp = t - mean_t, p - mean_p
        return mean_t, mean_p, (dt @ dt) / n, (dp @ dp) / n, (dt @ dp) / n
    total = sample_weight.sum()
    mean_t, mean_p = (sample_weight @ t) / total, (sample_weight @ p) / total
    dt, dp = t - mean_t, p - mean_p
    wdt, wdp = sample_weight * dt, sample_weight * dp
    return (
        mean_t,
        mean_p,
        (wdt @ dt) / total,
        (wdp @ dp) / total,
        (wdt @ dp) / total,
    )


def _columns(yt, yp):
    for j in range(yt.shape[1]):
        yield j, np.ascontiguousarray(yt[:, j]), np.ascontiguousarray(yp[:, j])


@validate_params(REGRESSION_CONSTRAINTS, prefer_skip_nested_validation=True)
def ccc_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Lin's concordance correlation coefficient (CCC), higher is better.

    ``CCC = 2 cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p)) ** 2)``, with
    every moment normalised by ``1/N`` (or by the sum of ``sample_weight``), so
    ``ccc_score(y, y) == 1.0`` exactly. CCC lies in [-1, 1] and, unlike Pearson's
    r, penalises predictions that are shifted or scaled away from the targets.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth values, e.g. valence and arousal columns. NaN raises a
        ``ValueError``.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values. Shapes ``(n,)`` and ``(n, 1)`` are interchangeable.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
(n_outputs,), default="uniform_average"
        ``"raw_values"`` returns one score per output, ``"uniform_average"``
        their mean, and an array of weights their weighted mean.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        The CCC, or one CCC per output when ``multioutput="raw_values"``.

    Notes
    -----
    Degenerate columns never raise, so a cross-validation fold in which a model
    predicts a constant still gets a score. When ``y_true`` or ``y_pred`` is
    constant the covariance is zero and the score is ``0.0``; when both are the
    same constant the score is ``1.0`` (perfect, if uninformative, agreement).
    Both cases emit :class:`sklearn.exceptions.UndefinedMetricWarning`.

    Examples
    --------
    >>> from affect_sklearn.metrics import ccc_score
    >>> ccc_score([0.1, 0.4, -0.3, 0.8], [0.1, 0.4, -0.3, 0.8])
    1.0
    >>> round(ccc_score([0.1, 0.4, -0.3, 0.8], [0.2, 0.5, -0.1, 0.6]), 4)
    0.8958
    """
    func = "ccc_score"
    yt, yp, sw, mo = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput, func=func
    )
    scores = np.empty(yt.shape[1])
    for j, t, p in _columns(yt, yp):
        const_t, const_p = _is_constant(t, sw), _is_constant(p, sw)
        if const_t or const_p:
            same = const_t and const_p and np.array_equal(t, p)
            scores[j] = 1.0 if same else 0.0
            side = (
                "y_true and y_pred are"
                if const_t and const_p
                else ("y_true is" if const_t else "y_pred is")
            )
            _warn(
                f"ccc_score: {side} constant in output {j}, so the correlation "
                f"is undefined; returning {scores[j]} (1.0 only when both are the "
                "same constant)."
            )
            continue
        mean_t, mean_p, var_t, var_p, cov = _moments(t, p, sw)
        scores[j] = 2.0 * cov / (var_t + var_p + (mean_t - mean_p) ** 2)
    return _aggregate(np.clip(scores, -1.0, 1.0), mo)


@validate_params(REGRESSION_CONSTRAINTS, prefer_skip_nested_validation=True)
def pearson_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Pearson's correlation coefficient (PCC) per output, higher is better.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth values. NaN raises a ``ValueError``.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights (weighted correlation).
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
(n_outputs,), default="uniform_average"
        How to combine the per-output scores; see :func:`ccc_score`.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        Pearson's r in [-1, 1].

    Notes
    -----
    When ``y_true`` or ``y_pred`` is constant the correlation is undefined; the
    score is ``0.0`` (no linear association detected, as
    ``sklearn.feature_selection.r_regression(force_finite=True)`` does) and an
    :class:`sklearn.exceptions.UndefinedMetricWarning` is emitted.

    Examples
    --------
    >>> from affect_sklearn.metrics import pearson_score
    >>> round(pearson_score([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.5]), 4)
    0.9984
    """
    func = "pearson_score"
    yt, yp, sw, mo = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput, func=func
    )
    scores = np.empty(yt.shape[1])
    for j, t, p in _columns(yt, yp):
        if _is_constant(t, sw) or _is_constant(p, sw):
            scores[j] = 0.0
            _warn(
                f"pearson_score: y_true or y_pred is constant in output {j}, so "
                "Pearson's r is undefined; returning 0.0."
            )
            continue
        _, _, var_t, var_p, cov = _moments(t, p, sw)
        scores[j] = cov / (np.sqrt(var_t) * np.sqrt(var_p))
    return _aggregate(np.clip(scores, -1.0, 1.0), mo)


@validate_params(REGRESSION_CONSTRAINTS, prefer_skip_nested_validation=True)
def sagr_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Sign agreement ratio (SAGR): share of samples whose signs agree.

    ``SAGR = mean(sign(y_true) == sign(y_pred))``, in [0, 1], higher is better.
    It tells whether a model gets the direction of valence (positive vs
    negative) or arousal (calm vs excited) right.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth values. NaN raises a ``ValueError``.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
(n_outputs,), default="uniform_average"
        How to combine the per-output scores; see :func:`ccc_score`.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        The fraction of sign agreements.

    Notes
    -----
    Zero is its own sign (``numpy.sign(0) == 0``): a prediction of exactly 0
    agrees only with a target of exactly 0. SAGR is defined for every
    non-empty input, including constant predictions.

    Examples
    --------
    >>> from affect_sklearn.metrics import sagr_score
    >>> sagr_score([0.5, -0.2, 0.3, 0.0], [0.1, 0.4, 0.9, 0.0])
    0.75
    """
    func = "sagr_score"
    yt, yp, sw, mo = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput, func=func
    )
    agree = (np.sign(yt) == np.sign(yp)).astype(np.float64)
    scores = np.average(agree, axis=0, weights=sw)
    return _aggregate(scores, mo)


@validate_params(REGRESSION_CONSTRAINTS, prefer_skip_nested_validation=True)
def rmse(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Root mean squared error per output, lower is better.

    Computed by :func:`sklearn.metrics.root_mean_squared_error` after the NaN
    and shape checks of the other affect metrics. As a scorer it is ``"neg_rmse"``
    (negated, so that higher is better).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth values. NaN raises a ``ValueError``.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
(n_outputs,), default="uniform_average"
        How to combine the per-output errors; the average is taken over the
        per-output RMSEs, as scikit-learn does.

    Returns
    -------
    error : float or ndarray of shape (n_outputs,)
        The RMSE, or one RMSE per output when ``multioutput="raw_values"``.

    Examples
    --------
    >>> from affect_sklearn.metrics import rmse
    >>> round(rmse([0.0, 0.5, -0.5], [0.0, 0.5, 0.5]), 4)
    0.5774
    """
    func = "rmse"
    yt, yp, sw, mo = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput, func=func
    )
    return root_mean_squared_error(yt, yp, sample_weight=sw, multioutput=mo)
