"""The base of the image transformers, and their helpers: validation, layouts."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils.validation import check_is_fitted

from ..utils._image_io import read_image
from ..utils._validation import ImageBatch, check_images, is_path_input

# Luma weights of ITU-R 601-2, as Pillow's "L" mode uses.
_LUMA = np.array([0.299, 0.587, 0.114])


def _is_flat(X):
    """True for 2-D array input (flattened images or tabular data)."""
    if is_path_input(X):
        return False
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        ndim = 2 if hasattr(X, "iloc") else np.ndim(np.asarray(X, dtype=object))
    return ndim == 2


def _validate(est, X, *, reset, stateless=False, image_shape=None):
    """Validate image input; return ``(ImageBatch, flat)``.

    Stateless transformers accept images of any size after ``fit`` (and
    before it): their input is checked on a clone. Flattened 2-D input must
    keep its width once fitted, since its image shape is read from it.
    """
    flat = _is_flat(X)
    if reset:
        return check_images(est, X, reset=True, image_shape=image_shape), flat
    if stateless and not (flat and hasattr(est, "n_features_in_")):
        probe = clone(est)
        return check_images(probe, X, reset=True, image_shape=image_shape), flat
    return check_images(est, X, reset=False, image_shape=image_shape), flat


def _stack(batch: ImageBatch):
    """All images of a batch as one (n, C, H, W) array (paths are read)."""
    if batch.data is not None:
        return batch.data
    c, h, w = batch.shape
    if len(batch.paths) == 0:
        return np.empty((0, c, h, w), dtype=np.uint8)
    return np.stack([read_image(p, channels=c, size=(h, w)) for p in batch.paths])


def _iter_native(batch: ImageBatch):
    """Yield each image as (C, H, W); files are read at their own size."""
    if batch.data is not None:
        yield from batch.data
    else:
        for p in batch.paths:
            yield read_image(p, channels=batch.shape[0])


def _to_layout(arr, flat):
    """(n, C, H, W) -> (n, H, W) for one channel, (n, H, W, C) otherwise.

    With ``flat=True`` the channels-last images are flattened to
    (n, H * W * C), the layout :func:`~affect_sklearn.utils.check_images`
    reads back with ``image_shape=(H, W, C)``.
    """
    arr = np.asarray(arr)
    n, c = arr.shape[:2]
    out = arr[:, 0] if c == 1 else arr.transpose(0, 2, 3, 1)
    if flat:
        return np.ascontiguousarray(out).reshape(n, -1)
    return np.ascontiguousarray(out)


def _to_gray(img):
    """(C, H, W) -> (H, W) float64 luminance (mean for unusual channel counts)."""
    img = np.asarray(img, dtype=np.float64)
    if img.shape[0] == 1:
        return img[0]
    if img.shape[0] == 3:
        return np.tensordot(_LUMA, img, axes=1)
    return img.mean(axis=0)


def _to_uint8(img):
    """Pixels as uint8; float images are read as [0, 1] (or [0, 255] if larger)."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    if img.size and np.nanmax(img) <= 1.0:
        img = img * 255.0
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def _gray_uint8(img):
    """(C, H, W) image -> contiguous (H, W) uint8 for the face detectors."""
    return np.ascontiguousarray(
        _to_uint8(_to_gray(img) if img.shape[0] > 1 else img[0])
    )


def _check_size(size, name, param="size"):
    """``int`` or ``(height, width)`` of positive ints -> (height, width)."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    try:
        h, w = (int(s) for s in size)
        ok = h >= 1 and w >= 1 and all(float(s) == int(s) for s in size)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{name}: {param} must be a positive int or a (height, width) pair of "
            f"positive ints; got {param}={size!r}. Pass e.g. {param}=48."
        )
    return h, w


def _stack_outputs(images, batch, size):
    """Per-image (C, size, size) outputs as one array, keeping uint8 input uint8."""
    uint8 = batch.data is None or batch.data.dtype == np.uint8
    dtype = np.uint8 if uint8 else np.float32
    if images:
        return np.stack(images).astype(dtype, copy=False)
    return np.empty((0, batch.shape[0], size, size), dtype)


class _ImageTransformer(TransformerMixin, BaseEstimator):
    """Base of the image transformers: ``fit``, input validation and tags.

    ``fit`` validates the parameters (``_parameter_constraints``), runs
    :meth:`_check_params`, validates the images (recording ``image_shape_``,
    and ``n_features_in_`` for arrays) and passes them to :meth:`_fit`.
    ``transform`` starts with :meth:`_start`. A subclass writes its
    ``__init__``, ``transform`` and, when it checks or learns more than the
    image shape, :meth:`_check_params` and :meth:`_fit`.

    Transformers with ``_any_size = True`` learn nothing but the shape: they
    need no ``fit`` (tag ``requires_fit=False``) and transform images of any
    size (the input is checked on a clone). Flattened 2-D input must keep its
    width once fitted, since its image shape is read from it.
    """

    _any_size = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the images, and learn from them.

        Records ``image_shape_`` (and ``n_features_in_`` for arrays) and what
        the transformer learns besides (see its Attributes).

        Parameters
        ----------
        X : array-like of images or sequence of paths
            (n, H, W), (n, H, W, C), (n, C, H, W), flattened (n, H * W * C) or
            1-D paths.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._check_params()
        batch, _ = _validate(
            self, X, reset=True, image_shape=getattr(self, "image_shape", None)
        )
        self._fit(batch)
        return self

    def _check_params(self):
        """Checks beyond ``_parameter_constraints``; load the models of an extra."""

    def _fit(self, batch):
        """Learn from the validated images (an :class:`ImageBatch`)."""

    def _start(self, X):
        """Check the state and parameters, and validate X; ``(ImageBatch, flat)``."""
        check_is_fitted(self)
        if self._any_size and not hasattr(self, "image_shape_"):
            self._validate_params()
        self._check_params()
        return _validate(
            self,
            X,
            reset=False,
            stateless=self._any_size,
            image_shape=getattr(self, "image_shape", None),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = not self._any_size
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class _NumberedFeaturesMixin:
    """``get_feature_names_out`` of a 2-D output: a prefix and the column index."""

    _feature_prefix = "x"

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: ``hog0``, ``hog1``, ... or ``pixel0``, ...

        Parameters
        ----------
        input_features : None
            Ignored (columns are named by position).

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        n = self._n_features_out()
        return np.asarray(
            [f"{self._feature_prefix}{i}" for i in range(n)], dtype=object
        )
