"""Pixel standardisation, and flattening images to rows and back."""

from __future__ import annotations

import numpy as np
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import _ImageTransformer, _NumberedFeaturesMixin, _stack, _to_layout

__all__ = ["ImageFlattener", "ImageNormalizer", "ImageReshaper"]

_EPS = 1e-8


def _channel_stats(arr, per_channel, chunk=4096):
    """Mean and std over samples and pixels, per channel, in float64 chunks."""
    c = arr.shape[1]
    total = np.zeros(c)
    total_sq = np.zeros(c)
    for start in range(0, len(arr), chunk):
        part = arr[start : start + chunk].astype(np.float64)
        total += part.sum(axis=(0, 2, 3))
        total_sq += np.square(part).sum(axis=(0, 2, 3))
    count = arr.shape[0] * arr.shape[2] * arr.shape[3]
    if not per_channel:
        total, total_sq, count = total.sum(), total_sq.sum(), count * c
    mean = total / count
    var = np.maximum(total_sq / count - mean**2, 0.0)
    mean = np.broadcast_to(mean, (c,)).copy()
    std = np.broadcast_to(np.sqrt(var), (c,)).copy()
    std[std < _EPS] = 1.0
    return mean, std


class ImageNormalizer(_ImageTransformer):
    """Standardise pixels with data-set or per-image statistics.

    ``method="dataset"`` learns the mean and standard deviation of each
    channel in ``fit`` (like :class:`~sklearn.preprocessing.StandardScaler`
    shared over pixels); ``method="per_image"`` standardises every image by
    its own statistics, which removes global brightness and contrast, and
    learns nothing. Constant images or channels are only centred.

    Parameters
    ----------
    method : {"dataset", "per_image"}, default="dataset"
        Where the statistics come from.
    per_channel : bool, default=True
        Separate statistics for each colour channel; False pools them.
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,)
        Channel means (``method="dataset"`` only), in input units.
    scale_ : ndarray of shape (n_channels,)
        Channel standard deviations (``method="dataset"`` only).
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.transformers import ImageNormalizer
    >>> X = make_faces(n_samples=8, image_size=16, random_state=0).images
    >>> Z = ImageNormalizer().fit_transform(X)
    >>> Z.dtype, abs(round(float(Z.mean()), 4)), round(float(Z.std()), 4)
    (dtype('float32'), 0.0, 1.0)
    """

    # transform takes any image size; fit learns only the channel statistics
    _any_size = True
    _parameter_constraints: dict = {
        "method": [StrOptions({"dataset", "per_image"})],
        "per_channel": ["boolean"],
        "image_shape": [tuple, list, None],
    }

    def __init__(self, *, method="dataset", per_channel=True, image_shape=None):
        self.method = method
        self.per_channel = per_channel
        self.image_shape = image_shape

    def _fit(self, batch):
        """Learn the channel statistics (``method="dataset"``)."""
        if self.method == "dataset":
            self.mean_, self.scale_ = _channel_stats(_stack(batch), self.per_channel)

    def transform(self, X):
        """Standardise the images.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images in any accepted layout (any size).

        Returns
        -------
        Z : ndarray of float32, same layout as the output of the other transformers
            (n, H, W) or (n, H, W, C); flattened for 2-D input.
        """
        batch, flat = self._start(X)
        arr = _stack(batch).astype(np.float64)
        if self.method == "dataset":
            if arr.shape[1] != len(self.mean_):
                raise ValueError(
                    f"{type(self).__name__} was fitted on images with "
                    f"{len(self.mean_)} channel(s); got {arr.shape[1]}. Convert the "
                    "images (e.g. with Grayscale) or refit."
                )
            mean, std = self.mean_[:, None, None], self.scale_[:, None, None]
        else:
            axes = (2, 3) if self.per_channel else (1, 2, 3)
            mean = arr.mean(axis=axes, keepdims=True)
            std = arr.std(axis=axes, keepdims=True)
            std[std < _EPS] = 1.0
        return _to_layout(((arr - mean) / std).astype(np.float32), flat)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.method != "per_image"
        return tags


