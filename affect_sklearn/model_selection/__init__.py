"""Hyperparameter search with Optuna: shared studies and epoch-level pruning."""

# Lazy (PEP 562): EpochPruning is a skorch callback, and skorch imports torch;
# OptunaSearchCV, current_trial and make_storage need neither.
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "_context": ["current_trial"],
        "_optuna": ["OptunaSearchCV"],
        "_pruning": ["EpochPruning"],
        "_storage": ["make_storage"],
    },
)
del attach
