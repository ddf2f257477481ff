"""Learning curves: per-epoch losses and validation scores from a training history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._figure import subplots

__all__ = ["plot_learning_curves"]

_LOSS_KEYS = ("train_loss", "valid_loss", "val_loss")
_SCORE_KEYS = (
    "valid_acc",
    "val_accuracy",
    "val_f1_macro",
    "valid_ccc",
    "val_ccc",
)


def _as_frame(history):
    if isinstance(history, pd.DataFrame):
        return history
    if hasattr(history, "history_"):
        return history.history_
    return pd.DataFrame(
        [{k: v for k, v in row.items() if k != "batches"} for row in history]
    )


def plot_learning_curves(history, *, ax=None):
    """Draw the loss and the validation scores of each epoch.

    The left panel shows every loss column present (``train_loss``,
    ``valid_loss`` from the estimator's own validation split, ``val_loss``
    from an experiment's validation part); the right one the scores
    (``valid_acc``, ``val_accuracy``, ``val_f1_macro``, ``valid_ccc``,
    ``val_ccc``), or a note when there are none.

    Parameters
    ----------
    history : pandas.DataFrame, skorch History, list of dict or fitted estimator
        One row per epoch (e.g. ``estimator.history_`` or a run's
        ``history.csv``).
    ax : array of 2 matplotlib Axes, default=None
        Axes to draw on (a new figure when None).

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from affect_sklearn.plotting import plot_learning_curves
    >>> fig = plot_learning_curves([{"epoch": 1, "train_loss": 1.0},
    ...                             {"epoch": 2, "train_loss": 0.7}])
    >>> fig.axes[0].get_title()
    'Loss'
    """
    from matplotlib.ticker import MaxNLocator

    frame = _as_frame(history)
    if not len(frame):
        raise ValueError(
            "history has no epochs to plot; got an empty history. Fit the estimator "
            "first (or pass a run's history.csv)."
        )
    if ax is None:
        fig, ax = subplots(1, 2, figsize=(10, 4))
    else:
        fig = ax[0].figure
    epochs = frame["epoch"] if "epoch" in frame else np.arange(1, len(frame) + 1)
    left, right = ax
    for key in _LOSS_KEYS:
        if key in frame and frame[key].notna().any():
            left.plot(epochs, frame[key], marker="o", ms=3, label=key)
    left.set(title="Loss", xlabel="epoch", ylabel="loss")
    if left.lines:
        left.legend()
    scores = [k for k in _SCORE_KEYS if k in frame and frame[k].notna().any()]
    for key in scores:
        right.plot(epochs, frame[key], marker="o", ms=3, label=key)
    right.set(title="Validation scores", xlabel="epoch", ylabel="score")
    for axis in ax:
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    if scores:
        right.legend()
    else:
        right.text(0.5, 0.5, "no validation scores recorded", ha="center", va="center")
    fig.tight_layout()
    return fig
