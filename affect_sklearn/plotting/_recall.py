"""Bar chart of the recall of each class."""

from __future__ import annotations

import numpy as np

from ._figure import subplots

__all__ = ["plot_per_class_recall"]


def plot_per_class_recall(y_true, y_pred, *, labels=None, ax=None):
    """Draw one bar per class with its recall, and the macro average as a line.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : list, default=None
        Classes in drawing order (default: sorted union of both). A class
        absent from ``y_true`` gets no bar.
    ax : matplotlib Axes, default=None
        Axes to draw on (a new figure when None).

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from affect_sklearn.plotting import plot_per_class_recall
    >>> fig = plot_per_class_recall(["a", "b", "b"], ["a", "b", "a"])
    >>> [float(p.get_height()) for p in fig.axes[0].patches]
    [1.0, 0.5]
    """
    from sklearn.metrics import recall_score

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            "y_true and y_pred must be 1-D with the same length; got shapes "
            f"{y_true.shape} and {y_pred.shape}."
        )
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = list(labels)
    recall = recall_score(
        y_true, y_pred, labels=labels, average=None, zero_division=np.nan
    )
    if ax is None:
        fig, ax = subplots(figsize=(max(4, 0.8 * len(labels) + 2), 4))
    else:
        fig = ax.figure
    names = [str(label) for label in labels]
    bars = ax.bar(names, np.nan_to_num(recall, nan=0.0), color="tab:blue")
    ax.bar_label(
        bars,
        labels=["n/a" if np.isnan(r) else f"{r:.2f}" for r in recall],
        fontsize=8,
    )
    macro = np.nanmean(recall) if np.isfinite(recall).any() else np.nan
    if np.isfinite(macro):
        ax.axhline(macro, color="tab:red", ls="--", label=f"macro {macro:.2f}")
        ax.legend(loc="lower right")
    ax.set(title="Recall per class", ylabel="recall", ylim=(0, 1.05))
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig
