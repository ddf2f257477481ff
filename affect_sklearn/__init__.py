"""Facial affect recognition as a first-class citizen of the scikit-learn ecosystem."""

__version__ = "0.1.0.dev0"

from .estimators import (  # noqa: E402
    AffectCNNClassifier,
    AffectCNNMultiTask,
    AffectCNNRegressor,
)

__all__ = [
    "AffectCNNClassifier",
    "AffectCNNMultiTask",
    "AffectCNNRegressor",
    "__version__",
]
