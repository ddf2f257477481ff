"""Parametric synthetic faces with known expression, valence/arousal and landmarks."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

FER2013_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
AFFECTNET_CLASSES = FER2013_CLASSES + ("contempt",)

# Expression geometry per class, FER-2013 order (+ contempt). Columns:
# brow_raise, brow_inner_drop, brow_knit, eye_open, mouth_curve, mouth_open,
# mouth_width, mouth_asym, lip_raise. Neutral is the zero point of each column
# (eye_open and mouth_width are multiplicative and neutral at 1).
_PARAM_NAMES = (
    "brow_raise",
    "brow_inner_drop",
    "brow_knit",
    "eye_open",
    "mouth_curve",
    "mouth_open",
    "mouth_width",
    "mouth_asym",
    "lip_raise",
)
_EXPRESSIONS = np.array(
    [
        # raise inner knit  eye  curve open  width asym  lip
        [-0.8, 1.0, 1.0, 0.70, -0.35, 0.00, 0.85, 0.0, 0.0],  # angry
        [-0.4, 0.5, 0.6, 0.60, -0.55, 0.15, 0.95, 0.0, 1.0],  # disgust
        [0.7, -0.8, 0.6, 1.50, -0.25, 0.45, 1.20, 0.0, 0.0],  # fear
        [0.1, 0.0, 0.0, 0.80, 1.00, 0.30, 1.25, 0.0, 0.0],  # happy
        [0.0, -1.0, 0.3, 0.70, -0.80, 0.00, 0.95, 0.0, 0.0],  # sad
        [1.2, 0.0, 0.0, 1.70, 0.00, 1.00, 0.70, 0.0, 0.0],  # surprise
        [0.0, 0.0, 0.0, 1.00, 0.00, 0.00, 1.00, 0.0, 0.0],  # neutral
        [0.0, 0.0, 0.0, 0.90, 0.20, 0.00, 1.00, 0.8, 0.0],  # contempt
    ]
)
_NEUTRAL = _EXPRESSIONS[6]

# Circumplex-model (valence, arousal) centre per class, same order.
_CIRCUMPLEX = np.array(
    [
        [-0.60, 0.60],  # angry
        [-0.70, 0.35],  # disgust
        [-0.60, 0.70],  # fear
        [0.80, 0.45],  # happy
        [-0.70, -0.40],  # sad
        [0.30, 0.80],  # surprise
        [0.00, 0.00],  # neutral
        [-0.45, 0.25],  # contempt
    ]
)


# Parameter constraints shared by make_faces and make_face_sequences.
_CONSTRAINTS = {
    "image_size": [Interval(numbers.Integral, 8, None, closed="left")],
    "n_classes": [Interval(numbers.Integral, 2, 8, closed="both")],
    "noise": [Interval(numbers.Real, 0, 1, closed="both")],
    "random_state": ["random_state"],
}


def _sample_identity(rng, n):
    """Identity, pose and illumination parameters, one row per face."""
    return {
        "face_w": rng.uniform(0.55, 0.70, n),
        "face_h": rng.uniform(0.72, 0.84, n),
        "eye_dx": rng.uniform(0.23, 0.31, n),
        "eye_y": rng.uniform(-0.22, -0.14, n),
        "eye_w": rng.uniform(0.10, 0.13, n),
        "mouth_y": rng.uniform(0.38, 0.47, n),
        "brow_gap": rng.uniform(0.13, 0.19, n),
        "angle": rng.normal(0.0, 0.12, n).clip(-0.35, 0.35),
        "scale": rng.uniform(0.82, 1.0, n),
        "shift_x": rng.uniform(-0.06, 0.06, n),
        "shift_y": rng.uniform(-0.06, 0.06, n),
        "skin": rng.uniform(0.50, 0.85, n),
        "background": rng.uniform(0.05, 0.95, n),
        "light": rng.uniform(0.0, 0.35, n),
        "light_dir": rng.uniform(0.0, 2 * np.pi, n),
        "feature_dark": rng.uniform(0.05, 0.25, n),
    }


def _expression_params(rng, labels, intensity):
    """Blend each class's geometry with neutral by intensity, plus jitter."""
    target = _EXPRESSIONS[labels]
    params = _NEUTRAL + intensity[:, None] * (target - _NEUTRAL)
    jitter = rng.normal(0.0, 1.0, params.shape) * np.array(
        [0.12, 0.12, 0.10, 0.08, 0.10, 0.05, 0.05, 0.05, 0.1]
    )
    params = params + jitter
    params[:, 3] = params[:, 3].clip(0.3, 2.0)  # eye_open
    params[:, 5] = params[:, 5].clip(0.0, 1.2)  # mouth_open
    params[:, 6] = params[:, 6].clip(0.5, 1.5)  # mouth_width
    return {name: params[:, i] for i, name in enumerate(_PARAM_NAMES)}


