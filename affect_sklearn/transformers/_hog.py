"""Histogram-of-oriented-gradients features (scikit-image) for classical baselines."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _ImageTransformer, _NumberedFeaturesMixin, _stack

__all__ = ["HOGFeatures"]


def _hog():
    try:
        from skimage.feature import hog
    except ImportError as exc:
        raise ImportError(
            "HOGFeatures needs scikit-image, which is not installed. Install it "
            'with: pip install "affect-sklearn[features]"'
        ) from exc
    return hog


def _pair(value, name, param):
    if isinstance(value, Integral):
        value = (int(value), int(value))
    try:
        a, b = (int(v) for v in value)
        ok = a >= 1 and b >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{name}: {param} must be a positive int or a pair of positive ints; "
            f"got {param}={value!r}."
        )
    return a, b


class HOGFeatures(_NumberedFeaturesMixin, _ImageTransformer):
    """HOG descriptors of images, one row per image (HOG + SVM baselines).

    Wraps :func:`skimage.feature.hog` (install with
    ``pip install "affect-sklearn[features]"``). Colour images use, at each
    pixel, the channel with the largest gradient.

    Parameters
    ----------
    orientations : int, default=9
        Number of orientation bins.
    pixels_per_cell : int or tuple of (int, int), default=(8, 8)
        Cell size in pixels.
    cells_per_block : int or tuple of (int, int), default=(2, 2)
        Block size in cells (blocks are normalised).
    block_norm : {"L2-Hys", "L2", "L1", "L1-sqrt"}, default="L2-Hys"
        Block normalisation.
    transform_sqrt : bool, default=False
        Power-law (gamma) compression of the image first; needs non-negative
        pixels.
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.
    n_features_out_ : int
        Length of one descriptor.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("skimage")
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import LinearSVC
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.transformers import HOGFeatures
    >>> faces = make_faces(n_samples=40, image_size=32, n_classes=2, random_state=0)
    >>> model = make_pipeline(HOGFeatures(), LinearSVC())
    >>> model = model.fit(faces.images, faces.target)
    >>> model[0].n_features_out_
    324
    """

    _feature_prefix = "hog"
    _parameter_constraints: dict = {
        "orientations": [Interval(Integral, 1, None, closed="left")],
        "pixels_per_cell": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "cells_per_block": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "block_norm": [StrOptions({"L2-Hys", "L2", "L1", "L1-sqrt"})],
        "transform_sqrt": ["boolean"],
        "image_shape": [tuple, list, None],
    }

    def __init__(
        self,
        *,
        orientations=9,
        pixels_per_cell=(8, 8),
        cells_per_block=(2, 2),
        block_norm="L2-Hys",
        transform_sqrt=False,
        image_shape=None,
    ):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.image_shape = image_shape

    def _kwargs(self):
        name = type(self).__name__
        return dict(
            orientations=self.orientations,
            pixels_per_cell=_pair(self.pixels_per_cell, name, "pixels_per_cell"),
            cells_per_block=_pair(self.cells_per_block, name, "cells_per_block"),
            block_norm=self.block_norm,
            transform_sqrt=self.transform_sqrt,
            feature_vector=True,
        )

    def _one(self, hog, img, kwargs):
        """HOG of one (C, H, W) image."""
        if img.dtype == np.uint8:
            img = img.astype(np.float32) / 255.0
        if img.shape[0] == 1:
            return hog(img[0], channel_axis=None, **kwargs)
        return hog(np.moveaxis(img, 0, -1), channel_axis=-1, **kwargs)

    def _check_params(self):
        _hog()
        self._kwargs()

    def _fit(self, batch):
        """Check that the images hold at least one block; record the length."""
        kwargs = self._kwargs()
        c, h, w = batch.shape
        (ph, pw), (bh, bw) = kwargs["pixels_per_cell"], kwargs["cells_per_block"]
        if h // ph < bh or w // pw < bw:
            raise ValueError(
                f"{type(self).__name__} needs images of at least {ph * bh}x{pw * bw} "
                f"pixels (pixels_per_cell * cells_per_block); got {h}x{w}. Lower "
                "pixels_per_cell or cells_per_block, or resize the images."
            )
        probe = np.zeros((c, h, w), dtype=np.float32)
        self.n_features_out_ = int(self._one(_hog(), probe, kwargs).size)

    def _n_features_out(self):
        return self.n_features_out_

    def transform(self, X):
        """Compute the descriptors.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images of the shape seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features), float32
            One HOG descriptor per image; ``n_features`` is ``n_features_out_``.
        """
        batch, _ = self._start(X)
        hog, kwargs = _hog(), self._kwargs()
        arr = _stack(batch)
        if self.transform_sqrt and arr.size and arr.min() < 0:
            raise ValueError(
                f"{type(self).__name__}: transform_sqrt=True needs non-negative "
                f"pixels; got min={float(arr.min()):.3g}. Set transform_sqrt=False "
                "or apply it before normalising the images."
            )
        out = np.empty((len(arr), self.n_features_out_), dtype=np.float32)
        for i, img in enumerate(arr):
            out[i] = self._one(hog, img, kwargs)
        return out
