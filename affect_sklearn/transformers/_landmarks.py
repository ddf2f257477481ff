"""Landmark validation and similarity normalisation (centroid, size, rotation)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

__all__ = ["LandmarkNormalizer", "check_points"]

LEFT_EYE = slice(36, 42)  # image left (the subject's right eye)
RIGHT_EYE = slice(42, 48)


def check_points(est, X, *, reset):
    """Validate landmarks: (n, k, 2) or flattened (n, 2k) -> ((n, k, 2), flat)."""
    name = type(est).__name__
    ndim = getattr(X, "ndim", None)
    if ndim is None and not hasattr(X, "iloc"):
        ndim = np.ndim(np.asarray(X, dtype=object))
    if ndim == 3:
        arr = check_array(
            X, allow_nd=True, dtype=[np.float64, np.float32], input_name="X"
        )
        if arr.shape[2] != 2:
            raise ValueError(
                f"{name} expects landmarks of shape (n_samples, n_points, 2) or "
                f"(n_samples, 2 * n_points); got shape {arr.shape}. Points must be "
                "(x, y) pairs."
            )
        n_features = 2 * arr.shape[1]
        if reset:
            est.n_features_in_ = n_features
            if hasattr(est, "feature_names_in_"):
                del est.feature_names_in_
        elif n_features != est.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting "
                f"{est.n_features_in_} features as input ({est.n_features_in_ // 2} "
                f"points); got landmarks of shape {arr.shape}."
            )
        return arr, False
    if ndim is not None and ndim not in (2, 3):
        raise ValueError(
            f"{name} expects landmarks of shape (n_samples, n_points, 2) or "
            f"(n_samples, 2 * n_points); got an array with {ndim} dimension(s). "
            "Reshape X, e.g. X.reshape(len(X), -1, 2)."
        )
    arr = validate_data(est, X, reset=reset, dtype=[np.float64, np.float32])
    if arr.shape[1] % 2:
        raise ValueError(
            f"{name} expects landmarks of shape (n_samples, n_points, 2) or "
            f"(n_samples, 2 * n_points) with (x, y) pairs; got {arr.shape[1]} "
            f"feature(s) in X of shape {arr.shape}, an odd number."
        )
    return arr.reshape(len(arr), -1, 2), True


def _point_names(n_points):
    """Names of flattened (x, y) points: ``x0, y0, x1, y1, ...``."""
    return np.asarray([f"{a}{i}" for i in range(n_points) for a in "xy"], dtype=object)


def _eye_centres(P):
    return P[:, LEFT_EYE].mean(axis=1), P[:, RIGHT_EYE].mean(axis=1)


def _size(P, scale):
    """Per-shape scale of centred shapes (n, k, 2): inter-ocular or RMS size."""
    if scale == "interocular":
        left, right = _eye_centres(P)
        size = np.linalg.norm(right - left, axis=1)
    else:
        size = np.sqrt(np.mean(np.sum(P**2, axis=2), axis=1))
    size[~(size > 1e-12)] = 1.0
    return size


def _rotate(P, angle):
    """Rotate each (k, 2) shape by its angle (radians, counter-clockwise in x-y)."""
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = P[..., 0], P[..., 1]
    return np.stack([c * x - s * y, s * x + c * y], axis=-1)


def _eye_angle(P):
    left, right = _eye_centres(P)
    d = right - left
    return np.arctan2(d[:, 1], d[:, 0])


def _procrustes_angle(P, ref):
    """Rotation angle aligning each centred shape to ``ref`` (no reflection)."""
    num = np.sum(P[..., 0] * ref[:, 1] - P[..., 1] * ref[:, 0], axis=1)
    den = np.sum(P[..., 0] * ref[:, 0] + P[..., 1] * ref[:, 1], axis=1)
    return np.arctan2(num, den)


def _similarity_normalize(P, scale):
    P = P - P.mean(axis=1, keepdims=True)
    return P / _size(P, scale)[:, None, None]


class LandmarkNormalizer(TransformerMixin, BaseEstimator):
    """Remove position, size and in-plane rotation from facial landmarks.

    Each shape is translated to its centroid, divided by its inter-ocular
    distance (between the eye centres), and rotated either onto a mean shape
    learned in ``fit`` (orthogonal Procrustes, reflections excluded) or so
    that the eyes are level. The result is invariant to shifting, scaling and
    rotating the input in the image plane, so what is left is the shape: the
    expression and the identity.

    Parameters
    ----------
    rotation : {"procrustes", "eyes"} or None, default="procrustes"
        "procrustes" rotates each shape onto ``mean_shape_`` (least squares);
        "eyes" rotates the line between the eye centres to horizontal (68-point
        layout only); None keeps the input's orientation.
    scale : {"auto", "interocular", "rms"}, default="auto"
        "interocular" divides by the distance between the eye centres
        (68-point iBUG layout), "rms" by the root-mean-square distance of the
        points to their centroid (any layout); "auto" uses "interocular" for
        68 points and "rms" otherwise.
    n_iter : int, default=5
        Iterations of generalised Procrustes analysis for the mean shape.

    Attributes
    ----------
    mean_shape_ : ndarray of shape (n_points, 2)
        Normalised mean shape (eyes level for 68 points).
    n_points_ : int
        Points per face.
    n_features_in_ : int
        ``2 * n_points``.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.transformers import LandmarkNormalizer
    >>> points = make_faces(n_samples=8, random_state=0).landmarks
    >>> Z = LandmarkNormalizer().fit_transform(points)
    >>> Z.shape
    (8, 68, 2)
    >>> import numpy as np
    >>> eyes = Z[:, 42:48].mean(1) - Z[:, 36:42].mean(1)
    >>> bool(np.allclose(np.linalg.norm(eyes, axis=1), 1.0, atol=1e-5))
    True
    """

    _parameter_constraints: dict = {
        "rotation": [StrOptions({"procrustes", "eyes"}), None],
        "scale": [StrOptions({"auto", "interocular", "rms"})],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, rotation="procrustes", scale="auto", n_iter=5):
        self.rotation = rotation
        self.scale = scale
        self.n_iter = n_iter

    def _scale_rule(self, n_points):
        rule = self.scale
        if rule == "auto":
            rule = "interocular" if n_points == 68 else "rms"
        needs_68 = rule == "interocular" or self.rotation == "eyes"
        if needs_68 and n_points != 68:
            what = "scale='interocular'" if rule == "interocular" else "rotation='eyes'"
            raise ValueError(
                f"{type(self).__name__}: {what} needs the 68-point iBUG layout; got "
                f"{n_points} points per face. Use scale='rms' and "
                "rotation='procrustes' for other layouts."
            )
        return rule

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mean shape (generalised Procrustes analysis).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 2) or (n_samples, 2 * n_points)
            Landmarks as (x, y) pixel coordinates.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        P, _ = check_points(self, X, reset=True)
        self.n_points_ = P.shape[1]
        rule = self._scale_rule(self.n_points_)
        P = _similarity_normalize(P.astype(np.float64), rule)
        mean = P.mean(axis=0)
        for _ in range(self.n_iter if self.rotation == "procrustes" else 0):
            aligned = _rotate(P, _procrustes_angle(P, mean))
            mean = _similarity_normalize(aligned.mean(axis=0)[None], rule)[0]
        if self.n_points_ == 68:
            mean = _rotate(mean[None], -_eye_angle(mean[None]))[0]
        self.mean_shape_ = mean
        return self

    def transform(self, X):
        """Normalise the landmarks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 2) or (n_samples, 2 * n_points)
            Landmarks.

        Returns
        -------
        Z : ndarray of the same shape as X
            Float64 input stays float64, other input becomes float32. With
            ``set_output(transform="pandas")`` the output is flattened into
            columns x0, y0, x1, y1, ...
        """
        check_is_fitted(self)
        P, flat = check_points(self, X, reset=False)
        dtype = np.float64 if P.dtype == np.float64 else np.float32
        P = _similarity_normalize(P.astype(np.float64), self._scale_rule(P.shape[1]))
        if self.rotation == "procrustes":
            P = _rotate(P, _procrustes_angle(P, self.mean_shape_))
        elif self.rotation == "eyes":
            P = _rotate(P, -_eye_angle(P))
        if flat or _get_output_config("transform", self)["dense"] != "default":
            P = P.reshape(len(P), -1)
        return P.astype(dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened output: ``x0, y0, x1, y1, ...``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return _point_names(self.n_features_in_ // 2)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