def _valence_arousal(rng, labels, intensity):
    centre = _CIRCUMPLEX[labels] * intensity[:, None]
    va = centre + rng.normal(0.0, 0.08, centre.shape)
    return va.clip(-1.0, 1.0)


# ---------------------------------------------------------------------------
# Geometry in the canonical face frame: u to the right, v down, image = [-1, 1]^2


def _brow_curve(p, side, t):
    """Brow points for t in [0, 1] from inner (0) to outer (1) end; side=-1 left."""
    inner_u = 0.10 - 0.04 * p["brow_knit"][:, None]
    outer_u = p["eye_dx"][:, None] + 0.17
    u = inner_u + (outer_u - inner_u) * t
    base = (
        p["eye_y"][:, None] - p["brow_gap"][:, None] - 0.07 * p["brow_raise"][:, None]
    )
    v = (
        base
        - 0.035 * np.sin(np.pi * t)
        + 0.07 * p["brow_inner_drop"][:, None] * (1.0 - t)
    )
    return side * u, v


def _mouth_curves(p, u):
    """Upper and lower lip v for mouth coordinate u (same shape as p rows)."""
    half = 0.2 * p["mouth_width"]
    half = half.reshape(half.shape + (1,) * (u.ndim - 1))
    s = u / half
    curve = p["mouth_curve"].reshape(half.shape)
    asym = p["mouth_asym"].reshape(half.shape)
    my = p["mouth_y"].reshape(half.shape)
    lip = p["lip_raise"].reshape(half.shape)
    opening = p["mouth_open"].reshape(half.shape)
    upper = my - 0.09 * curve * s**2 - 0.06 * asym * np.clip(s, 0, None) ** 2
    upper = upper - 0.03 * lip * (1 - s**2).clip(0, None)
    lower = upper + 0.16 * opening * (1 - s**2).clip(0, None)
    return upper, lower, s


