"""Confusion matrices and qualitative grids of predictions, written with matplotlib."""

from __future__ import annotations

import numpy as np

from ._figure import subplots


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize=None, ax=None):
    """Draw a confusion matrix with counts (or rates) in each cell.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : list, default=None
        Class order (default: sorted union of both).
    normalize : {"true", "pred", "all"} or None, default=None
        As in :func:`sklearn.metrics.confusion_matrix`.
    ax : matplotlib Axes, default=None
        Axes to draw on (a new figure when None).

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from affect_sklearn.plotting import plot_confusion_matrix
    >>> fig = plot_confusion_matrix(["a", "b", "a"], ["a", "a", "a"])
    >>> fig.axes[0].get_title()
    'Confusion matrix'
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    if ax is None:
        fig, ax = subplots(figsize=(6, 5))
    else:
        fig = ax.figure
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        normalize=normalize,
        ax=ax,
        colorbar=False,
        xticks_rotation=45,
        values_format=".2f" if normalize else "d",
    )
    ax.set_title(
        "Confusion matrix" + (f" (normalised by {normalize})" if normalize else "")
    )
    fig.tight_layout()
    return fig


def plot_prediction_grid(
    images, y_true, y_pred, *, n=24, n_cols=8, random_state=0, class_names=None
):
    """Grid of faces with their true and predicted labels, half correct, half wrong.

    Parameters
    ----------
    images : ndarray of shape (n_samples, H, W) or (n_samples, H, W, C)
        Images to show (uint8 or float in [0, 1]).
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    n : int, default=24
        Number of faces shown.
    n_cols : int, default=8
        Faces per row.
    random_state : int, default=0
        Which faces are drawn.
    class_names : sequence, default=None
        Names for integer labels.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.plotting import plot_prediction_grid
    >>> f = make_faces(n_samples=16, n_classes=3, random_state=0)
    >>> fig = plot_prediction_grid(f.images, f.target, f.target[::-1], n=8,
    ...                            n_cols=4, class_names=f.target_names)
    >>> len(fig.axes)
    8
    """
    images = np.asarray(images)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(images) != len(y_true) or len(y_true) != len(y_pred):
        raise ValueError(
            "images, y_true and y_pred must have the same length; got "
            f"{len(images)}, {len(y_true)} and {len(y_pred)}."
        )
    rng = np.random.RandomState(random_state)
    right = np.flatnonzero(y_true == y_pred)
    wrong = np.flatnonzero(y_true != y_pred)
    n_wrong = min(len(wrong), n // 2)
    n_right = min(len(right), n - n_wrong)
    idx = np.concatenate(
        [rng.permutation(right)[:n_right], rng.permutation(wrong)[:n_wrong]]
    ).astype(int)
    n_rows = max(1, int(np.ceil(len(idx) / n_cols)))
    fig, axes = subplots(n_rows, n_cols, figsize=(1.6 * n_cols, 1.9 * n_rows))
    axes = np.atleast_1d(axes).ravel()

    def name(v):
        if class_names is not None and np.issubdtype(np.asarray(v).dtype, np.integer):
            return str(class_names[int(v)])
        return str(v)

    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, idx, strict=False):
        img = images[i]
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ok = y_true[i] == y_pred[i]
        ax.set_title(
            f"T: {name(y_true[i])}\nP: {name(y_pred[i])}",
            fontsize=8,
            color="green" if ok else "red",
        )
    fig.suptitle("Predictions (green: correct, red: wrong)", fontsize=10)
    fig.tight_layout()
    return fig
