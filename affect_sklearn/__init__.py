"""Facial affect recognition as a first-class citizen of the scikit-learn ecosystem."""

__version__ = "0.1.0.dev0"

__all__ = [
    "AffectCNNClassifier",
    "AffectCNNMultiTask",
    "AffectCNNRegressor",
    "__version__",
]

_ESTIMATORS = ("AffectCNNClassifier", "AffectCNNMultiTask", "AffectCNNRegressor")


def __getattr__(name):
    # The estimators import torch: load them on first use, so that
    # affect_sklearn.deploy runs exported ONNX models where torch is not installed.
    if name in _ESTIMATORS:
        from . import estimators

        value = getattr(estimators, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_ESTIMATORS))
