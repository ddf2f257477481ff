"""The one place that decodes image files and resamples pixels, for every input path.

Every route that turns a file into pixels calls :func:`decode_image`, and every
route that changes an image's size calls :func:`resize_images`:
``load_image_folder`` and ``load_affectnet``, file paths given to ``fit`` and
``predict`` (:func:`read_image`), the transformers (``ImageLoader``,
``ImageResizer``, ``FaceCropper``, ...), the ``predict`` command and the face
crops of ``analyze_video``. So a file gives the same pixels whichever way it
is read, and the faces a model is served are resampled as its training faces
were.

The policy, in one place:

- Pillow decodes; OpenCV is never used for files (only for video frames).
- EXIF orientation is not applied: pixels are used as stored, as OpenCV
  delivers video frames and as annotations of the data sets (AffectNet's
  landmarks) are given.
- Grayscale is Pillow's "L" conversion (ITU-R 601-2 luma); colour is "RGB".
  With ``channels=None`` grayscale files stay one channel, others get three.
- JPEG files are decoded with Pillow's ``draft``: libjpeg converts to the
  target mode and shrinks by 1/2, 1/4 or 1/8 while decoding, never below the
  requested size (faster for large photos read at a small size).
- Resizing is ``torch.nn.functional.interpolate`` (bilinear with
  antialiasing by default), the resampler that ``ImageResizer`` and the face
  croppers use (within 1 grey level of Pillow's bilinear filter).

Copies of video frames shrunk for face detection and tracking (OpenCV) and
the upscaled crops dlib predicts landmarks in are never model input; they
keep their own resampling.
"""

from __future__ import annotations

import os

import numpy as np

from ..exceptions import ImageReadError

__all__ = ["decode_image", "image_size", "read_image", "resize_images"]

# Pillow modes read as one channel when channels=None.
_GRAY_MODES = ("L", "I;16", "I", "F", "1", "LA")


def decode_errors():
    """The exceptions Pillow raises for missing, truncated or malformed files."""
    from PIL import Image

    return (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def resize_images(arr, size, interpolation="bilinear", antialias=True):
    """Resize an (n, C, H, W) array to ``size`` = (height, width), keeping uint8.

    Parameters
    ----------
    arr : ndarray of shape (n, C, H, W)
        uint8 or float images.
    size : tuple of (int, int)
        Output (height, width).
    interpolation : {"bilinear", "bicubic", "nearest", "area"}, default="bilinear"
        ``torch.nn.functional.interpolate`` mode.
    antialias : bool, default=True
        Low-pass filter when shrinking with "bilinear" or "bicubic".

    Returns
    -------
    resized : ndarray of shape (n, C, height, width)
        uint8 for uint8 input (rounded and clipped), float32 otherwise; a copy
        even when the size does not change.
    """
    arr = np.asarray(arr)
    n, c, h, w = arr.shape
    dtype = np.uint8 if arr.dtype == np.uint8 else np.float32
    size = (int(size[0]), int(size[1]))
    if n == 0:
        return np.empty((0, c, *size), dtype=dtype)
    if (h, w) == size:
        return arr.astype(dtype, copy=True)
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    kwargs = {}
    if interpolation in ("bilinear", "bicubic"):
        kwargs = {"align_corners": False, "antialias": antialias}
    out = F.interpolate(x, size=size, mode=interpolation, **kwargs).numpy()
    if arr.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    return out.astype(np.float32, copy=False)


def image_size(path):
    """(height, width) of an image file, read from its header only.

    Raises the errors of :func:`decode_errors` for unreadable files.
    """
    from PIL import Image

    with Image.open(path) as im:
        return im.size[1], im.size[0]


def decode_image(path, *, channels=None, size=None):
    """Decode one image file to a (C, H, W) uint8 array, by the policy above.

    Parameters
    ----------
    path : str or os.PathLike
        Image file (any format Pillow reads).
    channels : {1, 3} or None, default=None
        Grayscale (1) or RGB (3); None keeps 1 for grayscale files and 3
        otherwise.
    size : tuple of (int, int) or None, default=None
        Resize to (height, width) when the file differs.

    Returns
    -------
    image : ndarray of shape (C, H, W), uint8

    Raises
    ------
    OSError, ValueError, SyntaxError or PIL.Image.DecompressionBombError
        Pillow's own errors (see :func:`decode_errors`); :func:`read_image`
        turns them into an :class:`~affect_sklearn.exceptions.ImageReadError`.
    """
    from PIL import Image

    with Image.open(path) as im:
        if channels is None:
            channels = 1 if im.mode in _GRAY_MODES else 3
        mode = "L" if channels == 1 else "RGB"
        if im.format == "JPEG":
            # libjpeg converts and downscales while decoding (faster).
            im.draft(mode, (size[1], size[0]) if size else im.size)
        arr = np.asarray(im.convert(mode), dtype=np.uint8)
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    if size is not None and arr.shape[1:] != tuple(size):
        arr = resize_images(arr[None], size)[0]
    return np.ascontiguousarray(arr)


def read_image(path, *, channels=None, size=None):
    """Read one image file as an (C, H, W) uint8 array.

    Parameters
    ----------
    path : str or os.PathLike
        Image file (any format Pillow reads).
    channels : {1, 3} or None, default=None
        Convert to grayscale (1) or RGB (3); None keeps 1 for grayscale files
        and 3 otherwise.
    size : tuple of (int, int) or None, default=None
        Resize to (height, width) when the file differs.

    Returns
    -------
    image : ndarray of shape (C, H, W), uint8

    Raises
    ------
    ImageReadError
        If the file is missing or cannot be decoded; the message names it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from affect_sklearn.utils import read_image
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "face.png")
    ...     Image.fromarray(np.zeros((48, 40), np.uint8)).save(path)
    ...     read_image(path).shape, read_image(path, channels=3, size=(24, 24)).shape
    ((1, 48, 40), (3, 24, 24))
    """
    try:
        return decode_image(path, channels=channels, size=size)
    except FileNotFoundError as exc:
        raise ImageReadError(
            f"Image file not found: {os.fspath(path)!r}. Check the path, or drop the "
            "missing files before calling fit/predict."
        ) from exc
    except decode_errors() as exc:
        raise ImageReadError(
            f"Could not decode image file {os.fspath(path)!r} ({exc}). Remove or "
            "replace the file; affect_sklearn.datasets.load_image_folder lists such "
            "files in its `skipped` field."
        ) from exc
