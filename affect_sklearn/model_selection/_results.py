"""The cv_results_ table of OptunaSearchCV, read back from the study's trials."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import rankdata

_FINISHED = ("COMPLETE", "PRUNED", "FAIL")


def _user_attrs(result):
    """The per-fold record that ``cv_results_`` reads back from the storage."""
    attrs = {
        "cv_fit_time": result["fit_time"],
        "cv_score_time": result["score_time"],
    }
    for key, scores in result["test"].items():
        attrs[f"cv_test_{key}"] = [None if np.isnan(s) else s for s in scores]
    for key, scores in (result["train"] or {}).items():
        attrs[f"cv_train_{key}"] = [None if np.isnan(s) else s for s in scores]
    return attrs


def _as_array(values, n_splits):
    arr = np.full(n_splits, np.nan)
    values = [np.nan if v is None else float(v) for v in (values or [])][:n_splits]
    arr[: len(values)] = values
    return arr


def _nan_stat(func, arr):
    """Row statistic ignoring NaN; NaN (without a warning) for all-NaN rows."""
    if arr.shape[0] == 0:
        return np.zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(arr, axis=1)


def _rank(means):
    filled = np.where(np.isnan(means), -np.inf, means)
    return rankdata(-filled, method="min").astype(np.int32)


def build_cv_results(trials, param_names, metrics, n_splits, return_train_score):
    """``cv_results_`` in the GridSearchCV layout, one row per finished trial.

    Rows are the study's trials that completed, were pruned or failed (from
    every process sharing the study), in trial-number order. Folds a pruned
    trial never reached are NaN.
    """
    trials = sorted(
        (t for t in trials if t.state.name in _FINISHED), key=lambda t: t.number
    )
    names = list(param_names)
    for t in trials:
        names += [p for p in t.params if p not in names]
    results = {
        "trial_number": np.array([t.number for t in trials], dtype=np.int64),
        "state": np.array([t.state.name for t in trials], dtype=object),
    }
    for prefix in ("fit_time", "score_time"):
        arr = np.array(
            [_as_array(t.user_attrs.get(f"cv_{prefix}"), n_splits) for t in trials]
        ).reshape(len(trials), n_splits)
        results[f"mean_{prefix}"] = _nan_stat(np.nanmean, arr)
        results[f"std_{prefix}"] = _nan_stat(np.nanstd, arr)
    for name in names:
        col = np.ma.MaskedArray(np.empty(len(trials), dtype=object), mask=True)
        for i, t in enumerate(trials):
            if name in t.params:
                col[i] = t.params[name]
        results[f"param_{name}"] = col
    results["params"] = [dict(t.params) for t in trials]
    sets = ["test", "train"] if return_train_score else ["test"]
    for key in metrics:
        for which in sets:
            arr = np.array(
                [
                    _as_array(t.user_attrs.get(f"cv_{which}_{key}"), n_splits)
                    for t in trials
                ]
            ).reshape(len(trials), n_splits)
            for i in range(n_splits):
                results[f"split{i}_{which}_{key}"] = arr[:, i]
            complete = ~np.isnan(arr).any(axis=1)
            with np.errstate(all="ignore"):
                mean = np.where(complete, arr.mean(axis=1), np.nan)
                std = np.where(complete, arr.std(axis=1), np.nan)
            results[f"mean_{which}_{key}"] = mean
            results[f"std_{which}_{key}"] = std
            if which == "test":
                results[f"rank_test_{key}"] = _rank(mean)
    return results
