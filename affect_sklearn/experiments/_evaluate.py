"""Scores of a fitted estimator on a part of the data, and per-epoch holdout scoring."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import torch
from skorch.callbacks import Callback

__all__ = ["HoldoutScoring", "evaluate_predictions", "predict_frame", "task_of"]

_TASKS = {
    "AffectCNNClassifier": "classifier",
    "AffectCNNRegressor": "regressor",
    "AffectCNNMultiTask": "multitask",
}
# metrics copied to the leaderboard (with val_/test_ prefixes)
SUMMARY_KEYS = (
    "accuracy",
    "f1_macro",
    "cohen_kappa",
    "quadratic_kappa",
    "krippendorff_alpha",
    "auroc_macro",
    "ccc_mean",
    "ccc_valence",
    "ccc_arousal",
    "rmse_mean",
    "pcc_mean",
    "sagr_mean",
)


def task_of(estimator):
    """ "classifier", "regressor" or "multitask" for a fitted estimator."""
    for cls in type(estimator).__mro__:
        if cls.__name__ in _TASKS:
            return _TASKS[cls.__name__]
    raise TypeError(
        "Expected an AffectCNNClassifier, AffectCNNRegressor or AffectCNNMultiTask; "
        f"got {type(estimator).__name__}."
    )


def predict_frame(estimator, X):
    """Predictions of X as a DataFrame: label and proba_<class>, and/or valence,
    arousal."""
    task = task_of(estimator)
    cols = {}
    if task in ("classifier", "multitask"):
        proba = estimator.predict_proba(X)
        classes = estimator.classes_
        cols["pred"] = classes[proba.argmax(axis=1)]
        for j, c in enumerate(classes):
            cols[f"proba_{c}"] = proba[:, j]
    if task == "regressor":
        va = np.asarray(estimator.predict(X), dtype=np.float64).reshape(len(X), -1)
    elif task == "multitask":
        va = estimator.predict_affect(X)
    else:
        va = None
    if va is not None:
        cols["valence_pred"] = va[:, 0]
        cols["arousal_pred"] = va[:, 1]
    return pd.DataFrame(cols)


def _truth_columns(task, y):
    if task == "classifier":
        return {"true": np.asarray(y)}
    if task == "regressor":
        y = np.asarray(y, dtype=np.float64)
        return {"valence_true": y[:, 0], "arousal_true": y[:, 1]}
    return {
        "true": np.asarray(y["expression"]),
        "valence_true": np.asarray(y["valence"], dtype=np.float64),
        "arousal_true": np.asarray(y["arousal"], dtype=np.float64),
    }


def _nan_to_none(report):
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else float(v))
        for k, v in report.items()
    }


def evaluate_predictions(frame, classes=None):
    """affect_report of a prediction frame holding truth and predictions.

    Parameters
    ----------
    frame : DataFrame
        ``true``/``pred``/``proba_<class>`` and/or
        ``valence_true``/``valence_pred``/``arousal_true``/``arousal_pred``.
    classes : sequence, default=None
        Class order of the ``proba_`` columns (default: their order).

    Returns
    -------
    report : dict of str to float or None (NaN becomes None)
    """
    from ..metrics import affect_report

    report = {}
    if "pred" in frame:
        proba_cols = [c for c in frame.columns if c.startswith("proba_")]
        if classes is None:
            classes = [c[len("proba_") :] for c in proba_cols]
        y_true = frame["true"].astype(str).to_numpy()
        y_pred = frame["pred"].astype(str).to_numpy()
        labels = np.asarray([str(c) for c in classes])
        proba = frame[proba_cols].to_numpy() if proba_cols else None
        if proba is not None and len(np.unique(y_true)) < 2:
            proba = None  # ranking metrics need two classes in y_true
        report.update(
            affect_report(
                y_true, y_pred, y_proba=proba, labels=labels, task="classification"
            )
        )
    if "valence_pred" in frame:
        true = frame[["valence_true", "arousal_true"]].to_numpy(dtype=np.float64)
        pred = frame[["valence_pred", "arousal_pred"]].to_numpy(dtype=np.float64)
        rows = ~np.isnan(true).any(axis=1)
        if rows.sum() >= 2:
            report.update(affect_report(true[rows], pred[rows], task="regression"))
    return _nan_to_none(report)


def score_estimator(estimator, X, y):
    """Prediction frame (truth included) and report of an estimator on X, y."""
    frame = predict_frame(estimator, X)
    for key, value in _truth_columns(task_of(estimator), y).items():
        frame.insert(0, key, value)
    classes = getattr(estimator, "classes_", None)
    return frame, evaluate_predictions(frame, classes)


def _epoch_scores(estimator, X, y):
    """Loss and scores of the validation part for the history."""
    frame, report = score_estimator(estimator, X, y)
    out = {}
    loss = 0.0
    if "pred" in frame:
        proba = frame[[c for c in frame.columns if c.startswith("proba_")]].to_numpy()
        column = {str(c): j for j, c in enumerate(estimator.classes_)}
        codes = np.array([column.get(str(t), -1) for t in frame["true"]])
        picked = np.where(codes >= 0, proba[np.arange(len(proba)), codes], 0.0)
        loss += float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0))))
        out["val_accuracy"] = report["accuracy"]
        out["val_f1_macro"] = report["f1_macro"]
    if "valence_pred" in frame and "ccc_mean" in report:
        true = frame[["valence_true", "arousal_true"]].to_numpy(dtype=np.float64)
        pred = frame[["valence_pred", "arousal_pred"]].to_numpy(dtype=np.float64)
        loss += float(np.nanmean((true - pred) ** 2))
        out["val_ccc"] = report["ccc_mean"]
    out["val_loss"] = float(loss)
    return {k: (np.nan if v is None else float(v)) for k, v in out.items()}


class HoldoutScoring(Callback):
    """Score an experiment's validation part after every epoch.

    Records ``val_loss`` (cross-entropy for labels plus mean squared error
    for valence/arousal), ``val_accuracy``, ``val_f1_macro`` and ``val_ccc``
    in the history. It predicts under ``torch.random.fork_rng``, so training
    draws the same random numbers with or without it, and forgets the data at
    the end of training, so the fitted estimator pickles without it.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted. During its fit, the scores come from the
        fit's staged copy (which holds ``classes_`` and the target scaling
        before the estimator itself gets them) with the net being trained.
    X, y : validation images and targets
    """

    def __init__(self, estimator=None, X=None, y=None):
        self.estimator = estimator
        self.X = X
        self.y = y

    def on_epoch_end(self, net, **kwargs):
        if self.estimator is None or self.X is None or not len(self.X):
            return
        # a copy of the fit's staged estimator with the net as it is now; the
        # estimator being fitted is left alone
        view = copy.copy(self.estimator.__dict__.get("_staged", self.estimator))
        view.net_ = net
        with torch.random.fork_rng(devices=[]):
            scores = _epoch_scores(view, self.X, self.y)
        for key, value in scores.items():
            net.history.record(key, value)

    def on_train_end(self, net, **kwargs):
        self.estimator = self.X = self.y = None
