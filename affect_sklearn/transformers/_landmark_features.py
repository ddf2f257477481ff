"""Named geometric features of facial landmarks (aspect ratios, heights, angles)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._landmarks import _eye_angle, _eye_centres, _rotate, check_points

__all__ = ["LandmarkFeatures", "GEOMETRIC_FEATURES"]

GEOMETRIC_FEATURES = (
    "left_eye_aspect_ratio",
    "right_eye_aspect_ratio",
    "mouth_aspect_ratio",
    "inner_mouth_aspect_ratio",
    "mouth_width",
    "mouth_opening",
    "mouth_corner_lift",
    "mouth_corner_asymmetry",
    "mouth_height",
    "left_brow_height",
    "right_brow_height",
    "left_inner_brow_height",
    "right_inner_brow_height",
    "left_outer_brow_height",
    "right_outer_brow_height",
    "brow_gap",
    "left_brow_angle",
    "right_brow_angle",
    "left_mouth_corner_angle",
    "right_mouth_corner_angle",
    "nose_to_upper_lip",
    "nose_to_chin",
    "left_eye_to_mouth_corner",
    "right_eye_to_mouth_corner",
)


def _dist(F, i, j):
    return np.linalg.norm(F[:, i] - F[:, j], axis=1)


def _angle_at(F, vertex, a, b):
    """Angle (radians) at point ``vertex`` between the rays to ``a`` and ``b``."""
    u = F[:, a] - F[:, vertex]
    v = F[:, b] - F[:, vertex]
    cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return np.abs(np.arctan2(cross, np.sum(u * v, axis=1)))


def _geometric(P):
    """The features of GEOMETRIC_FEATURES for (n, 68, 2) landmarks, float64.

    Shapes are moved to a face frame first: origin between the eye centres,
    eyes level, inter-ocular distance 1, y pointing down (to the chin), so
    the features do not depend on position, size or in-plane rotation.
    """
    left, right = _eye_centres(P)
    F = P - ((left + right) / 2)[:, None]
    F = _rotate(F, -_eye_angle(P))
    iod = np.linalg.norm(right - left, axis=1)
    iod[~(iod > 1e-12)] = 1.0
    F = F / iod[:, None, None]
    y = F[..., 1]
    eps = 1e-12

    def ratio(pairs, corners):
        vertical = sum(_dist(F, i, j) for i, j in pairs) / len(pairs)
        return vertical / np.maximum(_dist(F, *corners), eps)

    eye_l, eye_r = F[:, 36:42].mean(1), F[:, 42:48].mean(1)
    mouth_centre = (y[:, 51] + y[:, 57]) / 2
    feats = {
        "left_eye_aspect_ratio": ratio([(37, 41), (38, 40)], (36, 39)),
        "right_eye_aspect_ratio": ratio([(43, 47), (44, 46)], (42, 45)),
        "mouth_aspect_ratio": ratio([(50, 58), (51, 57), (52, 56)], (48, 54)),
        "inner_mouth_aspect_ratio": ratio([(61, 67), (62, 66), (63, 65)], (60, 64)),
        "mouth_width": _dist(F, 48, 54),
        "mouth_opening": _dist(F, 62, 66),
        "mouth_corner_lift": mouth_centre - (y[:, 48] + y[:, 54]) / 2,
        "mouth_corner_asymmetry": y[:, 48] - y[:, 54],
        "mouth_height": (y[:, 62] + y[:, 66]) / 2,
        "left_brow_height": eye_l[:, 1] - y[:, 17:22].mean(1),
        "right_brow_height": eye_r[:, 1] - y[:, 22:27].mean(1),
        "left_inner_brow_height": eye_l[:, 1] - y[:, 21],
        "right_inner_brow_height": eye_r[:, 1] - y[:, 22],
        "left_outer_brow_height": eye_l[:, 1] - y[:, 17],
        "right_outer_brow_height": eye_r[:, 1] - y[:, 26],
        "brow_gap": _dist(F, 21, 22),
        "left_brow_angle": np.arctan2(y[:, 17] - y[:, 21], F[:, 21, 0] - F[:, 17, 0]),
        "right_brow_angle": np.arctan2(y[:, 26] - y[:, 22], F[:, 26, 0] - F[:, 22, 0]),
        "left_mouth_corner_angle": _angle_at(F, 48, 50, 58),
        "right_mouth_corner_angle": _angle_at(F, 54, 52, 56),
        "nose_to_upper_lip": _dist(F, 33, 51),
        "nose_to_chin": _dist(F, 33, 8),
        "left_eye_to_mouth_corner": np.linalg.norm(eye_l - F[:, 48], axis=1),
        "right_eye_to_mouth_corner": np.linalg.norm(eye_r - F[:, 54], axis=1),
    }
    return feats


class LandmarkFeatures(TransformerMixin, BaseEstimator):
    """Geometric expression features from facial landmarks, with names.

    ``kind="geometric"`` computes 24 named features of the 68-point iBUG
    layout in a face frame (origin between the eyes, eyes level, distances in
    units of the inter-ocular distance): eye and mouth aspect ratios, mouth
    width, opening and corner lift, brow heights, brow gap and brow angles,
    mouth-corner angles and a few distances (nose to lip, nose to chin, eye
    to mouth corner). They do not depend on the position, size or in-plane
    rotation of the face, so raw detector output and
    :class:`LandmarkNormalizer` output give the same values.
    ``kind="pairwise"`` gives every pairwise distance between the points,
    divided by the shape's RMS size, for any point layout.

    Parameters
    ----------
    kind : {"geometric", "pairwise"}, default="geometric"
        Which features.
    features : list of str, default=None
        Subset of the geometric feature names to keep (in this order); None
        keeps all. See ``GEOMETRIC_FEATURES``.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
        Output feature names.
    n_points_ : int
        Points per face.
    n_features_in_ : int
        ``2 * n_points``.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.transformers import LandmarkFeatures
    >>> faces = make_faces(n_samples=8, random_state=0)
    >>> lf = LandmarkFeatures(features=["mouth_opening", "left_brow_height"])
    >>> lf.fit_transform(faces.landmarks).shape
    (8, 2)
    >>> list(lf.get_feature_names_out())
    ['mouth_opening', 'left_brow_height']
    """

    _parameter_constraints: dict = {
        "kind": [StrOptions({"geometric", "pairwise"})],
        "features": ["array-like", None],
    }

    def __init__(self, *, kind="geometric", features=None):
        self.kind = kind
        self.features = features

    def _names(self, n_points):
        name = type(self).__name__
        if self.kind == "pairwise":
            if self.features is not None:
                raise ValueError(
                    f"{name}: features selects geometric features; got "
                    f"features={self.features!r} with kind='pairwise'. Use "
                    "kind='geometric' or features=None."
                )
            i, j = np.triu_indices(n_points, k=1)
            return [f"d{a}_{b}" for a, b in zip(i, j, strict=True)]
        if n_points != 68:
            raise ValueError(
                f"{name} with kind='geometric' needs the 68-point iBUG layout; got "
                f"{n_points} points per face. Use kind='pairwise' for other layouts."
            )
        if self.features is None:
            return list(GEOMETRIC_FEATURES)
        names = [str(f) for f in self.features]
        unknown = sorted(set(names) - set(GEOMETRIC_FEATURES))
        if unknown or not names:
            raise ValueError(
                f"{name}: unknown feature name(s) {unknown} in features={names!r}; "
                f"choose from {list(GEOMETRIC_FEATURES)}."
            )
        return names

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the point layout and the feature names.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 2) or (n_samples, 2 * n_points)
            Landmarks as (x, y) coordinates.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        P, _ = check_points(self, X, reset=True)
        self.n_points_ = P.shape[1]
        self.feature_names_out_ = np.asarray(self._names(self.n_points_), dtype=object)
        return self

    def transform(self, X):
        """Compute the features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 2) or (n_samples, 2 * n_points)
            Landmarks.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            Float64 for float64 input, float32 otherwise.
        """
        check_is_fitted(self)
        P, _ = check_points(self, X, reset=False)
        dtype = np.float64 if P.dtype == np.float64 else np.float32
        P = P.astype(np.float64)
        if self.kind == "pairwise":
            centred = P - P.mean(axis=1, keepdims=True)
            size = np.sqrt(np.mean(np.sum(centred**2, axis=2), axis=1))
            size[~(size > 1e-12)] = 1.0
            i, j = np.triu_indices(P.shape[1], k=1)
            out = np.linalg.norm(P[:, i] - P[:, j], axis=2) / size[:, None]
        else:
            feats = _geometric(P)
            out = np.stack([feats[n] for n in self.feature_names_out_], axis=1)
        return out.reshape(len(P), len(self.feature_names_out_)).astype(dtype)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
