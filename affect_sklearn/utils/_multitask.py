"""Multi-task inputs: images packed with landmarks, and mixed targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import is_path_input

__all__ = ["pack_faces", "split_multitask_target", "unpack_faces"]

AFFECT_COLUMNS = ("valence", "arousal")


def pack_faces(images, landmarks):
    """Pack images and their landmarks into one row-indexable array.

    The result is a 1-D NumPy structured array with fields ``"image"`` and
    ``"landmarks"``: every scikit-learn splitter, ``cross_val_score``,
    ``GridSearchCV`` and ``Pipeline`` index it by rows like any X, and
    :class:`~affect_sklearn.AffectCNNMultiTask` unpacks it.

    Parameters
    ----------
    images : ndarray of shape (n, H, W), (n, H, W, C) or sequence of paths
        Face images (uint8 or float), or image file paths.
    landmarks : array-like of shape (n, k, 2)
        Per-face (x, y) points, e.g. the 68 iBUG points.

    Returns
    -------
    faces : ndarray of shape (n,), structured dtype

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.utils import pack_faces
    >>> f = make_faces(n_samples=4, random_state=0)
    >>> X = pack_faces(f.images, f.landmarks)
    >>> X.shape, X["image"].shape, X["landmarks"].shape
    ((4,), (4, 48, 48), (4, 68, 2))
    """
    lm = np.asarray(landmarks, dtype=np.float32)
    if is_path_input(images):
        paths = np.asarray([str(p) for p in images])
        img_dtype, img = (paths.dtype, ()), paths
    else:
        img = np.asarray(images)
        if img.ndim not in (3, 4):
            raise ValueError(
                "pack_faces expects images of shape (n, H, W) or (n, H, W, C), or a "
                f"sequence of paths; got shape {img.shape}."
            )
        img_dtype = (img.dtype, img.shape[1:])
    if lm.ndim != 3 or lm.shape[2] != 2:
        raise ValueError(
            f"landmarks must have shape (n_samples, n_points, 2); got {lm.shape}."
        )
    if len(lm) != len(img):
        raise ValueError(
            f"images and landmarks must have the same length; got {len(img)} images "
            f"and {len(lm)} landmark sets."
        )
    out = np.empty(
        len(img), dtype=[("image", *img_dtype), ("landmarks", np.float32, lm.shape[1:])]
    )
    out["image"] = img
    out["landmarks"] = lm
    return out


def unpack_faces(X):
    """``(images, landmarks)`` from :func:`pack_faces` output, else ``(X, None)``.

    Parameters
    ----------
    X : ndarray
        Output of :func:`pack_faces`, or any other X (returned unchanged).

    Returns
    -------
    images : ndarray
    landmarks : ndarray of shape (n, k, 2) or None

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.utils import pack_faces, unpack_faces
    >>> images, points = np.zeros((3, 8, 8), np.uint8), np.ones((3, 5, 2))
    >>> imgs, lms = unpack_faces(pack_faces(images, points))
    >>> imgs.shape, lms.shape
    ((3, 8, 8), (3, 5, 2))
    >>> unpack_faces(images)[1] is None
    True
    """
    names = getattr(getattr(X, "dtype", None), "names", None)
    if names and "image" in names:
        lm = X["landmarks"] if "landmarks" in names else None
        return X["image"], lm
    return X, None


def split_multitask_target(y):
    """Split a multi-task target into expression labels and (n, 2) valence/arousal.

    Accepted forms: a DataFrame with an ``expression`` column and optional
    ``valence`` and ``arousal`` columns; an array of shape (n, 3) holding
    expression, valence, arousal; or a 1-D array of expression labels (no
    affect). Missing affect is NaN.

    Parameters
    ----------
    y : DataFrame, array-like of shape (n, 3) or (n,)
        The multi-task target.

    Returns
    -------
    labels : ndarray of shape (n,)
    affect : ndarray of shape (n, 2), float64 (NaN where missing)

    Examples
    --------
    >>> import pandas as pd
    >>> from affect_sklearn.utils import split_multitask_target
    >>> y = pd.DataFrame({"expression": ["happy", "sad"], "valence": [0.8, None]})
    >>> labels, affect = split_multitask_target(y)
    >>> labels.tolist(), affect.tolist()
    (['happy', 'sad'], [[0.8, nan], [nan, nan]])
    """
    if y is None:
        raise ValueError("y is None; pass expression labels and valence/arousal.")
    if isinstance(y, pd.DataFrame):
        if "expression" not in y.columns:
            raise ValueError(
                "y as a DataFrame needs an 'expression' column (and optional "
                f"'valence', 'arousal'); got columns {list(y.columns)}."
            )
        labels = y["expression"].to_numpy()
        affect = np.full((len(y), 2), np.nan)
        for j, col in enumerate(AFFECT_COLUMNS):
            if col in y.columns:
                affect[:, j] = pd.to_numeric(y[col], errors="raise").to_numpy(float)
        return labels, affect
    arr = np.asarray(y, dtype=object) if not hasattr(y, "dtype") else np.asarray(y)
    if arr.ndim == 1:
        return arr, np.full((len(arr), 2), np.nan)
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0], np.full((len(arr), 2), np.nan)
    if arr.ndim == 2 and arr.shape[1] == 3:
        try:
            affect = arr[:, 1:].astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "columns 1 and 2 of y (valence, arousal) must be numbers or NaN."
            ) from exc
        return arr[:, 0], affect
    raise ValueError(
        "y must be a DataFrame with columns expression, valence, arousal, an array "
        f"of shape (n_samples, 3), or 1-D expression labels; got shape {arr.shape}."
    )
