"""Parametric synthetic faces with known expression, valence/arousal and landmarks."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._classes import _class_names
from ._face_params import _sample_identity, _valence_arousal
from ._face_render import _generate

# Parameter constraints shared by make_faces and make_face_sequences.
_CONSTRAINTS = {
    "image_size": [Interval(numbers.Integral, 8, None, closed="left")],
    "n_classes": [Interval(numbers.Integral, 2, 8, closed="both")],
    "noise": [Interval(numbers.Real, 0, 1, closed="both")],
    "random_state": ["random_state"],
}


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
