"""Inputs of the multi-task estimator: packed faces and multi-task targets."""

from __future__ import annotations

import numpy as np

from ..utils._multitask import split_multitask_target, unpack_faces


def unpack_multitask_X(estimator, X, *, reset):
    """Images and landmarks (or None) of X for an :class:`AffectCNNMultiTask`.

    Without ``use_landmarks`` the landmarks are dropped. With it, X must come
    from ``pack_faces``, ``tta=True`` is an error, the landmarks must be
    finite, and (``reset=False``) as many per face as in the fit.
    """
    images, landmarks = unpack_faces(X)
    if not estimator.use_landmarks:
        return images, None
    if landmarks is None:
        raise ValueError(
            "use_landmarks=True needs images and landmarks together: pass "
            "X = affect_sklearn.utils.pack_faces(images, landmarks); got X of "
            f"type {type(X).__name__}."
        )
    if estimator.tta is True:
        raise ValueError(
            "tta=True is not available with use_landmarks=True (a mirrored image "
            "no longer matches its landmarks). Set tta=False."
        )
    landmarks = np.asarray(landmarks, dtype=np.float32)
    if not np.isfinite(landmarks).all():
        raise ValueError(
            "landmarks contain NaN or infinity; drop those faces or fill the "
            "points before fitting."
        )
    if not reset and landmarks.shape[1] != estimator.n_landmarks_:
        raise ValueError(
            f"X has {landmarks.shape[1]} landmarks per face, but the model was "
            f"fitted with {estimator.n_landmarks_}."
        )
    return images, landmarks


def split_multitask_y(y, n_samples):
    """Expression labels and (n, 2) valence/arousal of y, one row per image."""
    labels, affect = split_multitask_target(y)
    if len(labels) != n_samples:
        raise ValueError(
            f"X and y must have the same number of samples; got {n_samples} "
            f"images and {len(labels)} targets."
        )
    return labels, affect


def check_affect(affect, *, clip_targets):
    """Valence/arousal checked to lie in [-1, 1] (NaN: missing), or clipped."""
    if np.isinf(affect).any():
        raise ValueError("valence/arousal contain infinity; use NaN for missing.")
    present = affect[~np.isnan(affect)]
    if present.size and (present.min() < -1 or present.max() > 1):
        if not clip_targets:
            raise ValueError(
                "valence/arousal values must lie in [-1, 1]; got "
                f"min={present.min():.3g}, max={present.max():.3g}. Rescale y "
                "or set clip_targets=True."
            )
        affect = np.clip(affect, -1, 1)
    return affect
