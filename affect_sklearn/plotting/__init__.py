"""Plots of results: confusion matrices and grids of predicted faces."""

from ._plots import plot_confusion_matrix, plot_prediction_grid

__all__ = ["plot_confusion_matrix", "plot_prediction_grid"]
