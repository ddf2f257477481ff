"""Plots of results: confusion matrices, learning curves, recalls and face grids."""

from ._affect import plot_affect_grid, plot_valence_arousal
from ._curves import plot_learning_curves
from ._plots import plot_confusion_matrix, plot_prediction_grid
from ._recall import plot_per_class_recall

__all__ = [
    "plot_affect_grid",
    "plot_confusion_matrix",
    "plot_learning_curves",
    "plot_per_class_recall",
    "plot_prediction_grid",
    "plot_valence_arousal",
]
