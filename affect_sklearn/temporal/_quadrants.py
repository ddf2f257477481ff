"""The valence/arousal quadrants that ``input_type="va"`` tracks as classes."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["VA_QUADRANTS"]

#: Labels of ``input_type="va"``: the quadrants of the valence/arousal plane.
VA_QUADRANTS = ("positive_active", "negative_active", "negative_calm", "positive_calm")
# Softness of the quadrant probabilities: P(valence > 0) = expit(valence / 0.1).
_VA_SCALE = 0.1


def _va_to_proba(va):
    """Soft quadrant probabilities, in the order of VA_QUADRANTS."""
    pv = expit(va[:, 0] / _VA_SCALE)
    pa = expit(va[:, 1] / _VA_SCALE)
    return np.stack([pv * pa, (1 - pv) * pa, (1 - pv) * (1 - pa), pv * (1 - pa)], 1)


def _va_to_labels(va):
    """Hard quadrant labels of (n, 2) valence/arousal values (0 counts as >= 0)."""
    q = np.where(
        va[:, 0] >= 0, np.where(va[:, 1] >= 0, 0, 3), np.where(va[:, 1] >= 0, 1, 2)
    )
    return np.asarray(VA_QUADRANTS, dtype=object)[q]
