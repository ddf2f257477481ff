"""Validation of image inputs: arrays of any layout, flattened images, paths."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from ._image_io import read_image

__all__ = ["ImageBatch", "check_images", "read_image", "is_path_input"]


@dataclass
class ImageBatch:
    """Validated images: an (n, C, H, W) array, or file paths read lazily.

    Attributes
    ----------
    data : ndarray of shape (n, C, H, W) or None
        Pixel array (uint8 or float32) when the images are in memory.
    paths : ndarray of str or None
        File paths when the images are read lazily, batch by batch.
    shape : tuple of int
        ``(C, H, W)`` of every image.
    """

    data: np.ndarray | None
    paths: np.ndarray | None
    shape: tuple

    def __len__(self):
        return len(self.data) if self.data is not None else len(self.paths)

    def subset(self, idx):
        if self.data is not None:
            return ImageBatch(self.data[idx], None, self.shape)
        return ImageBatch(None, self.paths[idx], self.shape)


def is_path_input(X):
    """True when X is a 1-D sequence of file paths (str or os.PathLike).

    Parameters
    ----------
    X : object
        Candidate input.

    Returns
    -------
    is_paths : bool

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.utils import is_path_input
    >>> is_path_input(["a.png", "b.jpg"]), is_path_input(np.zeros((2, 8, 8)))
    (True, False)
    >>> is_path_input("a.png")  # one string is not a sequence of paths
    False
    """
    if isinstance(X, (str, bytes)):
        return False
    if hasattr(X, "dtype") and getattr(X, "ndim", None) == 1:
        if X.dtype.kind in "US":
            return True
        if X.dtype.kind == "O" and len(X) > 0:
            return all(isinstance(x, (str, os.PathLike)) for x in np.asarray(X))
        return False
    if isinstance(X, (list, tuple)) and len(X) > 0:
        return all(isinstance(x, (str, os.PathLike)) for x in X)
    return False


def _shape_from_image_shape(image_shape, n_features, name):
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        shape = shape + (1,)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"{name}: image_shape must be (height, width) or (height, width, "
            f"channels) of positive ints; got image_shape={image_shape!r}."
        )
    h, w, c = shape
    if n_features is not None and h * w * c != n_features:
        raise ValueError(
            f"{name}: image_shape={image_shape!r} holds {h * w * c} values but X has "
            f"{n_features} columns. Pass the shape the images were flattened from, "
            "or image_shape=None to read a square width as a square image."
        )
    return c, h, w


def _layout_4d(shape, name):
    """Return the transpose that turns a 4-D array into (n, C, H, W)."""
    channel_like = (1, 3, 4)
    if shape[3] in channel_like and shape[1] not in channel_like:
        return (0, 3, 1, 2)
    if shape[1] in channel_like and shape[3] not in channel_like:
        return None
    if shape[3] in channel_like and shape[1] in channel_like:
        # Tiny images such as (n, 3, 3, 3) are ambiguous; channels-last is the
        # layout of PIL, OpenCV and most data sets.
        return (0, 3, 1, 2)
    raise ValueError(
        f"{name} expects images of shape (n_samples, height, width), "
        "(n_samples, height, width, channels) or (n_samples, channels, height, "
        f"width) with 1, 3 or 4 channels; got shape {shape}. Move the channel "
        "axis first or last."
    )


def check_images(estimator, X, *, reset, image_shape=None):
    """Validate X for an image estimator and return an :class:`ImageBatch`.

    Accepts uint8 or float arrays of shape (n, H, W), (n, H, W, C) or
    (n, C, H, W); 2-D arrays of flattened images (a square width is read as a
    square grayscale image, ``image_shape`` says otherwise, and any other width
    is read as a one-pixel image whose channels are the columns); and 1-D
    sequences of image file paths, which are read lazily. With ``reset=True``
    the image shape is stored on the estimator as ``image_shape_`` (and
    ``n_features_in_`` for arrays); with ``reset=False`` X must match it.

    Parameters
    ----------
    estimator : estimator instance
        Used for error messages and to store/check the fitted shape.
    X : array-like or sequence of paths
        The input.
    reset : bool
        True in ``fit``, False in ``predict``/``transform``.
    image_shape : tuple or None, default=None
        (height, width[, channels]) of flattened 2-D input or of path input.

    Returns
    -------
    images : ImageBatch

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from affect_sklearn.utils import check_images
    >>> est = BaseEstimator()
    >>> batch = check_images(est, np.zeros((5, 48, 48, 3), np.uint8), reset=True)
    >>> batch.data.shape, est.image_shape_
    ((5, 3, 48, 48), (3, 48, 48))
    >>> check_images(est, np.zeros((2, 6912)), reset=False).shape  # flattened
    (3, 48, 48)
    """
    name = type(estimator).__name__
    if is_path_input(X):
        paths = np.asarray([os.fspath(p) for p in X], dtype=object)
        if reset:
            if image_shape is not None:
                c, h, w = _shape_from_image_shape(image_shape, None, name)
            else:
                c, h, w = read_image(paths[0]).shape
            shape = (c, h, w)
            estimator.image_shape_ = shape
            for attr in ("n_features_in_", "feature_names_in_"):
                if hasattr(estimator, attr):
                    delattr(estimator, attr)
        else:
            shape = estimator.image_shape_
        return ImageBatch(None, paths, tuple(shape))

    ndim = getattr(X, "ndim", None)
    if ndim is None:
        ndim = np.ndim(np.asarray(X, dtype=object)) if not hasattr(X, "iloc") else 2
    if ndim in (3, 4):
        if type(X) is np.ndarray and X.dtype == np.uint8 and X.size > 0:
            # nothing for check_array to convert or reject (uint8 holds no
            # NaN or inf), and it costs ~0.3 ms: a tenth of predicting one
            # video frame
            arr = X
        else:
            arr = check_array(
                X,
                allow_nd=True,
                dtype=None if getattr(X, "dtype", None) == np.uint8 else np.float32,
                ensure_all_finite=True,
                input_name="X",
            )
        if arr.ndim == 3:
            arr = arr[:, None]
        else:
            perm = _layout_4d(arr.shape, name)
            if perm is not None:
                arr = arr.transpose(perm)
            if arr.shape[1] == 4:  # RGBA: drop alpha
                arr = arr[:, :3]
        arr = np.ascontiguousarray(arr)
        shape = tuple(arr.shape[1:])
        if reset:
            estimator.image_shape_ = shape
            estimator.n_features_in_ = int(np.prod(shape))
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
        elif shape != tuple(estimator.image_shape_):
            raise ValueError(
                f"X has images of shape (C, H, W) = {shape}, but {name} was fitted "
                f"on images of shape {tuple(estimator.image_shape_)}. Resize the "
                "images (e.g. with affect_sklearn.transformers.ImageResizer) or refit."
            )
        return ImageBatch(arr, None, shape)
    if ndim > 4:
        raise ValueError(
            f"{name} expects images of shape (n_samples, height, width) or "
            f"(n_samples, height, width, channels); got an array with {ndim} "
            "dimensions. Stack frames of videos into one batch axis first."
        )

    # 2-D (flattened images or tabular data); 1-D numeric raises sklearn's
    # "Expected 2D array" error here.
    if not reset and not hasattr(estimator, "n_features_in_"):
        raise ValueError(
            f"{name} was fitted on image arrays or paths of shape "
            f"{tuple(estimator.image_shape_)}; got a 2-D array. Pass images."
        )
    arr = validate_data(
        estimator,
        X,
        reset=reset,
        dtype=[np.uint8, np.float32, np.float64]
        if getattr(X, "dtype", None) == np.uint8
        else [np.float32, np.float64],
        ensure_all_finite=True,
    )
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    n_features = arr.shape[1]
    if reset:
        if image_shape is not None:
            shape = _shape_from_image_shape(image_shape, n_features, name)
        elif math.isqrt(n_features) ** 2 == n_features:
            side = math.isqrt(n_features)
            shape = (1, side, side)
        else:
            shape = (n_features, 1, 1)
        estimator.image_shape_ = shape
    else:
        shape = tuple(estimator.image_shape_)
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting "
                f"{int(np.prod(shape))} features as input."
            )
    c, h, w = shape
    if image_shape is not None and c > 1:
        data = arr.reshape(len(arr), h, w, c).transpose(0, 3, 1, 2)
    else:
        data = arr.reshape(len(arr), c, h, w)
    return ImageBatch(np.ascontiguousarray(data), None, tuple(shape))
