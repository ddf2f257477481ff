"""What a fitted OptunaSearchCV exposes: the refitted best estimator's methods."""

from __future__ import annotations

from copy import deepcopy

from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted


def _delegate(attr):
    """available_if check: the refitted (or unfitted) estimator has ``attr``."""

    def check(self):
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
        else:
            getattr(self.estimator, attr)
        return True

    return check


class BestEstimatorMixin:
    """Predict, transform and score through ``best_estimator_``; mirror its tags.

    For :class:`OptunaSearchCV`: reads ``estimator``, ``best_estimator_``
    (when refitted), ``scorer_``, ``multimetric_`` and ``refit``.
    """

    @property
    def classes_(self):
        """Class labels of the refitted estimator."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen by the refitted estimator."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.n_features_in_

    def _best(self):
        check_is_fitted(self)
        if not hasattr(self, "best_estimator_"):
            raise AttributeError(
                "This OptunaSearchCV was fitted with refit=False; it has no "
                "best_estimator_ to predict with. Refit with refit=True."
            )
        return self.best_estimator_

    @available_if(_delegate("predict"))
    def predict(self, X):
        """Predict with the refitted best estimator."""
        return self._best().predict(X)

    @available_if(_delegate("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the refitted best estimator."""
        return self._best().predict_proba(X)

    @available_if(_delegate("decision_function"))
    def decision_function(self, X):
        """Decision function of the refitted best estimator."""
        return self._best().decision_function(X)

    @available_if(_delegate("transform"))
    def transform(self, X):
        """Transform with the refitted best estimator."""
        return self._best().transform(X)

    def score(self, X, y=None):
        """Score of the refitted best estimator with the ``refit`` scorer.

        Parameters
        ----------
        X : array-like
            Input data.
        y : array-like, default=None
            Targets.

        Returns
        -------
        score : float
        """
        best = self._best()
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return scorer(best, X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        tags.input_tags.pairwise = sub.input_tags.pairwise
        tags.input_tags.sparse = sub.input_tags.sparse
        tags.input_tags.three_d_array = sub.input_tags.three_d_array
        tags.non_deterministic = sub.non_deterministic
        return tags
