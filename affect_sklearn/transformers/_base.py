"""Helpers shared by the image transformers: input validation, layouts, reading."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ..utils._validation import ImageBatch, check_images, is_path_input, read_image

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


def _resize_batch(arr, size, interpolation="bilinear", antialias=True):
    """Resize an (n, C, H, W) array to ``size`` = (height, width), keeping dtype."""
    import torch
    import torch.nn.functional as F

    arr = np.asarray(arr)
    n, c, h, w = arr.shape
    dtype = np.uint8 if arr.dtype == np.uint8 else np.float32
    if n == 0:
        return np.empty((0, c, *size), dtype=dtype)
    if (h, w) == tuple(size):
        return arr.astype(dtype, copy=True)
    x = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    kwargs = {}
    if interpolation in ("bilinear", "bicubic"):
        kwargs = {"align_corners": False, "antialias": antialias}
    out = F.interpolate(x, size=tuple(size), mode=interpolation, **kwargs).numpy()
    if arr.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    return out.astype(np.float32, copy=False)


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
