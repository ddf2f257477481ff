"""Face cropping (largest detected face, with a margin) and eye-based alignment."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..utils._image_io import resize_images
from . import _detect
from ._base import (
    _gray_uint8,
    _ImageTransformer,
    _iter_native,
    _stack_outputs,
    _to_layout,
)
from ._landmark_detector import LandmarkDetector
from ._landmarks import LEFT_EYE, RIGHT_EYE

__all__ = ["FaceAligner", "FaceCropper"]


def _crop_square(img, cx, cy, side):
    """(C, side, side) crop of a (C, H, W) image centred at (cx, cy), edge-padded."""
    _, h, w = img.shape
    side = max(int(round(side)), 1)
    x0 = int(round(cx - side / 2))
    y0 = int(round(cy - side / 2))
    x1, y1 = x0 + side, y0 + side
    pad = ((0, 0), (max(-y0, 0), max(y1 - h, 0)), (max(-x0, 0), max(x1 - w, 0)))
    if any(p for pair in pad for p in pair):
        # Pad only where the crop leaves the image.
        img = np.pad(img, pad, mode="edge")
        x0, y0 = x0 + pad[2][0], y0 + pad[1][0]
    return img[:, y0 : y0 + side, x0 : x0 + side]


class FaceCropper(_ImageTransformer):
    """Crop the largest face of each image to a square of a given size.

    The face box of the detector is enlarged by ``margin`` on every side,
    made square around its centre (padding with edge pixels where it leaves
    the image) and resized. Without a face, ``on_missing`` decides: keep the
    largest centred square of the image, or raise. The count of missed faces
    of the last call is kept in ``n_missed_``.

    Parameters
    ----------
    size : int, default=48
        Height and width of the output crops.
    margin : float, default=0.25
        Added to each side, as a fraction of the face box's larger side.
    detector : {"hog", "cnn", "haar"} or callable, default="hog"
        dlib HOG ("hog") or CNN ("cnn") detector (``landmarks`` extra), or
        OpenCV's Haar cascade ("haar", ``video`` extra); a callable gets a
        (H, W) uint8 image and returns (left, top, right, bottom) boxes.
    upsample : int or "auto", default="auto"
        Times the image is doubled before detection; "auto" doubles small
        images until a face filling them would be 80 pixels wide (48 for
        "haar"), and once more while no face is found (at most twice).
    on_missing : {"center", "raise"}, default="center"
        Without a detected face, crop the centre of the image or raise a
        ValueError.
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    n_missed_ : int
        Images without a detected face in the last call to ``transform``.
    missed_ : ndarray of shape (n_samples,) of bool
        Which images of that call had no face.
    boxes_ : ndarray of shape (n_samples, 4)
        The face box (left, top, right, bottom, in pixels of each image) that
        each image of that call was cropped around; NaN where no face was found.
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("dlib")
    >>> from skimage.data import astronaut
    >>> from affect_sklearn.transformers import FaceCropper
    >>> cropper = FaceCropper(size=64)
    >>> crops = cropper.fit_transform(astronaut()[None])
    >>> crops.shape, crops.dtype, cropper.n_missed_
    ((1, 64, 64, 3), dtype('uint8'), 0)
    """

    _any_size = True
    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "detector": [StrOptions({"hog", "cnn", "haar"}), callable],
        "upsample": [Interval(Integral, 0, 4, closed="both"), StrOptions({"auto"})],
        "on_missing": [StrOptions({"center", "raise"})],
        "image_shape": [tuple, list, None],
    }

    def __init__(
        self,
        *,
        size=48,
        margin=0.25,
        detector="hog",
        upsample="auto",
        on_missing="center",
        image_shape=None,
    ):
        self.size = size
        self.margin = margin
        self.detector = detector
        self.upsample = upsample
        self.on_missing = on_missing
        self.image_shape = image_shape

    def _check_params(self):
        _detect.check_backend(self.detector)

    def transform(self, X):
        """Crop the largest face of each image.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images in any accepted layout and size (files at their own size).

        Returns
        -------
        crops : ndarray of shape (n_samples, size, size[, channels])
            uint8 stays uint8, other dtypes become float32; flattened for 2-D
            input.
        """
        batch, flat = self._start(X)
        crops, missed = [], np.zeros(len(batch), dtype=bool)
        boxes = np.full((len(batch), 4), np.nan)
        for i, img in enumerate(_iter_native(batch)):
            gray = _gray_uint8(img)
            box = _detect.largest_box(
                _detect.detect_faces(gray, self.detector, self.upsample)
            )
            h, w = gray.shape
            if box is None:
                missed[i] = True
                if self.on_missing == "raise":
                    raise ValueError(
                        f"{type(self).__name__} found no face in image {i} (of shape "
                        f"{gray.shape}). Set on_missing='center' to keep the centre "
                        "crop instead, or check the images."
                    )
                crop = _crop_square(img, w / 2, h / 2, min(h, w))
            else:
                boxes[i] = box
                side = max(box[2] - box[0], box[3] - box[1]) * (1 + 2 * self.margin)
                cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
                crop = _crop_square(img, cx, cy, side)
            crops.append(resize_images(crop[None], (self.size, self.size))[0])
        self.n_missed_ = int(missed.sum())
        self.missed_ = missed
        self.boxes_ = boxes
        return _to_layout(_stack_outputs(crops, batch, self.size), flat)


def _warp(img, src_left, src_right, dst_left, dst_right, size):
    """Similarity-warp a (C, H, W) image so two source points land on two targets."""
    from scipy.ndimage import affine_transform

    d_src = np.asarray(src_right, float) - src_left
    d_dst = np.asarray(dst_right, float) - dst_left
    scale = np.linalg.norm(d_dst) / max(np.linalg.norm(d_src), 1e-9)
    angle = np.arctan2(d_src[1], d_src[0]) - np.arctan2(d_dst[1], d_dst[0])
    c, s = np.cos(angle) / scale, np.sin(angle) / scale
    # Output (row, col) -> input (row, col): p = L + R(angle) (q - L') / scale.
    matrix = np.array([[c, s], [-s, c]])
    offset = np.array([src_left[1], src_left[0]]) - matrix @ [dst_left[1], dst_left[0]]
    src = img.astype(np.float32)
    out = np.stack(
        [
            affine_transform(
                ch, matrix, offset, output_shape=(size, size), order=1, mode="nearest"
            )
            for ch in src
        ]
    )
    if img.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    return out


class FaceAligner(_ImageTransformer):
    """Warp each face so that its eye centres land on fixed positions.

    Landmarks come from a :class:`LandmarkDetector`; a similarity transform
    (rotation, scale, shift) maps the centres of the two eyes to
    ``((0.5 -+ eye_distance / 2) * size, eye_height * size)``, which removes
    head roll, size and position before a CNN or HOG features.

    Parameters
    ----------
    size : int, default=48
        Height and width of the aligned images.
    eye_distance : float, default=0.36
        Distance between the eye centres, as a fraction of ``size``.
    eye_height : float, default=0.4
        Height of the eye centres from the top, as a fraction of ``size``.
    landmark_detector : LandmarkDetector, default=None
        Configured landmark detector (cloned); None uses
        ``LandmarkDetector()``. A face it misses is aligned on the landmarks
        predicted in its ``face_box`` (``on_missing="box"``) or on a centred
        square when its ``on_missing="nan"``.
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    n_missed_ : int
        Images without a detected face in the last call to ``transform``.
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("dlib")
    >>> from skimage.data import astronaut
    >>> from affect_sklearn.transformers import FaceAligner
    >>> FaceAligner(size=64).fit_transform(astronaut()[None]).shape
    (1, 64, 64, 3)
    """

    _any_size = True
    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "eye_distance": [Interval(Real, 0, 1, closed="right")],
        "eye_height": [Interval(Real, 0, 1, closed="neither")],
        "landmark_detector": [HasMethods(["fit", "transform"]), None],
        "image_shape": [tuple, list, None],
    }

    def __init__(
        self,
        *,
        size=48,
        eye_distance=0.36,
        eye_height=0.4,
        landmark_detector=None,
        image_shape=None,
    ):
        self.size = size
        self.eye_distance = eye_distance
        self.eye_height = eye_height
        self.landmark_detector = landmark_detector
        self.image_shape = image_shape

    def _detector(self):
        det = self.landmark_detector
        det = LandmarkDetector() if det is None else clone(det)
        if not isinstance(det, LandmarkDetector):
            raise TypeError(
                f"{type(self).__name__}: landmark_detector must be a LandmarkDetector "
                f"or None; got {type(det).__name__}."
            )
        return det

    def _check_params(self):
        self._detector()._check()

    def transform(self, X):
        """Align the faces.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images in any accepted layout and size.

        Returns
        -------
        aligned : ndarray of shape (n_samples, size, size[, channels])
            uint8 stays uint8, other dtypes become float32; flattened for 2-D
            input.
        """
        batch, flat = self._start(X)
        det = self._detector()
        box = det._face_box()
        size = self.size
        half = self.eye_distance * size / 2
        dst_l = (size / 2 - half - 0.5, self.eye_height * size - 0.5)
        dst_r = (size / 2 + half - 0.5, self.eye_height * size - 0.5)
        out, n_missed = [], 0
        for i, img in enumerate(_iter_native(batch)):
            points, missed = det._one(_gray_uint8(img), box, i)
            n_missed += bool(missed)
            points = np.broadcast_to(np.asarray(points, dtype=np.float64), (68, 2))
            if np.isnan(points).any():
                h, w = img.shape[1:]
                crop = _crop_square(img, w / 2, h / 2, min(h, w))
                out.append(resize_images(crop[None], (size, size))[0])
                continue
            left = points[LEFT_EYE].mean(axis=0)
            right = points[RIGHT_EYE].mean(axis=0)
            out.append(_warp(img, left, right, dst_l, dst_r, size))
        self.n_missed_ = n_missed
        return _to_layout(_stack_outputs(out, batch, size), flat)