def _canonical_landmarks(p):
    """(n, 68, 2) landmarks in the canonical frame, iBUG-68 order."""
    n = len(p["face_w"])
    pts = np.zeros((n, 68, 2))
    cy = 0.05
    # 0-16 jaw, image left to right through the chin.
    alpha = np.linspace(np.pi - 0.15, 0.15, 17)
    pts[:, 0:17, 0] = p["face_w"][:, None] * np.cos(alpha)
    pts[:, 0:17, 1] = cy + p["face_h"][:, None] * np.sin(alpha)
    # 17-21 left brow (outer -> inner), 22-26 right brow (inner -> outer).
    t = np.linspace(0, 1, 5)
    u, v = _brow_curve(p, -1, t[::-1])
    pts[:, 17:22, 0], pts[:, 17:22, 1] = u, v
    u, v = _brow_curve(p, 1, t)
    pts[:, 22:27, 0], pts[:, 22:27, 1] = u, v
    # 27-30 nose bridge, 31-35 nostrils.
    pts[:, 27:31, 0] = 0.0
    pts[:, 27:31, 1] = np.linspace(-0.14, 0.12, 4)[None, :] + 0 * p["face_w"][:, None]
    pts[:, 31:36, 0] = np.linspace(-0.08, 0.08, 5)[None, :]
    pts[:, 31:36, 1] = 0.17 - 0.02 * np.cos(np.linspace(-1.2, 1.2, 5))[None, :]
    pts[:, 31:36, 1] -= 0.02 * p["lip_raise"][:, None]
    # 36-41 left eye, 42-47 right eye: corners and lids.
    ew = p["eye_w"][:, None]
    eh = 0.05 * p["eye_open"][:, None]
    lid_u = np.array([-1.0, -0.4, 0.4, 1.0, 0.4, -0.4])
    lid_v = np.array([0.0, -1.0, -1.0, 0.0, 1.0, 1.0]) * np.sqrt(
        1 - np.minimum(lid_u**2, 0.84)
    )
    for start, side in ((36, -1), (42, 1)):
        order = lid_u if side == 1 else lid_u  # outer->inner for left eye
        ex = side * p["eye_dx"][:, None]
        pts[:, start : start + 6, 0] = ex + ew * order
        pts[:, start : start + 6, 1] = p["eye_y"][:, None] + eh * lid_v
    # 48-59 outer lips, 60-67 inner lips.
    half = 0.2 * p["mouth_width"][:, None]
    so = np.array([-1, -0.6, -0.25, 0, 0.25, 0.6, 1, 0.6, 0.25, 0, -0.25, -0.6])
    upper, lower, _ = _mouth_curves(p, half * so[None, :])
    lip_th = 0.025
    outer_v = np.where(np.arange(12) <= 6, upper - lip_th, lower + lip_th)
    outer_v[:, [0, 6]] = upper[:, [0, 6]]
    pts[:, 48:60, 0] = half * so[None, :]
    pts[:, 48:60, 1] = outer_v
    si = np.array([-0.9, -0.4, 0, 0.4, 0.9, 0.4, 0, -0.4])
    upper_i, lower_i, _ = _mouth_curves(p, half * si[None, :])
    pts[:, 60:68, 0] = half * si[None, :]
    pts[:, 60:68, 1] = np.where(np.arange(8) <= 4, upper_i, lower_i)
    pts[:, [60, 64], 1] = upper_i[:, [0, 4]]
    return pts


def _to_pixels(p, pts, size):
    """Map canonical points through pose (rotation, scale, shift) to pixels."""
    c, s = np.cos(p["angle"])[:, None], np.sin(p["angle"])[:, None]
    sc = p["scale"][:, None]
    x = sc * (c * pts[..., 0] - s * pts[..., 1]) + p["shift_x"][:, None]
    y = sc * (s * pts[..., 0] + c * pts[..., 1]) + p["shift_y"][:, None]
    return np.stack([(x + 1) / 2 * size - 0.5, (y + 1) / 2 * size - 0.5], axis=-1)


def _soft(d, width):
    """Anti-aliased inside indicator from a signed distance (negative inside)."""
    out = 0.5 - d * (0.5 / width)
    return np.clip(out, 0.0, 1.0, out=out)


