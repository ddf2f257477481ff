"""Stateless image transformers: load files, convert to grayscale, resize."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ..utils._image_io import read_image, resize_images
from ._base import _LUMA, _check_size, _ImageTransformer, _stack, _to_layout

__all__ = ["Grayscale", "ImageLoader", "ImageResizer"]

_SIZE = [Interval(Integral, 1, None, closed="left"), tuple, list, None]


def _gray_batch(arr, n_channels=1):
    """(n, C, H, W) -> (n, n_channels, H, W) luminance, keeping uint8."""
    c = arr.shape[1]
    if c == 1:
        gray = arr.astype(np.float32) if arr.dtype != np.uint8 else arr
    else:
        f = arr.astype(np.float32)
        if c == 3:
            gray = np.tensordot(_LUMA.astype(np.float32), f, axes=([0], [1]))
        else:
            gray = f.mean(axis=1)
        gray = gray[:, None]
        if arr.dtype == np.uint8:
            gray = np.clip(np.round(gray), 0, 255).astype(np.uint8)
    return np.repeat(gray, n_channels, axis=1) if n_channels > 1 else gray.copy()


class ImageLoader(_ImageTransformer):
    """Read image files into an array, optionally resized and converted.

    Paths become an uint8 array of shape (n, H, W) (one channel) or
    (n, H, W, 3) (RGB). Arrays pass through with the same conversions, so a
    pipeline starting with an ``ImageLoader`` takes either.

    Parameters
    ----------
    size : int or tuple of (int, int), default=None
        Resize every image to (height, width) (an int gives a square). None
        keeps the files' size, which must then be the same for all files.
    color_mode : {"keep", "grayscale", "rgb"}, default="keep"
        "grayscale" converts to one channel, "rgb" to three; "keep" uses the
        first file's (or the array's) channel count.

    Attributes
    ----------
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit`` (before
        conversion).

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> from affect_sklearn.transformers import ImageLoader
    >>> path = getfixture("tmp_path") / "face.png"
    >>> Image.fromarray(np.zeros((40, 30, 3), dtype=np.uint8)).save(path)
    >>> ImageLoader(size=24, color_mode="grayscale").fit_transform([str(path)]).shape
    (1, 24, 24)
    """

    _any_size = True
    _parameter_constraints: dict = {
        "size": _SIZE,
        "color_mode": [StrOptions({"keep", "grayscale", "rgb"})],
    }

    def __init__(self, *, size=None, color_mode="keep"):
        self.size = size
        self.color_mode = color_mode

    def transform(self, X):
        """Read (or convert) the images.

        Parameters
        ----------
        X : sequence of paths or array-like of images
            Image files, or images in any accepted layout.

        Returns
        -------
        images : ndarray of shape (n_samples, H, W) or (n_samples, H, W, 3)
            uint8 for files; arrays keep uint8, other dtypes become float32.
            Flattened 2-D input gives flattened output.
        """
        batch, flat = self._start(X)
        name = type(self).__name__
        size = None if self.size is None else _check_size(self.size, name)
        channels = {"keep": None, "grayscale": 1, "rgb": 3}[self.color_mode]
        if batch.data is not None:
            arr = batch.data
            if channels == 1 and arr.shape[1] != 1:
                arr = _gray_batch(arr)
            elif channels == 3 and arr.shape[1] != 3:
                arr = np.repeat(_gray_batch(arr), 3, axis=1)
            if size is not None:
                arr = resize_images(arr, size)
            return _to_layout(arr, flat)
        channels = channels or batch.shape[0]
        images = [read_image(p, channels=channels, size=size) for p in batch.paths]
        if not images:
            h, w = size or batch.shape[1:]
            return _to_layout(np.empty((0, channels, h, w), np.uint8), False)
        first = images[0].shape
        for path, img in zip(batch.paths, images, strict=True):
            if img.shape != first:
                raise ValueError(
                    f"{name}: image files differ in size: {batch.paths[0]!r} is "
                    f"{first[1]}x{first[2]} (height x width) but {path!r} is "
                    f"{img.shape[1]}x{img.shape[2]}. Set size=(height, width) to "
                    "resize them all."
                )
        return _to_layout(np.stack(images), False)


class Grayscale(_ImageTransformer):
    """Convert images to grayscale (ITU-R 601-2 luma, as Pillow's "L" mode).

    Three-channel images are weighted 0.299 R + 0.587 G + 0.114 B; images
    with another channel count are averaged; one-channel images pass
    through. uint8 stays uint8, other dtypes become float32.

    Parameters
    ----------
    n_channels : {1, 3}, default=1
        Output channels: 3 repeats the gray image, for networks that expect
        RGB input.
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.transformers import Grayscale
    >>> rgb = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    >>> rgb[..., 1] = 100
    >>> gray = Grayscale().fit_transform(rgb)
    >>> gray.shape, gray.dtype, int(gray[0, 0, 0])
    ((2, 8, 8), dtype('uint8'), 59)
    """

    _any_size = True
    _parameter_constraints: dict = {
        "n_channels": [Options(Integral, {1, 3})],
        "image_shape": [tuple, list, None],
    }

    def __init__(self, *, n_channels=1, image_shape=None):
        self.n_channels = n_channels
        self.image_shape = image_shape

    def transform(self, X):
        """Convert the images.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images in any accepted layout.

        Returns
        -------
        gray : ndarray of shape (n_samples, H, W) or (n_samples, H, W, 3)
            Flattened to (n_samples, H * W * n_channels) for 2-D input.
        """
        batch, flat = self._start(X)
        return _to_layout(_gray_batch(_stack(batch), self.n_channels), flat)


class ImageResizer(_ImageTransformer):
    """Resize images to a fixed height and width.

    Parameters
    ----------
    size : int or tuple of (int, int), default=48
        Output (height, width); an int gives a square.
    interpolation : {"bilinear", "bicubic", "nearest", "area"}, default="bilinear"
        Resampling filter (``torch.nn.functional.interpolate`` modes).
    antialias : bool, default=True
        Low-pass filter when shrinking with "bilinear" or "bicubic".
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.transformers import ImageResizer
    >>> faces = make_faces(n_samples=4, image_size=48, random_state=0)
    >>> small = ImageResizer(size=24).fit_transform(faces.images)
    >>> small.shape, small.dtype
    ((4, 24, 24), dtype('uint8'))
    """

    _any_size = True
    _parameter_constraints: dict = {
        "size": _SIZE[:-1],
        "interpolation": [StrOptions({"bilinear", "bicubic", "nearest", "area"})],
        "antialias": ["boolean"],
        "image_shape": [tuple, list, None],
    }

    def __init__(
        self, *, size=48, interpolation="bilinear", antialias=True, image_shape=None
    ):
        self.size = size
        self.interpolation = interpolation
        self.antialias = antialias
        self.image_shape = image_shape

    def transform(self, X):
        """Resize the images.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images in any accepted layout.

        Returns
        -------
        resized : ndarray of shape (n_samples, height, width[, channels])
            Same dtype as the input for uint8 (float32 otherwise); flattened
            for 2-D input.
        """
        batch, flat = self._start(X)
        size = _check_size(self.size, type(self).__name__)
        out = resize_images(_stack(batch), size, self.interpolation, self.antialias)
        return _to_layout(out, flat)
