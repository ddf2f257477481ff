"""Parameters of synthetic faces: identity, pose, expression and valence/arousal."""

from __future__ import annotations

import numpy as np

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
    """Circumplex centre of each class scaled by intensity, plus noise, in [-1, 1]."""
    centre = _CIRCUMPLEX[labels] * intensity[:, None]
    va = centre + rng.normal(0.0, 0.08, centre.shape)
    return va.clip(-1.0, 1.0)
