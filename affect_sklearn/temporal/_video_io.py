"""Reading video files with OpenCV: opening, frame sampling, decoding."""

from __future__ import annotations

import math
import os
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["read_video"]

_VIDEO_EXTRA = 'pip install "affect-sklearn[video]"'

# Frame sampling of read_video and analyze_video, for validate_params.
SAMPLING_CONSTRAINTS = {
    "path": [str, os.PathLike],
    "every": [Interval(Integral, 1, None, closed="left")],
    "max_frames": [Interval(Integral, 1, None, closed="left"), None],
}


def _cv2():
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(
            "Reading video needs OpenCV, which is not installed. Install it with: "
            f"{_VIDEO_EXTRA} (opencv-contrib-python-headless<5)."
        ) from exc
    return cv2


def _open(path):
    cv2 = _cv2()
    if not os.path.isfile(os.fspath(path)):
        raise FileNotFoundError(f"video file not found: {os.fspath(path)!r}.")
    cap = cv2.VideoCapture(os.fspath(path))
    if not cap.isOpened():
        raise ValueError(
            f"OpenCV could not open {os.fspath(path)!r} as a video. Check that it "
            "is a video file (e.g. .mp4, .avi) in a codec FFmpeg can decode."
        )
    fps = cap.get(cv2.CAP_PROP_FPS)
    fps = float(fps) if fps and math.isfinite(fps) and fps > 0 else None
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    return cap, fps, max(count, 0)


def _iter_frames(cap, fps, every, max_frames):
    """(index, time in s, BGR frame) of every ``every``-th decoded frame."""
    cv2 = _cv2()
    index = kept = 0
    while max_frames is None or kept < max_frames:
        if index % every:
            if not cap.grab():  # skip without decoding
                return
            index += 1
            continue
        ok, frame = cap.read()
        if not ok:
            return
        if fps is not None:
            time_s = index / fps
        else:
            time_s = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        yield index, time_s, frame
        kept += 1
        index += 1


@validate_params(
    {**SAMPLING_CONSTRAINTS, "grayscale": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def read_video(path, every=1, max_frames=None, *, grayscale=False):
    """Read the frames of a video file with OpenCV.

    Parameters
    ----------
    path : str or Path
        Video file in any format OpenCV's FFmpeg backend decodes.
    every : int, default=1
        Keep every ``every``-th frame (the others are skipped undecoded).
    max_frames : int, default=None
        Stop after this many kept frames; None reads to the end. The whole
        result is held in memory: :func:`analyze_video` streams instead.
    grayscale : bool, default=False
        Return (H, W) gray frames instead of RGB.

    Returns
    -------
    frames : ndarray of shape (n_frames, H, W, 3) or (n_frames, H, W), uint8
        RGB (or gray) frames.
    times : ndarray of shape (n_frames,)
        Time of each frame in seconds: frame index / frame rate, or the
        decoder's timestamp when the file has no frame rate.

    Examples
    --------
    >>> import pytest; cv2 = pytest.importorskip("cv2")
    >>> import numpy as np
    >>> from affect_sklearn.temporal import read_video
    >>> path = getfixture("tmp_path") / "clip.avi"
    >>> writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10,
    ...                          (32, 24))
    >>> for i in range(6):
    ...     writer.write(np.full((24, 32, 3), 40 * i, np.uint8))
    >>> writer.release()
    >>> frames, times = read_video(path, every=2)
    >>> frames.shape, times.tolist()
    ((3, 24, 32, 3), [0.0, 0.2, 0.4])
    """
    cv2 = _cv2()
    cap, fps, _ = _open(path)
    frames, times = [], []
    code = cv2.COLOR_BGR2GRAY if grayscale else cv2.COLOR_BGR2RGB
    try:
        for _, time_s, frame in _iter_frames(cap, fps, every, max_frames):
            frames.append(cv2.cvtColor(frame, code))
            times.append(time_s)
    finally:
        cap.release()
    if not frames:
        raise ValueError(f"no frame could be read from {os.fspath(path)!r}.")
    return np.stack(frames), np.asarray(times, dtype=np.float64)
