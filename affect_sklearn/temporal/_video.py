"""Video analysis: find and classify the face in each frame, detect emotion changes."""

from __future__ import annotations

import math
import os
import time
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted

from ._detector import EmotionChangeDetector
from ._video_io import SAMPLING_CONSTRAINTS, _cv2, _iter_frames, _open
from ._video_results import _results

__all__ = ["analyze_video"]


class _ShrunkHaar:
    """OpenCV's Haar cascade run on a copy of the frame shrunk to ``max_side``.

    A face detector for :class:`~affect_sklearn.transformers.FaceCropper`:
    it gets a (H, W) uint8 image and returns (left, top, right, bottom) boxes
    in its pixels. Shrinking a 640x480 frame to 320x240 makes the cascade
    about 4 times faster and still finds faces of 48 pixels and more.
    """

    def __init__(self, max_side=320):
        self.max_side = max_side

    def __call__(self, gray):
        from ..transformers import _detect

        cv2 = _cv2()
        h, w = gray.shape
        scale = min(1.0, self.max_side / max(h, w))
        small = gray
        if scale < 1:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        return _detect.detect_faces(small, "haar", 0) / scale


def _model_input(model):
    """(channels, size) of the faces the model expects."""
    first = model.steps[0][1] if hasattr(model, "steps") else model
    shape = getattr(first, "image_shape_", None) or getattr(model, "image_shape_", None)
    if shape is None:
        return 1, 48
    c, h, w = shape
    if h != w:
        raise ValueError(
            f"analyze_video crops square faces, but the model expects {h}x{w} "
            "images. Train the model on square faces."
        )
    return int(c), int(h)


def _make_cropper(face_cropper, size):
    """(FaceCropper or None, detection size of ``detect_size="auto"``)."""
    from ..transformers import FaceCropper

    if face_cropper is None or face_cropper == "haar":
        return FaceCropper(size=size, detector="haar", upsample=0), 320
    if face_cropper == "none":
        return None, None
    if face_cropper in ("hog", "cnn"):
        return FaceCropper(size=size, detector=face_cropper, upsample=0), None
    if not isinstance(face_cropper, FaceCropper):
        raise TypeError(
            "face_cropper must be a FaceCropper, None or one of 'haar', 'hog', "
            f"'cnn', 'none'; got {type(face_cropper).__name__}."
        )
    if face_cropper.size != size:
        raise ValueError(
            f"face_cropper.size={face_cropper.size} but the model expects "
            f"{size}x{size} faces. Use FaceCropper(size={size}, ...)."
        )
    cropper = clone(face_cropper)
    cropper._validate_params()
    return cropper, None


def _center_crop(img, size):
    """The centred square of an (H, W[, C]) image, resized as the face crops are."""
    from ..utils._image_io import resize_images

    h, w = img.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    crop = img[y0 : y0 + side, x0 : x0 + side]
    chw = crop[None] if crop.ndim == 2 else crop.transpose(2, 0, 1)
    out = resize_images(chw[None], (size, size))[0]
    return out[0] if out.shape[0] == 1 else out.transpose(1, 2, 0)


def _check_detector(detector, classes):
    """The detector to use, checked against the model before any frame is read."""
    det = EmotionChangeDetector() if detector is None else detector
    if det.input_type != "proba":
        raise ValueError(
            "analyze_video gets class probabilities from the model, so detector "
            f"must have input_type='proba'; got input_type={det.input_type!r}."
        )
    try:
        check_is_fitted(det)
    except NotFittedError:
        det = clone(det)
        if det.classes is None:
            det.set_params(classes=classes)
        fitted_classes = det.classes
    else:
        fitted_classes = det.classes_
    if len(fitted_classes) != len(classes) or list(fitted_classes) != list(classes):
        raise ValueError(
            f"the detector's classes {list(fitted_classes)} differ from the model's "
            f"classes {list(classes)}. Fit the detector on this model's "
            "probabilities, or pass an unfitted one."
        )
    return det


