"""CNN estimators: expression classifier and valence/arousal regressor."""

from ._classifier import AffectCNNClassifier
from ._regressor import AffectCNNRegressor

__all__ = ["AffectCNNClassifier", "AffectCNNRegressor"]
