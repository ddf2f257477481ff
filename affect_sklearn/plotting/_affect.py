"""Valence/arousal plots: true vs predicted scatter and a grid of faces."""

from __future__ import annotations

import numpy as np

from ._figure import subplots

__all__ = ["plot_affect_grid", "plot_valence_arousal"]


def _check_va(va, name):
    va = np.asarray(va, dtype=np.float64)
    if va.ndim != 2 or va.shape[1] != 2:
        raise ValueError(
            f"{name} must have 2 columns (valence, arousal); got shape {va.shape}."
        )
    return va


def plot_valence_arousal(va_true, va_pred, *, ax=None):
    """Scatter predicted against true valence and arousal, with their CCC.

    Parameters
    ----------
    va_true, va_pred : array-like of shape (n_samples, 2)
        True and predicted valence (column 0) and arousal (column 1). Rows
        with a NaN in ``va_true`` are left out.
    ax : array of 2 matplotlib Axes, default=None
        Axes to draw on (a new figure when None).

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from affect_sklearn.plotting import plot_valence_arousal
    >>> fig = plot_valence_arousal([[0.1, 0.2], [-0.5, 0.4], [0.6, -0.3]],
    ...                            [[0.0, 0.1], [-0.4, 0.5], [0.5, -0.1]])
    >>> fig.axes[0].get_xlabel()
    'true valence'
    """
    from ..metrics import ccc_score

    va_true = _check_va(va_true, "va_true")
    va_pred = _check_va(va_pred, "va_pred")
    if len(va_true) != len(va_pred):
        raise ValueError(
            f"va_true and va_pred must have the same length; got {len(va_true)} and "
            f"{len(va_pred)}."
        )
    keep = ~np.isnan(va_true).any(axis=1)
    va_true, va_pred = va_true[keep], va_pred[keep]
    if ax is None:
        fig, ax = subplots(1, 2, figsize=(9, 4.2))
    else:
        fig = ax[0].figure
    for j, (axis, name) in enumerate(zip(ax, ("valence", "arousal"), strict=True)):
        axis.scatter(va_true[:, j], va_pred[:, j], s=10, alpha=0.6)
        axis.plot([-1, 1], [-1, 1], color="gray", ls="--", lw=1)
        ccc = ccc_score(va_true[:, j], va_pred[:, j]) if len(va_true) > 1 else np.nan
        axis.set(
            xlim=(-1.05, 1.05),
            ylim=(-1.05, 1.05),
            xlabel=f"true {name}",
            ylabel=f"predicted {name}",
            title=f"{name.capitalize()} (CCC {ccc:.2f})",
        )
        axis.set_aspect("equal")
    fig.tight_layout()
    return fig


def plot_affect_grid(
    images,
    va_true,
    va_pred,
    *,
    y_true=None,
    y_pred=None,
    n=24,
    n_cols=8,
    random_state=0,
):
    """Grid of faces with true and predicted valence/arousal (and labels).

    Half of the faces are the best predicted and half the worst: by label
    when ``y_true`` and ``y_pred`` are given (multi-task), else by the
    valence/arousal error (the worst drawn from the largest errors).

    Parameters
    ----------
    images : ndarray of shape (n_samples, H, W) or (n_samples, H, W, C)
        Faces (uint8 or float in [0, 1]).
    va_true, va_pred : array-like of shape (n_samples, 2)
        True and predicted valence and arousal (NaN where unknown).
    y_true, y_pred : array-like of shape (n_samples,), default=None
        Expression labels, shown above the values.
    n : int, default=24
        Number of faces.
    n_cols : int, default=8
        Faces per row.
    random_state : int, default=0
        Which faces are drawn.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.plotting import plot_affect_grid
    >>> f = make_faces(n_samples=16, random_state=0)
    >>> fig = plot_affect_grid(f.images, f.va, 0.5 * f.va, n=8, n_cols=4)
    >>> len(fig.axes)
    8
    """
    images = np.asarray(images)
    va_true = _check_va(va_true, "va_true")
    va_pred = _check_va(va_pred, "va_pred")
    if not len(images) == len(va_true) == len(va_pred):
        raise ValueError(
            "images, va_true and va_pred must have the same length; got "
            f"{len(images)}, {len(va_true)} and {len(va_pred)}."
        )
    rng = np.random.RandomState(random_state)
    err = np.abs(va_true - va_pred).mean(axis=1)
    if y_true is not None and y_pred is not None:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        good = y_true == y_pred
    else:
        finite = np.where(np.isnan(err), np.inf, err)
        good = finite <= np.median(finite)
    right, wrong = np.flatnonzero(good), np.flatnonzero(~good)
    n_wrong = min(len(wrong), n // 2)
    n_right = min(len(right), n - n_wrong)
    idx = np.concatenate(
        [rng.permutation(right)[:n_right], rng.permutation(wrong)[:n_wrong]]
    ).astype(int)
    n_rows = max(1, int(np.ceil(len(idx) / n_cols)))
    fig, axes = subplots(n_rows, n_cols, figsize=(1.7 * n_cols, 2.2 * n_rows))
    axes = np.atleast_1d(axes).ravel()
    for axis in axes:
        axis.axis("off")

    def fmt(v):
        return "?" if np.isnan(v) else f"{v:+.2f}"

    for axis, i in zip(axes, idx, strict=False):
        img = images[i]
        axis.imshow(img, cmap="gray" if img.ndim == 2 else None)
        lines = []
        if y_true is not None and y_pred is not None:
            lines.append(f"{y_true[i]} / {y_pred[i]}")
        lines.append(f"T v{fmt(va_true[i, 0])} a{fmt(va_true[i, 1])}")
        lines.append(f"P v{fmt(va_pred[i, 0])} a{fmt(va_pred[i, 1])}")
        axis.set_title(
            "\n".join(lines), fontsize=7, color="green" if good[i] else "red"
        )
    fig.suptitle(
        "Valence (v) / arousal (a), true (T) vs predicted (P); green: better, "
        "red: worse",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