def _render(p, size, rng, noise):
    """Render (n, size, size) float faces in [0, 1] from parameter dict p."""
    coords = (np.arange(size) + 0.5) / size * 2 - 1
    coords = coords.astype(np.float32)
    gx, gy = np.meshgrid(coords, coords)

    def col(name):
        return p[name][:, None, None].astype(np.float32)

    # Inverse pose: pixel -> canonical frame.
    x = (gx[None] - col("shift_x")) / col("scale")
    y = (gy[None] - col("shift_y")) / col("scale")
    c, s = np.cos(col("angle")), np.sin(col("angle"))
    u = c * x + s * y
    v = -s * x + c * y
    aa = 1.5 / size  # anti-aliasing width in canonical units

    # Background with a gentle vertical gradient, then the face ellipse.
    img = col("background") * (1 - 0.2 * gy[None]) + np.zeros_like(u)
    shade = col("skin") * (
        1 + col("light") * (np.cos(col("light_dir")) * u + np.sin(col("light_dir")) * v)
    )
    r = np.sqrt((u / col("face_w")) ** 2 + ((v - 0.05) / col("face_h")) ** 2)
    face = _soft((r - 1) * col("face_w"), aa)
    img = img * (1 - face) + shade * face
    dark = col("feature_dark")

    def paint(alpha, value=None):
        nonlocal img
        val = dark if value is None else value
        img = img * (1 - alpha) + val * alpha

    # Eyes: ellipses whose height follows eye_open; a bright sclera ring.
    for side in (-1, 1):
        du = u - side * col("eye_dx")
        dv = v - col("eye_y")
        eh = 0.05 * col("eye_open")
        re = np.sqrt((du / col("eye_w")) ** 2 + (dv / eh) ** 2)
        paint(_soft((re - 1) * eh, aa) * 0.9, np.minimum(shade + 0.25, 1.0))
        rp = np.sqrt(du**2 + dv**2)
        iris = _soft(rp - np.minimum(0.045, eh), aa) * _soft((re - 1) * eh, aa)
        paint(iris)
    # Brows: thick curves; distance to the curve point at the pixel's own t.
    for side in (-1, 1):
        inner_u = 0.10 - 0.04 * col("brow_knit")
        outer_u = col("eye_dx") + 0.17
        t = np.clip((side * u - inner_u) / (outer_u - inner_u), 0.0, 1.0)
        cu = side * (inner_u + (outer_u - inner_u) * t)
        cv = (
            col("eye_y")
            - col("brow_gap")
            - 0.07 * col("brow_raise")
            - 0.035 * np.sin(np.pi * t)
            + 0.07 * col("brow_inner_drop") * (1.0 - t)
        )
        paint(_soft(np.sqrt((u - cu) ** 2 + (v - cv) ** 2) - 0.028, aa))
    # Nose: a soft vertical shadow and nostrils.
    nose = _soft(np.abs(u) - 0.018, aa) * _soft(np.abs(v - 0.0) - 0.14, aa)
    paint(0.35 * nose)
    for side in (-1, 1):
        dn = np.sqrt(((u - side * 0.05) / 0.03) ** 2 + ((v - 0.16) / 0.018) ** 2)
        paint(0.7 * _soft((dn - 1) * 0.018, aa))
    # Mouth: interior between the lip curves, plus the lip line itself.
    upper, lower, sm = _mouth_curves(p, u)
    inside_w = _soft(np.abs(sm) - 1, aa / (0.2 * col("mouth_width")))
    interior = inside_w * _soft(upper - v, aa) * _soft(v - lower, aa)
    lip_line = inside_w * _soft(np.abs(v - upper) - 0.022, aa)
    lower_lip = inside_w * _soft(np.abs(v - lower - 0.012) - 0.02, aa)
    paint(np.maximum(interior, lip_line))
    paint(0.6 * lower_lip)

    if noise > 0:
        img = img + np.float32(noise) * rng.standard_normal(img.shape).astype(
            np.float32
        )
    return np.clip(img, 0.0, 1.0)


def _generate(rng, labels, identity, intensity, size, noise, chunk=2048):
    expr = _expression_params(rng, labels, intensity)
    params = {**identity, **expr}
    n = len(labels)
    images = np.empty((n, size, size), dtype=np.uint8)
    for start in range(0, n, chunk):
        sl = slice(start, start + chunk)
        part = {k: v[sl].astype(np.float32) for k, v in params.items()}
        images[sl] = np.round(_render(part, size, rng, noise) * 255).astype(np.uint8)
    landmarks = _to_pixels(params, _canonical_landmarks(params), size)
    return images, landmarks.astype(np.float32)