class ImageFlattener(_NumberedFeaturesMixin, _ImageTransformer):
    """Flatten images to rows of pixels, so they pass through 2-D-only steps.

    Resamplers such as imbalanced-learn's ``SMOTE`` or any tabular model take
    (n_samples, n_features); :meth:`inverse_transform` (or an
    :class:`ImageReshaper` later in the pipeline) turns the rows back into
    images. Pixels are written channels-last, row by row; the dtype is kept
    (uint8 stays uint8, other dtypes become float32).

    Parameters
    ----------
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of input that is already flattened.

    Attributes
    ----------
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.
    n_features_in_ : int
        Pixels per image (array input).

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.transformers import ImageFlattener
    >>> X = make_faces(n_samples=4, image_size=16, random_state=0).images
    >>> flat = ImageFlattener().fit(X)
    >>> rows = flat.transform(X)
    >>> rows.shape, bool((flat.inverse_transform(rows) == X).all())
    ((4, 256), True)
    """

    _parameter_constraints: dict = {"image_shape": [tuple, list, None]}

    def __init__(self, *, image_shape=None):
        self.image_shape = image_shape

    def transform(self, X):
        """Flatten the images.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images of the shape seen in ``fit``.

        Returns
        -------
        rows : ndarray of shape (n_samples, height * width * channels)
        """
        batch, _ = self._start(X)
        return _to_layout(_stack(batch), True)

    def inverse_transform(self, X):
        """Turn rows of pixels back into images.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width * channels)
            Rows as returned by :meth:`transform` (or resampled from them).

        Returns
        -------
        images : ndarray of shape (n_samples, height, width[, channels])
        """
        check_is_fitted(self)
        return _unflatten(self, X, self.image_shape_)

    _feature_prefix = "pixel"

    def _n_features_out(self):
        return int(np.prod(self.image_shape_))


def _unflatten(est, X, shape):
    """Rows -> images of ``shape`` = (C, H, W), in the canonical layout."""
    X = np.asarray(X)
    c, h, w = shape
    if X.ndim != 2 or X.shape[1] != c * h * w:
        raise ValueError(
            f"{type(est).__name__} expects rows of {c * h * w} pixels (images of "
            f"(channels, height, width) = {tuple(shape)}); got an array of shape "
            f"{X.shape}. Pass the output of transform, or refit on images of the "
            "new shape."
        )
    if X.dtype != np.uint8:
        X = X.astype(np.float32)
    return _to_layout(X.reshape(len(X), h, w, c).transpose(0, 3, 1, 2), False)


class ImageReshaper(_ImageTransformer):
    """Turn rows of pixels (flattened images) back into images.

    The counterpart of :class:`ImageFlattener` later in a pipeline, e.g.
    ``ImageFlattener() -> SMOTE() -> ImageReshaper() -> AffectCNNClassifier()``.
    Image input passes through in the canonical layout.

    Parameters
    ----------
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of the rows; None reads a square
        number of columns as a square grayscale image.

    Attributes
    ----------
    image_shape_ : tuple
        ``(channels, height, width)`` of the images.
    n_features_in_ : int
        Pixels per image.

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.transformers import ImageReshaper
    >>> rows = np.zeros((5, 2 * 3 * 3), dtype=np.uint8)
    >>> ImageReshaper(image_shape=(2, 3, 3)).fit_transform(rows).shape
    (5, 2, 3, 3)
    """

    _parameter_constraints: dict = {"image_shape": [tuple, list, None]}

    def __init__(self, *, image_shape=None):
        self.image_shape = image_shape

    def transform(self, X):
        """Reshape rows to images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or images
            Flattened images (or images).

        Returns
        -------
        images : ndarray of shape (n_samples, height, width[, channels])
            uint8 stays uint8, other dtypes become float32.
        """
        batch, _ = self._start(X)
        return _to_layout(_stack(batch), False)

    def inverse_transform(self, X):
        """Flatten images back to rows (channels-last).

        Parameters
        ----------
        X : array-like of images
            As returned by :meth:`transform`.

        Returns
        -------
        rows : ndarray of shape (n_samples, n_pixels)
        """
        batch, _ = self._start(X)
        return _to_layout(_stack(batch), True)
