"""Facial affect recognition as a first-class citizen of the scikit-learn ecosystem."""

__version__ = "0.1.0.dev0"

from .estimators import AffectCNNClassifier, AffectCNNRegressor  # noqa: E402

__all__ = ["AffectCNNClassifier", "AffectCNNRegressor", "__version__"]
