"""CNN estimators: expression classifier, valence/arousal regressor, multi-task."""

from ._classifier import AffectCNNClassifier
from ._multitask import AffectCNNMultiTask
from ._multitask_scorer import multitask_scorer
from ._regressor import AffectCNNRegressor

__all__ = [
    "AffectCNNClassifier",
    "AffectCNNMultiTask",
    "AffectCNNRegressor",
    "multitask_scorer",
]