def _class_names(n_classes):
    if n_classes == 8:
        return list(AFFECTNET_CLASSES)
    return list(FER2013_CLASSES[:n_classes])


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "weights": ["array-like", None],
        "return_X_y": ["boolean"],
        **_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_faces(
    n_samples=1000,
    *,
    image_size=48,
    n_classes=7,
    noise=0.05,
    weights=None,
    random_state=None,
    return_X_y=False,
):
    """Draw synthetic grayscale faces whose geometry encodes an expression.

    Like :func:`sklearn.datasets.make_classification` for tabular data, this
    draws a labelled image data set from a parametric model. Expressions move
    the mouth (curvature, opening, width, asymmetry), the brows (raise, lower,
    knit, inner-corner raise) and the eyes (opening) as real ones do; identity
    (face shape, eye spacing), pose (in-plane rotation, scale, shift),
    illumination and pixel noise vary per sample, so the task is learnable but
    not trivial.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of faces.
    image_size : int, default=48
        Height and width of the square images, in pixels (>= 8).
    n_classes : int, default=7
        7 gives the FER-2013 classes in their standard order (angry, disgust,
        fear, happy, sad, surprise, neutral); 8 adds contempt (AffectNet).
        Smaller values keep the first ``n_classes`` of that list.
    noise : float, default=0.05
        Standard deviation of the Gaussian pixel noise, in [0, 1] units.
    weights : array-like of shape (n_classes,), default=None
        Class proportions (normalised to sum to 1). ``None`` draws balanced
        classes. Use it to mimic imbalance, e.g. FER-2013's rare disgust.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: ndarray of shape (n_samples, image_size, image_size), uint8.
        ``target``: ndarray of shape (n_samples,), int class index.
        ``target_names``: list of class names.
        ``valence``, ``arousal``: ndarray of shape (n_samples,) in [-1, 1],
        circumplex-model centre of the class scaled by the expression's
        intensity, plus noise.
        ``va``: ndarray of shape (n_samples, 2), the two stacked.
        ``intensity``: ndarray of shape (n_samples,) in [0.4, 1].
        ``landmarks``: ndarray of shape (n_samples, 68, 2), float32, iBUG-68
        layout, (x, y) pixel coordinates in the returned images.
    (images, target) : tuple if ``return_X_y`` is True.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> faces = make_faces(n_samples=16, random_state=0)
    >>> faces.images.shape, faces.images.dtype, faces.landmarks.shape
    ((16, 48, 48), dtype('uint8'), (16, 68, 2))
    >>> faces.target_names[3]
    'happy'
    """
    rng = check_random_state(random_state)
    if weights is None:
        labels = np.arange(n_samples) % n_classes
        rng.shuffle(labels)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n_classes,) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(
                f"weights must be {n_classes} non-negative numbers (one per class) "
                f"with a positive sum; got {weights!r}."
            )
        labels = rng.choice(n_classes, size=n_samples, p=w / w.sum())
    intensity = rng.uniform(0.4, 1.0, n_samples)
    identity = _sample_identity(rng, n_samples)
    images, landmarks = _generate(rng, labels, identity, intensity, image_size, noise)
    va = _valence_arousal(rng, labels, intensity)
    if return_X_y:
        return images, labels
    return Bunch(
        images=images,
        target=labels.astype(np.int64),
        target_names=_class_names(n_classes),
        valence=va[:, 0],
        arousal=va[:, 1],
        va=va,
        intensity=intensity,
        landmarks=landmarks,
        DESCR="Synthetic parametric faces (affect_sklearn.datasets.make_faces).",
    )


