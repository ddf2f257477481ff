"""Outputs of the multi-task estimator: its prediction methods and score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ..utils._multitask import split_multitask_target
from ._multitask_scorer import multitask_scorer


class MultiTaskOutput:
    """Softmax over the first ``n_classes`` outputs; the rest pass through."""

    def __init__(self, n_classes):
        self.n_classes = n_classes

    def __call__(self, out):
        k = self.n_classes
        return torch.cat([torch.softmax(out[:, :k], dim=1), out[:, k:]], dim=1)


def valid_expression_accuracy(net, X, y):
    """Expression accuracy of the validation outputs (for skorch EpochScoring)."""
    k = net.module_.expression.out_features
    proba = np.asarray(net.predict_proba(X))[:, :k]
    return float(np.mean(proba.argmax(1) == np.asarray(y)[:, 0].astype(int)))


class MultiTaskPredictMixin:
    """``predict_proba``, ``predict_affect``, ``predict`` and ``score`` of
    :class:`AffectCNNMultiTask`, from the network outputs of ``_forward``."""

    def _outputs(self, X):
        check_is_fitted(self)
        out = self._forward(X)
        k = len(self.classes_)
        return out[:, :k], out[:, k:]

    def predict_proba(self, X):
        """Expression probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like
            As in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._outputs(X)[0]

    def predict_affect(self, X):
        """Valence and arousal in [-1, 1].

        Parameters
        ----------
        X : array-like
            As in :meth:`fit`.

        Returns
        -------
        affect : ndarray of shape (n_samples, 2)
        """
        return self._outputs(X)[1]

    def predict(self, X):
        """All heads: a DataFrame with columns expression, valence, arousal.

        Parameters
        ----------
        X : array-like
            As in :meth:`fit`.

        Returns
        -------
        pred : pandas.DataFrame of shape (n_samples, 3)
        """
        proba, affect = self._outputs(X)
        return pd.DataFrame(
            {
                "expression": self.classes_[proba.argmax(1)],
                "valence": affect[:, 0],
                "arousal": affect[:, 1],
            }
        )

    def score(self, X, y, sample_weight=None):
        """Mean of expression accuracy and valence/arousal CCC.

        ``0.5 * accuracy + 0.5 * mean(CCC valence, CCC arousal)``, the CCC
        over the rows that have affect labels; with no affect labels in y,
        the accuracy alone. Use :func:`multitask_scorer` to score one head.

        Parameters
        ----------
        X : array-like
            As in :meth:`fit`.
        y : DataFrame or array
            As in :meth:`fit`.
        sample_weight : None
            Not supported; present for API compatibility.

        Returns
        -------
        score : float
        """
        # one forward pass for both heads
        labels, affect = split_multitask_target(y)
        proba, affect_pred = self._outputs(X)
        acc = multitask_scorer("accuracy").score_expression(
            labels, self.classes_[proba.argmax(1)]
        )
        if np.isnan(affect).any(axis=1).all():
            return acc
        ccc = multitask_scorer("ccc")
        rows = ccc.affect_rows(affect)
        return 0.5 * acc + 0.5 * ccc.score_affect(affect[rows], affect_pred[rows])