@validate_params(
    {
        **SAMPLING_CONSTRAINTS,
        "model": [HasMethods(["predict_proba"])],
        "face_cropper": [
            StrOptions({"haar", "hog", "cnn", "none"}),
            HasMethods(["transform"]),
            None,
        ],
        "detector": [EmotionChangeDetector, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "progress": ["boolean"],
        "detect_size": [
            Interval(Integral, 32, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "detect_every": [Interval(Integral, 1, None, closed="left")],
        "track_threshold": [Interval(Real, -1, 1, closed="both")],
    },
    # The model and the detector are the caller's estimators: check their
    # parameters too.
    prefer_skip_nested_validation=False,
)
def analyze_video(
    path,
    model,
    *,
    face_cropper=None,
    detector=None,
    every=1,
    max_frames=None,
    batch_size=32,
    progress=True,
    detect_size="auto",
    detect_every=10,
    track_threshold=0.6,
):
    """Classify the face in each frame of a video and detect emotion changes.

    Frames are read with OpenCV one at a time: the largest face of each frame
    is cropped to the model's input size (gray when the model was trained on
    gray faces), the crops are classified in batches with
    ``model.predict_proba``, and the per-frame probabilities go to an
    :class:`EmotionChangeDetector`. Frames without a face get NaN
    probabilities; the smoothed label carries through them.

    Faces are not detected in every frame. A full detection runs on a copy
    of the frame shrunk to ``detect_size`` pixels on its longest side (the
    box is mapped back to the full frame, and the crop is cut from the full
    frame): on the first frame, then every ``detect_every`` analysed frames,
    and whenever the track is lost. In between, the face is tracked: the
    gray face box of the last detection, shrunk to 32 pixels, is matched
    (normalised cross-correlation) in a window a quarter of the box's side
    larger on each side around the last box, and the box moves to the best
    match, keeping its size. If the best correlation is below
    ``track_threshold`` the track is lost and that frame gets a full
    detection; a frame has no face only when a full detection on it finds
    none. ``detect_every=1`` detects in every frame.

    Parameters
    ----------
    path : str or Path
        Video file.
    model : classifier
        Fitted classifier with ``predict_proba`` and ``classes_`` taking
        (n, H, W) uint8 faces, e.g. an :class:`~affect_sklearn.AffectCNNClassifier`
        or a pipeline ending in one.
    face_cropper : FaceCropper, {"haar", "hog", "cnn", "none"} or None, default=None
        How to find the face. None or "haar": OpenCV's Haar cascade
        (``video`` extra), the fastest; "hog"/"cnn": dlib's detectors
        (``landmarks`` extra); "none": no detection, the centred square of
        each frame (for videos of cropped faces); or a configured
        :class:`~affect_sklearn.transformers.FaceCropper` whose ``size``
        matches the model (its ``detector``, ``upsample``, ``margin`` and
        ``on_missing`` are used). Detection runs on a copy of the frame
        shrunk to ``detect_size``.
    detector : EmotionChangeDetector, default=None
        Smoothing and change detection. An unfitted one (None: the defaults)
        is fitted on this video's probabilities with ``classes`` set to the
        model's; a fitted one must have the model's classes.
    every : int, default=1
        Analyse every ``every``-th frame.
    max_frames : int, default=None
        Stop after this many analysed frames.
    batch_size : int, default=32
        Face crops classified together (one ``predict_proba`` call); the
        probabilities are those of one call per frame up to float rounding.
    progress : bool, default=True
        Show a tqdm progress bar over the frames.
    detect_size : int, "auto" or None, default="auto"
        Longest side, in pixels, of the shrunk copy of the frame that faces
        are detected in (larger frames are shrunk, smaller ones kept).
        The Haar cascade finds faces of 24 pixels and more in that copy: with
        320, faces of 48 pixels in a 640x480 frame and 144 pixels in a
        1920x1080 one; raise it to find smaller faces, at a cost growing
        with its square. None detects in the full frame. "auto": 320 for
        the Haar cascade, the full frame for the dlib detectors and a
        given ``face_cropper``.
    detect_every : int, default=10
        Analysed frames between full detections; the face is tracked in
        between (see above). 1 detects in every frame.
    track_threshold : float, default=0.6
        Lowest normalised cross-correlation, in [-1, 1], between the face
        of the last detection and its best match at which the track is
        kept; a lower one triggers a full detection.

    Returns
    -------
    results : :class:`~sklearn.utils.Bunch`
        ``frames``: DataFrame with one row per analysed frame: ``frame``
        (index in the video), ``time_s``, ``face_found``, ``label`` (argmax of
        the probabilities; missing without a face), ``prob_<class>`` per
        class, ``smoothed_label``.
        ``segments``: DataFrame with one row per segment of constant smoothed
        label: ``start_frame``, ``end_frame`` (one past the segment, in video
        frames), ``start_s``, ``end_s``, ``label``, ``mean_confidence`` and
        ``n_frames`` (analysed frames).
        ``classes``, ``fps``, ``path`` and the fitted ``detector``.
        ``boxes``: ndarray of shape (n_frames, 4), the face box (left, top,
        right, bottom) in full-frame pixels of each analysed frame, NaN
        without a face (and for ``face_cropper="none"``).
        ``stats``: dict with ``detections`` (full detections run),
        ``tracked`` (frames whose box came from tracking), ``lost``
        (tracks lost) and ``seconds``, the wall time of each stage:
        ``decode``, ``detect`` (detection and tracking), ``crop``,
        ``classify`` and ``smooth``.

    See Also
    --------
    write_timeline_plot : Plot the results.

    Examples
    --------
    >>> import pytest; cv2 = pytest.importorskip("cv2")
    >>> from affect_sklearn import AffectCNNClassifier
    >>> from affect_sklearn.datasets import make_face_sequences, make_faces
    >>> from affect_sklearn.temporal import analyze_video, write_timeline_plot
    >>> faces = make_faces(n_samples=24, image_size=16, n_classes=3, random_state=0)
    >>> clf = AffectCNNClassifier(backbone="basic", width=4, max_epochs=1,
    ...                           random_state=0).fit(faces.images, faces.target)
    >>> seq = make_face_sequences(n_sequences=1, n_frames=8, n_classes=3,
    ...                           random_state=0)
    >>> path = getfixture("tmp_path") / "faces.avi"
    >>> writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 4,
    ...                          (48, 48))
    >>> for img in seq.images[0]:
    ...     writer.write(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    >>> writer.release()
    >>> results = analyze_video(path, clf, face_cropper="none", progress=False)
    >>> results.frames.shape
    (8, 8)
    >>> results.frames.columns[-4:].tolist()
    ['prob_0', 'prob_1', 'prob_2', 'smoothed_label']
    >>> write_timeline_plot(results, path.with_suffix(".png")).name
    'faces.png'
    """
    check_is_fitted(model)
    classes = np.asarray(model.classes_)
    channels, size = _model_input(model)
    cropper, auto_size = _make_cropper(face_cropper, size)
    det = _check_detector(detector, classes)
    cv2 = _cv2()
    code = cv2.COLOR_BGR2GRAY if channels == 1 else cv2.COLOR_BGR2RGB
    tracker = None
    if cropper is not None:
        from ..transformers import _detect
        from ._tracking import FaceTracker

        _detect.check_backend(cropper.detector)

        def detect(gray):
            return _detect.detect_faces(gray, cropper.detector, cropper.upsample)

        tracker = FaceTracker(
            detect,
            auto_size if detect_size == "auto" else detect_size,
            detect_every,
            track_threshold,
        )
    from tqdm.auto import tqdm

    from ._tracking import crop_face

    cap, fps, count = _open(path)
    total = math.ceil(count / every) if count else None
    if total is not None and max_frames is not None:
        total = min(total, max_frames)
    indices, times, boxes, probas = [], [], [], []
    seconds = dict.fromkeys(("decode", "detect", "crop", "classify", "smooth"), 0.0)
    crops = []
    clock = time.perf_counter

    def flush():
        if not crops:
            return
        t0 = clock()
        probas.append(model.predict_proba(np.stack(crops)))
        seconds["classify"] += clock() - t0
        crops.clear()

    nan_box = np.full(4, np.nan)
    try:
        with tqdm(
            total=total, unit="frame", disable=not progress, desc=Path(path).name
        ) as bar:
            frames_iter = _iter_frames(cap, fps, every, max_frames)
            while True:
                t0 = clock()
                item = next(frames_iter, None)
                t1 = clock()
                seconds["decode"] += t1 - t0
                if item is None:
                    break
                index, time_s, frame = item
                indices.append(index)
                times.append(time_s)
                if tracker is None:
                    box = nan_box
                    t2 = clock()
                    crops.append(_center_crop(cv2.cvtColor(frame, code), size))
                else:
                    box = tracker(frame)
                    t2 = clock()
                    seconds["detect"] += t2 - t1
                    if box is None:
                        if cropper.on_missing == "raise":
                            raise ValueError(
                                f"{type(cropper).__name__} found no face in frame "
                                f"{index} of {os.fspath(path)!r}. Set "
                                "on_missing='center' to go on without it."
                            )
                        box = nan_box
                    else:
                        crops.append(crop_face(frame, box, cropper.margin, size, code))
                seconds["crop"] += clock() - t2
                boxes.append(box)
                if len(crops) == batch_size:
                    flush()
                bar.update(1)
            flush()
    finally:
        cap.release()
    if not indices:
        raise ValueError(f"no frame could be read from {os.fspath(path)!r}.")
    return _results(
        path, classes, det, fps, every, indices, times, boxes, probas, tracker, seconds
    )
