"""Errors and warnings that subclass their scikit-learn counterparts."""

from sklearn.exceptions import NotFittedError

__all__ = ["ImageReadError", "NotFittedError", "ConvergenceWarning"]


class ImageReadError(ValueError):
    """An image file is missing or cannot be decoded; the message names the path."""


class ConvergenceWarning(UserWarning):
    """Training produced a non-finite loss or did not improve."""
