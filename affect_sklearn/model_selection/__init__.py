"""Hyperparameter search with Optuna: shared studies and epoch-level pruning."""

from ._optuna import OptunaSearchCV
from ._pruning import EpochPruning, current_trial
from ._storage import make_storage

__all__ = ["EpochPruning", "OptunaSearchCV", "current_trial", "make_storage"]