@validate_params(
    {
        "n_sequences": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_frames": [Interval(numbers.Integral, 2, None, closed="left")],
        "mean_segment_length": [Interval(numbers.Real, 1, None, closed="left")],
        "min_segment_length": [Interval(numbers.Integral, 1, None, closed="left")],
        **_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_face_sequences(
    n_sequences=4,
    n_frames=120,
    *,
    mean_segment_length=30,
    min_segment_length=8,
    image_size=48,
    n_classes=7,
    noise=0.05,
    random_state=None,
):
    """Draw frame sequences of one face whose expression changes at known frames.

    Each sequence keeps one identity; pose drifts slowly. The expression is
    constant within a segment and switches to a different class at each change
    point. Segment lengths are geometric with the given mean and a minimum.

    Parameters
    ----------
    n_sequences : int, default=4
        Number of sequences.
    n_frames : int, default=120
        Frames per sequence.
    mean_segment_length : int, default=30
        Mean number of frames between changes.
    min_segment_length : int, default=8
        No segment is shorter than this.
    image_size : int, default=48
        Height and width of the frames.
    n_classes : int, default=7
        As in :func:`make_faces`.
    noise : float, default=0.05
        Pixel noise standard deviation.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: uint8 ndarray of shape (n_sequences, n_frames, H, W).
        ``target``: int ndarray of shape (n_sequences, n_frames).
        ``valence``, ``arousal``: float ndarrays of shape (n_sequences, n_frames).
        ``landmarks``: float32 ndarray of shape (n_sequences, n_frames, 68, 2).
        ``change_points``: list of int ndarrays, the frame indices where the
        label differs from the previous frame.
        ``target_names``: list of class names.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_face_sequences
    >>> seq = make_face_sequences(n_sequences=2, n_frames=40, random_state=0)
    >>> seq.images.shape
    (2, 40, 48, 48)
    >>> bool((seq.target[0, seq.change_points[0]]
    ...       != seq.target[0, seq.change_points[0] - 1]).all())
    True
    """
    if mean_segment_length < min_segment_length:
        raise ValueError(
            "mean_segment_length must be >= min_segment_length; got "
            f"mean_segment_length={mean_segment_length!r}, "
            f"min_segment_length={min_segment_length!r}."
        )
    rng = check_random_state(random_state)
    labels = np.empty((n_sequences, n_frames), dtype=np.int64)
    change_points = []
    for i in range(n_sequences):
        t, cur, cps = 0, rng.randint(n_classes), []
        while t < n_frames:
            extra = rng.geometric(
                1.0 / max(mean_segment_length - min_segment_length, 1)
            )
            length = min_segment_length + extra - 1
            labels[i, t : t + length] = cur
            t += length
            if t < n_frames:
                cps.append(t)
                cur = (cur + 1 + rng.randint(n_classes - 1)) % n_classes
        change_points.append(np.asarray(cps, dtype=np.int64))
    base = _sample_identity(rng, n_sequences)
    identity = {k: np.repeat(v, n_frames) for k, v in base.items()}
    drift = np.cumsum(rng.normal(0, 0.004, (3, n_sequences, n_frames)), axis=2)
    identity["angle"] = identity["angle"] + 2 * drift[0].ravel()
    identity["shift_x"] = identity["shift_x"] + drift[1].ravel()
    identity["shift_y"] = identity["shift_y"] + drift[2].ravel()
    seg_intensity = rng.uniform(0.6, 1.0, (n_sequences, n_frames))
    intensity = np.repeat(seg_intensity[:, :1], n_frames, axis=1).ravel()
    images, landmarks = _generate(
        rng, labels.ravel(), identity, intensity, image_size, noise
    )
    va = _valence_arousal(rng, labels.ravel(), intensity)
    shape = (n_sequences, n_frames)
    return Bunch(
        images=images.reshape(shape + images.shape[1:]),
        target=labels,
        valence=va[:, 0].reshape(shape),
        arousal=va[:, 1].reshape(shape),
        landmarks=landmarks.reshape(shape + (68, 2)),
        change_points=change_points,
        target_names=_class_names(n_classes),
    )
