"""Face boxes through a video: detection on a shrunk frame, tracking in between."""

from __future__ import annotations

import numpy as np

# Side of the tracking template, in pixels, whatever the face's size.
_TEMPLATE = 32
# The search window adds this fraction of the box's side on each side.
_SEARCH = 0.25


def _region(frame, x0, y0, x1, y1):
    """``frame[y0:y1, x0:x1]`` for integer bounds, edge pixels where they leave it."""
    import cv2

    h, w = frame.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if cx0 >= cx1 or cy0 >= cy1:  # entirely outside: repeat the nearest pixel
        cx0, cy0 = min(max(x0, 0), w - 1), min(max(y0, 0), h - 1)
        cx1, cy1 = cx0 + 1, cy0 + 1
    out = frame[cy0:cy1, cx0:cx1]
    pad = (cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1)
    if any(pad):
        out = cv2.copyMakeBorder(out, *pad, cv2.BORDER_REPLICATE)
    return out


def _gray(bgr):
    import cv2

    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def crop_face(frame, box, margin, size, code):
    """The square crop :class:`~affect_sklearn.transformers.FaceCropper` takes.

    ``box`` (left, top, right, bottom) is in ``frame``'s pixels; the square
    around its centre, ``max(width, height) * (1 + 2 * margin)`` on a side,
    is cut from the BGR frame (edge pixels where it leaves the frame),
    converted with ``code`` and resized to ``size`` like ``FaceCropper``
    does. Only the crop is converted, never the whole frame; the pixels
    are the same as converting the frame first.
    """
    import cv2

    from ..utils._image_io import resize_images

    side = max(box[2] - box[0], box[3] - box[1]) * (1 + 2 * margin)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = max(int(round(side)), 1)
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    crop = cv2.cvtColor(_region(frame, x0, y0, x0 + side, y0 + side), code)
    chw = crop[None] if crop.ndim == 2 else crop.transpose(2, 0, 1)
    out = resize_images(chw[None], (size, size))[0]
    return out[0] if out.shape[0] == 1 else out.transpose(1, 2, 0)


class FaceTracker:
    """The box of the largest face in each frame, without detecting in most.

    Rule: a full detection (the largest face of the frame shrunk to
    ``detect_size`` on its longest side, the box mapped back to full-frame
    pixels) runs on the first frame, then again after ``detect_every``
    frames, and on any frame where the track is lost or there is none. In
    between, the face is followed by template matching: the gray box of the
    last detection, shrunk to 32 pixels, is searched (normalised
    cross-correlation) in a window a quarter of the box's side larger on
    each side around the last box; the box moves to the best match and
    keeps its size. When the best correlation is below ``track_threshold``
    the track is lost and the frame gets a full detection. A frame has no
    face only when a full detection on it finds none.

    Parameters
    ----------
    detect : callable
        ``detect(gray)`` -> (k, 4) boxes (left, top, right, bottom) in the
        pixels of the (H, W) uint8 image it gets.
    detect_size : int or None
        Longest side of the copy detection runs on; None: the full frame.
    detect_every : int
        Frames between full detections; 1 detects in every frame.
    track_threshold : float
        Lowest correlation at which the track is kept.

    Attributes
    ----------
    n_detections, n_tracked, n_lost : int
        Full detections run, frames whose box came from tracking, tracks
        lost (each followed by a full detection).
    """

    def __init__(self, detect, detect_size, detect_every, track_threshold):
        self.detect = detect
        self.detect_size = detect_size
        self.detect_every = detect_every
        self.track_threshold = track_threshold
        self.n_detections = self.n_tracked = self.n_lost = 0
        self._box = self._template = None
        self._since = 0

    def _full(self, frame):
        import cv2

        from ..transformers import _detect

        self.n_detections += 1
        gray = _gray(frame)
        h, w = gray.shape
        scale = 1.0
        if self.detect_size is not None:
            scale = min(1.0, self.detect_size / max(h, w))
        small = gray
        if scale < 1:
            # As _ShrunkHaar does, so that detect_every=1 gives its boxes.
            small = cv2.resize(
                gray,
                (max(1, round(w * scale)), max(1, round(h * scale))),
                interpolation=cv2.INTER_AREA,
            )
        box = _detect.largest_box(np.asarray(self.detect(small)).reshape(-1, 4))
        if box is None:
            self._box = self._template = None
            return None
        box = np.asarray(box, dtype=np.float64) / scale
        self._box, self._since = box, 0
        if self.detect_every > 1:
            self._template = self._patch(gray, box, 0.0)[0]
        return box

    @staticmethod
    def _patch(img, box, pad):
        """``box`` grown by ``pad`` x its side, shrunk so the box is 32 px."""
        import cv2

        left, top, right, bottom = box
        side = max(right - left, bottom - top, 1.0)
        scale = _TEMPLATE / side
        x0 = int(np.floor(left - pad * side))
        y0 = int(np.floor(top - pad * side))
        x1 = int(np.ceil(right + pad * side))
        y1 = int(np.ceil(bottom + pad * side))
        region = _region(img, x0, y0, x1, y1)
        if region.ndim == 3:
            region = _gray(region)
        out_w = max(1, round((x1 - x0) * scale))
        out_h = max(1, round((y1 - y0) * scale))
        small = cv2.resize(region, (out_w, out_h), interpolation=cv2.INTER_AREA)
        return small, x0, y0, (x1 - x0) / out_w, (y1 - y0) / out_h

    def _track(self, frame):
        import cv2

        window, x0, y0, sx, sy = self._patch(frame, self._box, _SEARCH)
        tmpl = self._template
        if window.shape[0] < tmpl.shape[0] or window.shape[1] < tmpl.shape[1]:
            return None
        score = cv2.matchTemplate(window, tmpl, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(score)
        if not best >= self.track_threshold:  # also NaN on a flat window
            return None
        dx, dy = _subpixel(score, bx, by)
        left, top, right, bottom = self._box
        new_left, new_top = x0 + (bx + dx) * sx, y0 + (by + dy) * sy
        return np.array(
            [new_left, new_top, new_left + right - left, new_top + bottom - top]
        )

    def __call__(self, frame):
        """Box (left, top, right, bottom) of the face in a BGR frame, or None."""
        self._since += 1
        if self._box is not None and self._since < self.detect_every:
            box = self._track(frame)
            if box is not None:
                self.n_tracked += 1
                self._box = box
                return box
            self.n_lost += 1
        return self._full(frame)


def _subpixel(score, x, y):
    """Offsets in (-0.5, 0.5) of a parabola's peak through the 3 x 3 best."""
    offsets = []
    for axis, (i, n) in enumerate(((x, score.shape[1]), (y, score.shape[0]))):
        if 0 < i < n - 1:
            line = score[y, i - 1 : i + 2] if axis == 0 else score[i - 1 : i + 2, x]
            a, b, c = (float(v) for v in line)
            denom = a - 2 * b + c
            offsets.append(0.5 * (a - c) / denom if denom < 0 else 0.0)
        else:
            offsets.append(0.0)
    return offsets
