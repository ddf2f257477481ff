"""One-call summary of a model's affect predictions for the CLI and benchmarks."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.utils._param_validation import StrOptions, validate_params

from ._agreement import cohen_kappa_score, krippendorff_alpha
from ._checks import _check_labels_pair, _check_reg_targets, _to_numpy
from ._ranking import _check_scores, aupr_score, auroc_score
from ._regression import ccc_score, pearson_score, rmse, sagr_score

__all__ = ["affect_report"]

_REGRESSION_METRICS = (
    ("rmse", rmse),
    ("pcc", pearson_score),
    ("sagr", sagr_score),
    ("ccc", ccc_score),
)


def _infer_task(y_true, y_pred, y_proba):
    if y_proba is not None:
        return "classification"
    for y in (y_true, y_pred):
        arr = _to_numpy(y, name="y")
        if arr.ndim == 2 and arr.shape[1] > 1:
            return "regression"
        if arr.dtype.kind == "f" and np.any(arr != np.round(arr)):
            return "regression"  # NaN lands here too, and is rejected there
    return "classification"


def _classification_report(y_true, y_pred, y_proba, labels):
    func = "affect_report"
    report = {}
    if y_proba is not None:
        _, scores, resolved, _ = _check_scores(y_true, y_proba, labels, None, func=func)
        if y_pred is None:
            if resolved is None:
                raise ValueError(
                    f"{func}: y_true holds a single class, so the classes of the "
                    "y_proba columns are unknown; pass labels=estimator.classes_ "
                    "or y_pred."
                )
            y_pred = resolved[np.argmax(scores, axis=1)]
        if labels is None and resolved is not None:
            labels = resolved
        report["auroc_macro"] = auroc_score(y_true, y_proba, labels=labels)
        report["aupr_macro"] = aupr_score(y_true, y_proba, labels=labels)
    elif y_pred is None:
        raise ValueError(
            f"{func} needs y_pred, or y_proba for a classification report; got neither."
        )
    yt, yp = _check_labels_pair(y_true, y_pred, func=func)
    if labels is None:
        labels = np.unique(np.concatenate([yt, yp]))
    labels = _to_numpy(labels, name="labels")
    summary = {
        "accuracy": float(accuracy_score(yt, yp)),
        "f1_macro": float(
            f1_score(yt, yp, labels=labels, average="macro", zero_division=0.0)
        ),
        "cohen_kappa": cohen_kappa_score(yt, yp, labels=labels),
        "quadratic_kappa": cohen_kappa_score(
            yt, yp, labels=labels, weights="quadratic"
        ),
        "krippendorff_alpha": krippendorff_alpha(yt, yp, level="nominal"),
    }
    summary.update(report)
    recalls = recall_score(yt, yp, labels=labels, average=None, zero_division=np.nan)
    for label, value in zip(labels.tolist(), recalls, strict=True):
        summary[f"recall_{label}"] = float(value)
    return summary


def _regression_report(y_true, y_pred, output_names):
    func = "affect_report"
    if y_pred is None:
        raise ValueError(f"{func} needs y_pred for a regression report; got None.")
    yt, yp, _, _ = _check_reg_targets(y_true, y_pred, None, "raw_values", func=func)
    n_outputs = yt.shape[1]
    if output_names is None:
        if n_outputs == 2:
            output_names = ("valence", "arousal")
        else:
            output_names = tuple(f"output_{j}" for j in range(n_outputs))
    output_names = tuple(str(name) for name in output_names)
    if len(output_names) != n_outputs:
        raise ValueError(
            f"{func}: output_names must name the {n_outputs} column(s) of y; got "
            f"{len(output_names)} name(s) {list(output_names)}."
        )
    rows = {}
    for key, metric in _REGRESSION_METRICS:
        values = metric(yt, yp, multioutput="raw_values")
        rows[key] = [float(v) for v in values] + [float(np.mean(values))]
    summary = {}
    for key, values in rows.items():
        for name, value in zip(output_names + ("mean",), values, strict=True):
            summary[f"{key}_{name}"] = value
    return summary, rows, output_names


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like", None],
        "y_proba": ["array-like", None],
        "labels": ["array-like", None],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "output_names": ["array-like", None],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def affect_report(
    y_true,
    y_pred=None,
    *,
    y_proba=None,
    labels=None,
    task="auto",
    output_names=None,
    as_frame=False,
):
    """Summarise classification or valence/arousal predictions in one call.

    Classification gives ``accuracy``, ``f1_macro``, ``cohen_kappa``,
    ``quadratic_kappa`` (meaningful only when the label order is ordinal),
    ``krippendorff_alpha`` (nominal), ``auroc_macro`` and ``aupr_macro``
    (one-vs-rest, only when ``y_proba`` is given) and ``recall_<label>`` per
    class (NaN for a class absent from ``y_true``).

    Regression gives ``rmse``, ``pcc`` (Pearson), ``sagr`` and ``ccc`` for
    each output, keyed ``<metric>_<output>``, and their mean over outputs,
    keyed ``<metric>_mean``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Class labels, or continuous targets such as valence and arousal.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs), \
default=None
        Predictions. For classification it may be omitted when ``y_proba`` is
        given; the most probable class is used.
    y_proba : array-like of shape (n_samples, n_classes), default=None
        Class probabilities from ``predict_proba``, columns in the order of
        ``labels``.
    labels : array-like of shape (n_classes,), default=None
        Classes, i.e. ``estimator.classes_``: the order of the columns of
        ``y_proba`` and of the per-class recalls. Default: the sorted labels
        seen in ``y_true`` and ``y_pred``.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` picks classification when ``y_proba`` is given or both
        ``y_true`` and ``y_pred`` hold 1-D integer-valued labels, and regression
        otherwise. Pass the task explicitly when targets are whole numbers.
    output_names : sequence of str, default=None
        Names of the regression outputs. Default: ``("valence", "arousal")``
        for two columns, else ``("output_0", ...)``.
    as_frame : bool, default=False
        Return a :class:`pandas.DataFrame` instead of a dict: for regression
        one row per output plus ``"mean"`` and one column per metric; for
        classification one ``"value"`` column indexed by metric name.

    Returns
    -------
    report : dict of str to float or pandas.DataFrame
        The metrics, as plain floats (JSON-serialisable).

    Examples
    --------
    >>> from affect_sklearn.metrics import affect_report
    >>> y = [[0.5, 0.1], [-0.3, 0.4], [0.2, -0.6], [-0.8, 0.3]]
    >>> p = [[0.4, 0.2], [-0.1, 0.5], [0.3, -0.4], [-0.6, 0.1]]
    >>> report = affect_report(y, p)
    >>> round(report["ccc_valence"], 3), round(report["sagr_mean"], 3)
    (0.939, 1.0)
    >>> affect_report([0, 1, 1, 2], [0, 1, 2, 2])["accuracy"]
    0.75
    """
    if task == "auto":
        task = _infer_task(y_true, y_pred if y_pred is not None else y_true, y_proba)
    if task == "classification":
        summary = _classification_report(y_true, y_pred, y_proba, labels)
        if not as_frame:
            return summary
        import pandas as pd

        frame = pd.DataFrame({"value": pd.Series(summary, dtype=float)})
        frame.index.name = "metric"
        return frame
    if y_proba is not None:
        raise ValueError(
            "affect_report: y_proba applies to classification only; got "
            "task='regression'."
        )
    summary, rows, names = _regression_report(y_true, y_pred, output_names)
    if not as_frame:
        return summary
    import pandas as pd

    frame = pd.DataFrame(rows, index=pd.Index(names + ("mean",), name="output"))
    return frame
