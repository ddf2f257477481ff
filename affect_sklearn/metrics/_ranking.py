"""One-vs-rest, macro-averaged AUROC and AUPR from class probabilities."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils._param_validation import validate_params

from ._checks import (
    _as_float,
    _check_finite,
    _check_label_vector,
    _check_n_samples,
    _check_sample_weight,
    _to_numpy,
    _warn,
)

__all__ = ["aupr_score", "auroc_score"]

_CONSTRAINTS = {
    "y_true": ["array-like"],
    "y_score": ["array-like"],
    "labels": ["array-like", None],
    "sample_weight": ["array-like", None],
}


def _resolve_labels(y_true, n_columns, labels, *, func):
    """Return the class label of each column of ``y_score``."""
    present = np.unique(y_true)
    if labels is not None:
        labels = _to_numpy(labels, name="labels")
        if labels.ndim != 1 or labels.shape[0] != n_columns:
            raise ValueError(
                f"{func}: labels must name the {n_columns} columns of y_score, in "
                f"order; got {labels.shape[0] if labels.ndim == 1 else labels.shape}"
                " label(s)."
            )
        unknown = present[~np.isin(present, labels)]
        if unknown.size:
            raise ValueError(
                f"{func}: y_true contains labels {unknown.tolist()} that are not in "
                f"labels={labels.tolist()}."
            )
        return labels
    if present.size == n_columns:
        return present
    if present.dtype.kind in "iub" and present.min() >= 0 and present.max() < n_columns:
        return np.arange(n_columns)
    raise ValueError(
        f"{func}: cannot tell which class each of the {n_columns} columns of y_score "
        f"belongs to: y_true holds {present.size} classes {present.tolist()[:10]}. "
        "Pass labels=estimator.classes_."
    )


def _check_scores(y_true, y_score, labels, sample_weight, *, func):
    y_true = _check_label_vector(y_true, name="y_true", func=func)
    scores = _as_float(y_score, name="y_score", func=func)
    if scores.ndim == 1:
        scores = np.column_stack([1.0 - scores, scores])
    elif scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(
            f"{func} expects y_score of shape (n_samples,) with the positive-class "
            "score, or (n_samples, n_classes) from predict_proba; got shape "
            f"{scores.shape}."
        )
    _check_n_samples(
        y_true.shape[0], scores.shape[0], func=func, names=("y_true", "y_score")
    )
    _check_finite(scores, name="y_score", func=func, hint="Check predict_proba.")
    if labels is None and scores.shape[1] == 2 and np.unique(y_true).size == 1:
        # A binary fold holding one class; the column order cannot be inferred,
        # and neither score is defined anyway.
        return y_true, scores, None, None
    labels = _resolve_labels(y_true, scores.shape[1], labels, func=func)
    sw = _check_sample_weight(sample_weight, y_true.shape[0], func=func)
    return y_true, scores, labels, sw


def _one_vs_rest(y_true, y_score, labels, sample_weight, *, metric, func, chance):
    if labels is None:
        _warn(
            f"{func}: y_true holds a single class ({y_true.tolist()[0]!r}), so the "
            f"score is undefined; returning {chance}."
        )
        return chance
    if labels.shape[0] == 2:
        columns = [1]  # binary: the positive class, as scikit-learn does
    else:
        columns = range(labels.shape[0])
    values, skipped = [], []
    for c in columns:
        positive = y_true == labels[c]
        n_pos = positive.sum()
        undefined = n_pos == 0 or (metric is roc_auc_score and n_pos == positive.size)
        if undefined:
            skipped.append(labels.tolist()[c])
            continue
        values.append(metric(positive, y_score[:, c], sample_weight=sample_weight))
    if skipped:
        if values:
            fallback = f"averaging over the other {len(values)}"
        else:
            fallback = f"returning {chance}"
        _warn(
            f"{func}: one-vs-rest score undefined for class(es) {skipped} (y_true "
            f"has no positive or no negative sample for them); {fallback}."
        )
    return float(np.mean(values)) if values else chance


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
def auroc_score(y_true, y_score, *, labels=None, sample_weight=None):
    """Area under the ROC curve, one-vs-rest and macro-averaged over classes.

    For two classes this is the usual binary AUROC of the second class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Class probabilities from ``predict_proba`` (columns in the order of
        ``labels``), or the positive-class score for a binary problem.
    labels : array-like of shape (n_classes,), default=None
        Class of each column of ``y_score``, i.e. ``estimator.classes_``.
        Default: the sorted classes of ``y_true`` when there are as many as
        columns, else ``0 .. n_classes - 1`` for integer labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        Macro AUROC in [0, 1]; 0.5 is chance.

    Notes
    -----
    A class with no positive or no negative sample in ``y_true`` (common in a
    small cross-validation fold) is left out of the average, with an
    :class:`sklearn.exceptions.UndefinedMetricWarning`. If that leaves no class
    (e.g. a binary ``y_true`` holding a single class), the score is ``0.5``
    (chance).

    Examples
    --------
    >>> from affect_sklearn.metrics import auroc_score
    >>> y_true = [0, 1, 2, 2]
    >>> proba = [[0.8, 0.1, 0.1], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4]]
    >>> auroc_score(y_true, proba)
    1.0
    """
    func = "auroc_score"
    y_true, scores, labels, sw = _check_scores(
        y_true, y_score, labels, sample_weight, func=func
    )
    return _one_vs_rest(
        y_true, scores, labels, sw, metric=roc_auc_score, func=func, chance=0.5
    )


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
def aupr_score(y_true, y_score, *, labels=None, sample_weight=None):
    """Area under the precision-recall curve (average precision), one-vs-rest, macro.

    For two classes this is the usual binary average precision of the second
    class. Computed with :func:`sklearn.metrics.average_precision_score`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Class probabilities from ``predict_proba``, or the positive-class
        score for a binary problem.
    labels : array-like of shape (n_classes,), default=None
        Class of each column of ``y_score``; see :func:`auroc_score`.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        Macro AUPR in [0, 1]; chance is the prevalence of each class.

    Notes
    -----
    A class absent from ``y_true`` is left out of the average with an
    :class:`sklearn.exceptions.UndefinedMetricWarning`; if no class is left
    (a binary ``y_true`` holding a single class), the score is ``0.0``.

    Examples
    --------
    >>> from affect_sklearn.metrics import aupr_score
    >>> round(aupr_score([0, 1, 1, 0], [0.1, 0.8, 0.4, 0.5]), 4)
    0.8333
    """
    func = "aupr_score"
    y_true, scores, labels, sw = _check_scores(
        y_true, y_score, labels, sample_weight, func=func
    )
    return _one_vs_rest(
        y_true,
        scores,
        labels,
        sw,
        metric=average_precision_score,
        func=func,
        chance=0.0,
    )
