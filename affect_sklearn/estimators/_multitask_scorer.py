"""Scorers for one head of the multi-task estimator (for GridSearchCV and friends)."""

from __future__ import annotations

import numpy as np

from ..utils._multitask import split_multitask_target

__all__ = ["multitask_scorer"]

_EXPRESSION_METRICS = ("accuracy", "f1_macro", "cohen_kappa", "quadratic_kappa")
_AFFECT_METRICS = ("ccc", "ccc_valence", "ccc_arousal", "neg_rmse")


class multitask_scorer:  # noqa: N801 - used like sklearn's make_scorer products
    """Scorer for one head of :class:`AffectCNNMultiTask`.

    Use in ``GridSearchCV(scoring={"acc": multitask_scorer("accuracy"),
    "ccc": multitask_scorer("ccc")}, refit="acc")``.

    Parameters
    ----------
    metric : str
        Expression head: "accuracy", "f1_macro", "cohen_kappa",
        "quadratic_kappa". Affect head (rows with labels only): "ccc" (mean of
        both), "ccc_valence", "ccc_arousal", "neg_rmse".
    """

    def __init__(self, metric):
        if metric not in _EXPRESSION_METRICS + _AFFECT_METRICS:
            raise ValueError(
                f"Unknown multi-task metric {metric!r}; choose one of "
                f"{list(_EXPRESSION_METRICS + _AFFECT_METRICS)}."
            )
        self.metric = metric

    def __repr__(self):
        return f"multitask_scorer({self.metric!r})"

    def __call__(self, estimator, X, y, sample_weight=None):
        labels, affect = split_multitask_target(y)
        if self.metric in _EXPRESSION_METRICS:
            pred = estimator.predict(X)["expression"].to_numpy()
            return self.score_expression(labels, pred)
        rows = self.affect_rows(affect)
        return self.score_affect(affect[rows], estimator.predict_affect(X)[rows])

    def score_expression(self, labels, pred):
        """The expression metric of predicted labels ``pred``."""
        from sklearn.metrics import accuracy_score, f1_score

        from ..metrics import cohen_kappa_score

        labels = np.asarray(labels)
        if self.metric == "accuracy":
            return float(accuracy_score(labels, pred))
        if self.metric == "f1_macro":
            return float(f1_score(labels, pred, average="macro"))
        weights = "quadratic" if self.metric == "quadratic_kappa" else None
        return float(cohen_kappa_score(labels, pred, weights=weights))

    def affect_rows(self, affect):
        """The rows of ``affect`` with valence and arousal (at least 2)."""
        rows = ~np.isnan(affect).any(axis=1)
        if rows.sum() < 2:
            raise ValueError(
                f"multitask_scorer({self.metric!r}) needs at least 2 rows with "
                "valence and arousal; y has none."
            )
        return rows

    def score_affect(self, true, pred):
        """The affect metric of predicted valence/arousal ``pred``."""
        from ..metrics import ccc_score, rmse

        if self.metric == "neg_rmse":
            return -float(rmse(true, pred))
        if self.metric == "ccc":
            return float(ccc_score(true, pred))
        j = 0 if self.metric == "ccc_valence" else 1
        return float(ccc_score(true[:, j], pred[:, j]))
